"""action/entrypoint.py: action inputs become promsec-ci flags; action.yml and the script agree."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "action" / "entrypoint.py"
spec = importlib.util.spec_from_file_location("action_entrypoint", SCRIPT)
entrypoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entrypoint)
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def test_defaults_review_the_pr_and_write_sarif():
    assert entrypoint.build_argv({}) == ["promsec-ci", "scan", "--reporter", "github-pr-review", "--fix",
                                         "-f", "sarif", "-o", "promsec-ci.sarif", "-f", "text"]


def test_inputs_map_to_flags():
    env = {"INPUT_FAIL_ON": "high", "INPUT_MAX_COMMENTS": "5", "INPUT_BASE_REF": "develop", "INPUT_FIX": "false",
           "INPUT_UPLOAD_SARIF": "true", "INPUT_SARIF_FILE": "out/r.sarif", "INPUT_REPORTER": "github-check",
           "INPUT_LLM_MODEL": "m", "INPUT_CATEGORY": "sec", "INPUT_FILTER_MODE": "file"}
    argv = entrypoint.build_argv(env)
    assert argv[:4] == ["promsec-ci", "scan", "--reporter", "github-check"]
    for pair in (["--fail-on", "high"], ["--max-comments", "5"], ["--base", "develop"], ["--llm-model", "m"],
                 ["--category", "sec"], ["--filter-mode", "file"], ["-o", "out/r.sarif"]):
        index = argv.index(pair[0])
        assert argv[index:index + 2] == pair
    assert "--no-fix" in argv and "--upload-sarif" in argv


def test_every_flag_is_one_the_cli_accepts():
    from click.testing import CliRunner

    from promsec_ci.cli import cli

    help_text = CliRunner().invoke(cli, ["scan", "--help"], terminal_width=200).output
    for flag in entrypoint.VALUE_FLAGS.values():
        assert flag in help_text, flag
    for flag in ("--reporter", "--max-comments", "--upload-sarif", "--fix", "--no-fix"):
        assert flag in help_text


def test_llm_key_goes_to_the_environment_not_argv():
    env = {"INPUT_LLM_API_KEY": "sk-secret"}
    assert "sk-secret" not in " ".join(entrypoint.build_argv(env))
    assert entrypoint.child_env(env)["PROMSEC_LLM_API_KEY"] == "sk-secret"


def test_bad_input_is_one_line_and_exit_2():
    env = {**os.environ, "INPUT_FIX": "maybe"}
    done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "promsec-ci: error: input fix must be true or false, not 'maybe'"
    with pytest.raises(entrypoint.InputError, match="reporter"):
        entrypoint.build_argv({"INPUT_REPORTER": "gitlab-mr"})


def test_action_metadata_matches_the_script_and_the_issue():
    inputs = set(ACTION["inputs"])
    consumed = set(entrypoint.VALUE_FLAGS) | {"fix", "upload_sarif", "sarif_file", "reporter", "llm_api_key",
                                               "github_token"}
    assert inputs == consumed
    assert ACTION["inputs"]["max_comments"]["default"] == "25"
    assert ACTION["inputs"]["github_token"]["default"] == "${{ github.token }}"
    assert set(ACTION["outputs"]) == {"sarif_file", "findings_count", "blocking_count", "fixes_count"}
    assert ACTION["runs"] == {"using": "docker", "image": "Dockerfile", "entrypoint": "/opt/promsec-ci/entrypoint.py"}
    assert "COPY action/entrypoint.py /opt/promsec-ci/entrypoint.py" in (ROOT / "Dockerfile").read_text()


def test_example_workflow_has_least_permissions():
    workflow = yaml.safe_load((ROOT / "action" / "example-workflow.yml").read_text())
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}


def test_gitlab_template_job():
    template = yaml.safe_load((ROOT / "action" / "gitlab-ci-template.yml").read_text())
    job = template["promsec_sast"]
    assert job["stage"] == "test" and job["extends"] == ".promsec_sast"
    base = template[".promsec_sast"]
    assert base["artifacts"]["reports"]["sast"] == "gl-sast-report.json"
    assert "--reporter gitlab-mr" in base["script"][0] and "--output gl-sast-report.json" in base["script"][0]
