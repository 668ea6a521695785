"""``run_eval`` end to end: real Bandit, operators, sandboxed behaviour checks, reports, resume,
and an LLM strategy against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

from promsec_ci.config import Options
from promsec_ci.errors import PromsecError
from promsec_ci.eval import EvalRun, read_results, run_eval
from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user

SQL = '''
    """CWE-89."""
    import sqlite3


    def find(name):
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute("SELECT id, email FROM users WHERE name = '%s'" % name)
        return cur.fetchall()
'''

SHELL = '''
    """CWE-78."""
    import subprocess


    def count(pattern):
        out = subprocess.run("grep -c " + pattern + " app.log", shell=True, capture_output=True, text=True)
        return out.stdout
'''

CLEAN = '''
    def add(a: int, b: int) -> int:
        return a + b
'''


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name, code in (("a_sql", SQL), ("b_shell", SHELL), ("c_clean", CLEAN)):
        (folder / f"{name}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return folder


def a2_options(**values) -> Options:
    return dataclasses.replace(Options(), strategy="a2", llm=False, ggan=False, behavior_examples=8, **values)


def test_a2_fixes_measures_and_reports(tmp_path, dataset):
    out = tmp_path / "out"
    summary = run_eval(EvalRun(str(dataset), str(out), a2_options(), root=str(tmp_path), behavior_check=True),
                       progress=False)
    assert (summary["evaluated"], summary["with_findings"]) == (3, 2)
    assert (summary["cwes_before"], summary["cwes_after"]) == (2, 0)
    assert summary["histogram_before"] == {"CWE-78": 1, "CWE-89": 1} and summary["histogram_after"] == {}
    assert summary["iterations"] == {"1": 2} and summary["cwes_after_first_iteration"] == 0
    assert summary["fixes"] == 2 and 0.5 < summary["similarity_median"] <= 1
    behavior = summary["behavior"]
    assert (behavior["checked"], behavior["passed"], behavior["exercised"]) == (2, 2, 2)
    assert behavior["probes_exploiting_original"] == behavior["probes_closed_by_fix"] == 2
    assert summary["cost"]["analyzer_runs"]["sum"] >= 4 and summary["cost"]["llm_queries"]["sum"] == 0

    document = json.loads((out / "results.json").read_text())
    assert document["settings"]["strategy"] == "a2" and len(document["records"]) == 3
    report = (out / "report.md").read_text()
    assert "| medium and high (counted) | 2 | 0 | 100% |" in report
    assert "Behaviour checks: 2 of 2 fixes pass (100%)" in report
    for name in ("cwe_histogram.png", "cwes_per_code_base.png", "iterations.png", "similarity.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_interrupted_run_resumes_without_redoing_records(tmp_path, dataset):
    out = tmp_path / "out"
    first = EvalRun(str(dataset), str(out), a2_options(), root=str(tmp_path), limit=1)
    run_eval(first, progress=False)
    results_file = first.results_file
    kept = results_file.read_text().splitlines()[0]
    assert json.loads(kept)["id"] == "a_sql"
    results_file.write_text(kept + "\n" + '{"id": "b_sh', encoding="utf-8")  # torn by a kill mid-write

    summary = run_eval(EvalRun(str(dataset), str(out), a2_options(), root=str(tmp_path)), progress=False)
    lines = results_file.read_text().splitlines()
    assert lines[0] == kept and [json.loads(line)["id"] for line in lines] == ["a_sql", "b_shell", "c_clean"]
    assert summary["evaluated"] == 3
    assert set(read_results(results_file)) == {"a_sql", "b_shell", "c_clean"}


def test_strategies_that_need_an_llm_say_so(tmp_path, dataset, monkeypatch):
    for name in ("OPENAI_API_KEY", "PROMSEC_LLM_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    options = dataclasses.replace(Options(), strategy="promsec")
    with pytest.raises(PromsecError, match="strategy promsec needs an LLM"):
        run_eval(EvalRun(str(dataset), str(tmp_path / "out"), options), progress=False)
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"id": "p", "prompt": "Write a function."}) + "\n", encoding="utf-8")
    with pytest.raises(PromsecError, match="prompt-only records"):
        run_eval(EvalRun(str(prompts), str(tmp_path / "out"), a2_options()), progress=False)


USER_PROMPT = "Write parse_number(text) that returns the integer written in text."
INSECURE = '''```python
def parse_number(text):
    scope = {}
    exec("value = int(%r)" % text, scope)
    return scope["value"]
```'''
SECURE = '''```python
def parse_number(text):
    scope = {}
    scope["value"] = int(text)
    return scope["value"]
```'''


def model(request):
    if last_user(request).startswith(USER_PROMPT):
        return Reply(INSECURE)
    if is_inversion(request):
        return Reply("Write parse_number(text) that converts text with int and returns it.")
    return Reply(SECURE)


def test_promsec_strategy_generates_then_fixes_through_the_llm(tmp_path):
    data = tmp_path / "prompts.jsonl"
    data.write_text(json.dumps({"id": "p1", "prompt": USER_PROMPT}) + "\n", encoding="utf-8")
    with ScriptedModel(model) as server:
        options = dataclasses.replace(Options(), strategy="promsec", llm=True, llm_base_url=server.url,
                                      llm_model="test-model", llm_timeout=5.0, ggan=False)
        summary = run_eval(EvalRun(str(data), str(tmp_path / "out"), options, root=str(tmp_path),
                                   behavior_check=True), progress=False)
    record = json.loads((tmp_path / "out" / "records-promsec-cfg.jsonl").read_text())
    assert "exec(" in record["generated_code"]
    assert (record["cwes_before"], record["cwes_after"], record["iterations"]) == (1, 0, 1)
    assert record["fixes"][0]["llm"] and record["fixes"][0]["operators"] == ["llm:test-model"]
    assert record["fixes"][0]["behavior"]["ok"], record["fixes"][0]["behavior"]["reason"]
    assert summary["cost"]["llm_queries"]["sum"] == len(server.requests) >= 3
    assert summary["cost"]["input_tokens"]["sum"] > 0


CHANGED = SECURE.replace('scope["value"] = int(text)', 'scope["value"] = int(text) + 1')


def changing_model(request):
    if last_user(request).startswith(USER_PROMPT):
        return Reply(INSECURE)
    if is_inversion(request):
        return Reply("Write parse_number(text) that converts text with int and returns it.")
    return Reply(CHANGED)


def test_verify_behavior_also_rejects_llm_fixes_that_change_results(tmp_path):
    from promsec_ci.pipeline import ScanRequest, scan

    data = tmp_path / "prompts.jsonl"
    data.write_text(json.dumps({"id": "p1", "prompt": USER_PROMPT}) + "\n", encoding="utf-8")
    with ScriptedModel(changing_model) as server:
        options = dataclasses.replace(Options(), strategy="promsec", llm=True, llm_base_url=server.url,
                                      llm_model="test-model", llm_timeout=5.0, ggan=False, verify_behavior=True,
                                      behavior_examples=6, max_iterations=1)
        run_eval(EvalRun(str(data), str(tmp_path / "out"), options, root=str(tmp_path)), progress=False)
        record = json.loads((tmp_path / "out" / "records-promsec-cfg.jsonl").read_text())
        assert record["fixes"] == [] and record["cwes_after"] == 1
        assert any(n.startswith("behaviour check rejected the llm:test-model fix") for n in record["notices"])

        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "app.py").write_text(record["generated_code"], encoding="utf-8")
        report = scan(ScanRequest(str(repo), options, paths=(str(repo / "app.py"),)))
    assert [f.fix for f in report.findings if f.rule_id == "B102"] == [None]
    assert any("behaviour check rejected the llm:test-model fix" in n.message for n in report.notices)
