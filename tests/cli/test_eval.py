"""``promsec-ci eval`` through the real entry point: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap


def run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "PROMSEC_LLM_API_KEY", "OPENAI_BASE_URL")}
    return subprocess.run([sys.executable, "-m", "promsec_ci", "eval", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=300)


def test_eval_a2_writes_results_and_summarises(tmp_path):
    data = tmp_path / "data.jsonl"
    code = textwrap.dedent('''
        import yaml


        def load(text):
            return yaml.load(text, Loader=yaml.Loader)
    ''')
    data.write_text(json.dumps({"id": "y1", "code": code}) + "\n", encoding="utf-8")
    result = run(["--data", str(data), "--out", "out", "--strategy", "a2", "--no-ggan", "--no-progress"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 records: CWEs 1 -> 0 (100% removed), 1 of 1 code bases clean, 1 fixes" in result.stderr
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["fixes_by_operator"] == {"yaml-safe-load": 1}
    assert (tmp_path / "out" / "report.md").is_file()


def test_eval_errors_are_one_line_with_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "code": "x = 1"}\n{oops\n', encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": 1, "code": "x = 1"}\n', encoding="utf-8")
    cases = [
        (["--data", str(bad), "--strategy", "a2"], "bad.jsonl:2: not JSON"),
        (["--data", str(tmp_path / "missing.jsonl"), "--strategy", "a2"], "dataset not found"),
        (["--data", str(good), "--strategy", "promsec"], "strategy promsec needs an LLM"),
        (["--data", str(good), "--strategy", "nope"], "Invalid value for '--strategy'"),
    ]
    for args, message in cases:
        result = run([*args, "--out", "o"], tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
