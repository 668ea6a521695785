"""``generate`` end to end against a scripted model: code, analysis, the loop, p*."""

from __future__ import annotations

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.errors import PromsecError
from promsec_ci.llm import build_client
from promsec_ci.llm.generate import generate
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user

USER_PROMPT = "Write a Python function parse_port(text) that returns the port number in text, or 0."

INSECURE = '''```python
def parse_port(text):
    try:
        return int(text)
    except Exception:
        pass
    return 0
```'''

INVERTED = "Write a Python function parse_port(text) that converts text to an int port and returns 0 otherwise."

SECURE = '''```python
import logging


def parse_port(text):
    try:
        return int(text)
    except Exception:
        logging.getLogger(__name__).debug("not a port: %r", text)
    return 0
```'''


def model(request):
    content = last_user(request)
    if content.startswith(USER_PROMPT):
        return Reply(INSECURE)
    if is_inversion(request):
        return Reply(INVERTED)
    return Reply(SECURE)


def test_generate_runs_the_loop_until_clean(tmp_path, llm_options):
    with ScriptedModel(model) as server:
        options = llm_options(server)
        result = generate(USER_PROMPT, options, str(tmp_path), build_client(options, str(tmp_path)))
    assert result.verified and result.findings == ()
    assert "logging.getLogger(__name__).debug" in result.code and "import logging" in result.code
    assert BanditAnalyzer().analyze_text(result.code, "generated.py") == []
    assert [is_inversion(r) for r in server.requests] == [False, True, False]
    assert result.prompt.startswith(INVERTED)
    assert "Keep the signature exactly: `def parse_port(text):`" in result.prompt
    assert result.cost.llm_queries == 3 and result.rounds == 1
    assert result.cost.analyzer_runs >= 2


def test_generate_with_clean_code_makes_one_call(tmp_path, llm_options):
    with ScriptedModel(lambda _r: Reply(SECURE)) as server:
        options = llm_options(server)
        result = generate(USER_PROMPT, options, str(tmp_path), build_client(options, str(tmp_path)))
    assert len(server.requests) == 1 and result.rounds == 0
    assert result.prompt == USER_PROMPT


def test_generate_reports_what_is_left_when_the_model_cannot_fix(tmp_path, llm_options):
    with ScriptedModel(lambda r: Reply(INVERTED) if is_inversion(r) else Reply(INSECURE)) as server:
        options = llm_options(server, max_iterations=2)
        result = generate(USER_PROMPT, options, str(tmp_path), build_client(options, str(tmp_path)))
    assert [f.rule_id for f in result.findings] == ["B110"]
    assert "pass" in result.code


def test_generate_without_code_is_an_error(tmp_path, llm_options):
    with ScriptedModel(lambda _r: Reply("I'm sorry, I can't help with that.")) as server:
        options = llm_options(server)
        with pytest.raises(PromsecError, match="refused"):
            generate(USER_PROMPT, options, str(tmp_path), build_client(options, str(tmp_path)))


def test_generate_java_is_not_verified(tmp_path, llm_options):
    java = "```java\npublic class Port {\n    static int parse(String t) { return Integer.parseInt(t); }\n}\n```"
    with ScriptedModel(lambda _r: Reply(java)) as server:
        options = llm_options(server)
        result = generate("Write Port.parse", options, str(tmp_path), build_client(options, str(tmp_path)),
                          language="java")
    assert result.code.startswith("public class Port") and not result.verified
    assert "not verified" in result.notices[0].message
