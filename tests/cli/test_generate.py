"""``promsec-ci generate`` through the real entry point, against a scripted model."""

from __future__ import annotations

import subprocess
import sys

from tests.servers.openai_server import Reply, ScriptedModel, is_inversion, last_user

PROMPT = "Write a Python function parse_port(text) that returns the port number in text, or 0."
INSECURE = "```python\ndef parse_port(text):\n    try:\n        return int(text)\n    except Exception:\n" \
           "        pass\n    return 0\n```"
SECURE = "```python\nimport logging\n\n\ndef parse_port(text):\n    try:\n        return int(text)\n" \
         "    except Exception:\n        logging.getLogger(__name__).debug('not a port: %r', text)\n    return 0\n```"
INVERTED = "Write a Python function parse_port(text) that converts text to an int port and returns 0 otherwise."


def model(request):
    if last_user(request).startswith(PROMPT):
        return Reply(INSECURE)
    return Reply(INVERTED) if is_inversion(request) else Reply(SECURE)


def run(args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "promsec_ci", "generate", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


def clean_env(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "PROMSEC_LLM_API_KEY", "OPENAI_BASE_URL")}
    env["HOME"] = str(tmp_path)
    return env


def test_generate_prints_secure_code_and_prompt(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from promsec_ci.cli import cli

    # In process (click's runner) so both runs share one import of the heavy stages.
    monkeypatch.chdir(tmp_path)
    env = {"OPENAI_API_KEY": None, "PROMSEC_LLM_API_KEY": None, "OPENAI_BASE_URL": None}
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text(PROMPT, encoding="utf-8")
    runner = CliRunner()
    with ScriptedModel(model) as server:
        result = runner.invoke(cli, ["generate", "--prompt-file", str(prompt_file), "--llm-base-url", server.url,
                                     "--llm-model", "m", "--out", str(tmp_path / "port.py")], env=env)
        again = runner.invoke(cli, ["generate", "--prompt", PROMPT, "--llm-base-url", server.url, "--llm-model", "m"],
                              env=env)
    assert result.exit_code == 0, result.output
    code = (tmp_path / "port.py").read_text(encoding="utf-8")
    assert "logging.getLogger(__name__).debug" in code and "pass" not in code
    assert result.stdout.startswith("optimized prompt p*:\nWrite a Python function parse_port(text) that converts")
    assert "clean after 1 fix round(s); LLM 3 queries" in result.stderr
    # Same prompt again: everything comes from the cache.
    assert again.exit_code == 0, again.output
    assert "LLM 0 queries" in again.stderr and len(server.requests) == 3
    assert "# optimized prompt p*:" in again.stdout and "def parse_port(text):" in again.stdout


def test_generate_usage_errors_exit_2(tmp_path):
    env = clean_env(tmp_path)
    both = run(["--prompt", "x", "--prompt-file", "f"], tmp_path, env)
    assert both.returncode == 2 and "exactly one of --prompt and --prompt-file" in both.stderr
    missing = run(["--prompt-file", str(tmp_path / "nope.txt"), "--llm"], tmp_path, env)
    assert missing.returncode == 2 and "cannot read prompt file" in missing.stderr
    off = run(["--prompt", "x"], tmp_path, env)
    assert off.returncode == 2 and "generate needs an LLM" in off.stderr
    assert "Traceback" not in both.stderr + missing.stderr + off.stderr


def test_generate_server_down_is_one_line_exit_2(tmp_path):
    with ScriptedModel(lambda _r: Reply("bad key", status=401)) as server:
        result = run(["--prompt", PROMPT, "--llm-base-url", server.url], tmp_path, clean_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["promsec-ci: error: generate: LLM server answered HTTP 401: bad key"]
