"""``promsec-ci scan`` through the real entry point, in a subprocess, on repositories the tests write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

OLD_CODE = """\
import subprocess


def old(cmd):
    return subprocess.call(cmd, shell=True)
"""

NEW_CODE = OLD_CODE + """

def new(expr):
    return eval(expr)
"""


def run(*args: str, cwd: Path | str = ".") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "promsec_ci", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def feature_repo(git_repo):
    git_repo.write("app.py", OLD_CODE)
    git_repo.commit("base with an old finding")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("app.py", NEW_CODE)
    git_repo.commit("adds eval")
    return git_repo


def test_scan_of_the_example_app_reports_and_blocks():
    result = run("scan", "--no-fix", str(EXAMPLES))
    assert result.returncode == 1, result.stderr
    for expected in ("B608", "B605", "B506", "B324", "B105", "CWE-89"):
        assert expected in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("8 findings (4 blocking) in 2 files")


def test_base_scan_reports_only_what_the_change_introduced(feature_repo):
    result = run("scan", "--no-fix", "--base", "main", "-f", "json", cwd=feature_repo.path)
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert [f["rule_id"] for f in data["findings"]] == ["B307"]
    assert data["base_sha"] == feature_repo.git("rev-parse", "main")

    whole_file = json.loads(run("scan", "--no-fix", "--base", "main", "--filter-mode", "file", "-f", "json",
                                cwd=feature_repo.path).stdout)
    assert {f["rule_id"] for f in whole_file["findings"]} == {"B307", "B404", "B602"}


def test_baseline_hides_known_findings_even_after_lines_move(tmp_path):
    (tmp_path / "a.py").write_text(OLD_CODE)
    first = run("scan", "--no-fix", ".", "-f", "sarif", "-o", "base.sarif", "-f", "json", "-o", "base.json",
                cwd=tmp_path)
    assert first.returncode == 1 and first.stdout == ""
    (tmp_path / "a.py").write_text("# moved down\n\n" + NEW_CODE)

    for baseline in ("base.sarif", "base.json"):
        again = run("scan", "--no-fix", ".", "--baseline", baseline, "-f", "json", cwd=tmp_path)
        assert [f["rule_id"] for f in json.loads(again.stdout)["findings"]] == ["B307"], baseline


def test_staged_scan_for_pre_commit(git_repo):
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit()
    git_repo.write("a.py", "x = 1\ny = eval(input())\n")
    assert run("scan", "--no-fix", "--staged", cwd=git_repo.path).returncode == 0  # nothing staged yet
    git_repo.git("add", "a.py")
    result = run("scan", "--no-fix", "--staged", cwd=git_repo.path)
    assert result.returncode == 1 and "B307" in result.stdout


def test_exit_zero_and_fail_on(tmp_path):
    (tmp_path / "a.py").write_text(NEW_CODE)
    assert run("scan", "--no-fix", ".", "--exit-zero", cwd=tmp_path).returncode == 0
    assert run("scan", "--no-fix", ".", "--fail-on", "high", "--skip", "B602", cwd=tmp_path).returncode == 0
    assert run("scan", "--no-fix", ".", "--fail-on", "high", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "--base", "no-such-ref"), "fetch-depth: 0"),
        (("scan", "missing_dir"), "no such file or directory"),
        (("scan", "--fail-on", "severe"), "Invalid value for '--fail-on'"),
        (("scan", "--config", "nope.toml"), "config file not found"),
        (("scan", "--baseline", "broken.json"), "cannot read baseline"),
        (("scan", "-f", "json", "-f", "sarif"), "only one report can go to stdout"),
        (("scan", "--staged", "--base", "main"), "--staged cannot be combined"),
        (("scan", "-o", "out/missing/dir/report.json", "-f", "json"), "cannot write"),
        (("frobnicate",), "No such command"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(git_repo, args, message):
    git_repo.write("a.py", "x = 1\n")
    git_repo.write("broken.json", "{not json")
    git_repo.commit()
    result = run(*args, cwd=git_repo.path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_bad_config_value_is_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.promsec-ci]\nfail_on = 'severe'\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run("scan", ".", cwd=tmp_path)
    assert result.returncode == 2 and "unknown level" in result.stderr


def test_a_clean_scan_imports_no_heavy_dependency(tmp_path):
    (tmp_path / "clean.py").write_text("def add(a, b):\n    return a + b\n")
    probe = (
        "import sys\n"
        "from promsec_ci.cli import cli\n"
        "code = cli.main(['scan', '.'], standalone_mode=False)\n"
        "heavy = [m for m in ('torch', 'torch_geometric', 'openai', 'github', 'gitlab') if m in sys.modules]\n"
        "print('exit', code, 'heavy', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "exit 0 heavy []", result.stderr
