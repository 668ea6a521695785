"""``promsec-ci scan`` with an LLM configured: the fix, the cost in JSON, SARIF and the summary
line, and a second run served from the cache."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from promsec_ci.cli import cli
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion

APP = textwrap.dedent('''\
    def parse_port(text):
        try:
            return int(text)
        except Exception:
            pass
        return 0
''')
INVERTED = "Write a Python function parse_port(text) that converts text to an int port and returns 0 otherwise."
SECURE = ("```python\nimport logging\n\n\ndef parse_port(text):\n    try:\n        return int(text)\n"
          "    except Exception:\n        logging.getLogger(__name__).debug('not a port: %r', text)\n    return 0\n```")


def scan(tmp_path, server, *extra):
    """In process (click's runner), so the three runs share one import of the heavy stages."""
    env = {"PROMSEC_LLM_API_KEY": "test-key", "OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}
    args = ["scan", str(tmp_path / "app.py"), "--llm-base-url", server.url, "--llm-model", "m",
            "-f", "json", "-o", str(tmp_path / "report.json"), "-f", "sarif", "-o", str(tmp_path / "report.sarif"),
            "-f", "text", "-o", "-", *extra]
    return CliRunner().invoke(cli, args, env=env)


def test_scan_reports_llm_fix_and_cost_then_uses_the_cache(tmp_path):
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    with ScriptedModel(lambda r: Reply(INVERTED) if is_inversion(r) else Reply(SECURE)) as server:
        first = scan(tmp_path, server)
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
        second = scan(tmp_path, server)
        again = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert first.exit_code in (0, 1), first.output
    assert len(server.requests) == 2  # inversion + regeneration, then nothing on the second run
    assert server.headers[0]["authorization"] == "Bearer test-key"

    finding = report["findings"][0]
    assert finding["rule_id"] == "B110"
    assert finding["fix"]["operators"][0] == "llm:m"
    assert finding["fix"]["prompt"].startswith(INVERTED)
    cost = report["cost"]
    assert cost["llm_queries"] == 2 and cost["input_tokens"] > 0 and cost["llm_seconds"] > 0
    assert cost["analyzer_runs"] >= 2

    run_cost = sarif["runs"][0]["properties"]["promsec-ci"]["cost"]
    assert run_cost["llm_queries"] == 2
    assert "LLM 2 queries" in first.output

    assert again["cost"]["llm_queries"] == 0
    assert again["findings"][0]["fix"]["edits"] == finding["fix"]["edits"]
    assert "LLM" not in second.output.strip().splitlines()[-1]


def test_no_llm_flag_makes_no_call(tmp_path):
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    with ScriptedModel(lambda r: Reply(SECURE)) as server:
        result = scan(tmp_path, server, "--no-llm")
    assert result.exit_code in (0, 1), result.output
    assert server.requests == []
