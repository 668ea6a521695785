"""``promsec-ci fix`` on repositories the tests write: in process through click (fixing loads torch
once per session), and through the real entry point in a subprocess for exit-2 errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from promsec_ci.cli import cli
from promsec_ci.cli.app import App
from promsec_ci.cli.fix import _write

SETTINGS = textwrap.dedent('''\
    import hashlib

    import yaml


    def load_settings(stream):
        settings = yaml.load(stream, Loader=yaml.Loader)
        return settings


    def fingerprint(password):
        return hashlib.md5(password.encode("utf-8")).hexdigest()
    ''')


class Run:
    def __init__(self, result) -> None:
        self.returncode, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr


def run(*args: str, cwd: Path) -> Run:
    """``promsec-ci ARGS --no-ggan`` in process, from ``cwd``."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return Run(CliRunner().invoke(cli, [*args, "--no-ggan"], catch_exceptions=False))
    finally:
        os.chdir(previous)


def run_entry_point(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "promsec_ci", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def repo(git_repo):
    git_repo.write("app/settings.py", SETTINGS)
    git_repo.commit("settings")
    return git_repo


def test_diff_is_the_default_and_git_applies_it(repo):
    result = run("fix", "app", cwd=repo.path)
    assert result.returncode == 1, result.stderr  # nothing was changed: the blocking findings are still there
    assert result.stdout.startswith("--- a/app/settings.py\n+++ b/app/settings.py\n")
    assert "+    settings = yaml.safe_load(stream)\n" in result.stdout
    assert "2 fixes proposed for 2 of 2 findings in 1 file" in result.stderr
    assert (repo.path / "app/settings.py").read_text() == SETTINGS
    (repo.path / "fix.diff").write_text(result.stdout)
    repo.git("apply", "fix.diff")
    assert "yaml.safe_load(stream)" in (repo.path / "app/settings.py").read_text()


def test_apply_rewrites_the_file_keeps_its_mode_and_passes_the_gate(repo):
    target = repo.path / "app/settings.py"
    os.chmod(target, 0o640)
    result = run("fix", "--apply", "app", cwd=repo.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    fixed = target.read_text()
    assert "yaml.safe_load(stream)" in fixed and "hashlib.md5" not in fixed
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert "0 blocking findings left" in result.stderr
    rescan = run_entry_point("scan", "--no-fix", "app", cwd=repo.path)
    assert rescan.returncode == 0, rescan.stdout


def test_apply_exits_1_when_a_blocking_finding_has_no_fix_and_writes_only_fixed_files(repo):
    repo.write("app/run.py", "def run(code):\n    exec(code)\n")
    before = (repo.path / "app/run.py").read_text()
    result = run("fix", "--apply", "app", cwd=repo.path)
    assert result.returncode == 1
    assert "1 blocking finding left" in result.stderr
    assert (repo.path / "app/run.py").read_text() == before
    assert "yaml.safe_load" in (repo.path / "app/settings.py").read_text()


def test_exit_zero_and_a_clean_tree(repo):
    repo.write("app/settings.py", "import json\n\n\ndef load(text):\n    return json.loads(text)\n")
    result = run("fix", "app", cwd=repo.path)
    assert (result.returncode, result.stdout) == (0, "")
    repo.write("app/run.py", "def run(code):\n    exec(code)\n")
    assert run("fix", "--exit-zero", "app", cwd=repo.path).returncode == 0


def test_a_diff_scan_fixes_only_what_the_change_added(repo):
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app/extra.py", "import yaml\n\n\ndef read(s):\n    return yaml.load(s, Loader=yaml.Loader)\n")
    repo.commit("extra")
    result = run("fix", "--base", "main", cwd=repo.path)
    assert result.stdout.startswith("--- a/app/extra.py\n")
    assert "settings.py" not in result.stdout


def test_bad_input_is_one_line_and_exit_2(repo):
    result = run_entry_point("fix", "no/such/path", cwd=repo.path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["promsec-ci: error: no such file or directory: no/such/path"]
    both = run_entry_point("fix", "--staged", "--base", "main", cwd=repo.path)
    assert both.returncode == 2 and "Traceback" not in both.stderr


def test_a_file_that_changed_since_the_scan_is_not_written(tmp_path):
    target = tmp_path / "m.py"
    target.write_text("x = 2\n")
    assert not _write(App(color=False), str(tmp_path), "m.py", "x = 1\n", "x = 3\n")
    assert target.read_text() == "x = 2\n"
    assert _write(App(color=False), str(tmp_path), "m.py", "x = 2\n", "x = 3\n")
    assert target.read_text() == "x = 3\n"
