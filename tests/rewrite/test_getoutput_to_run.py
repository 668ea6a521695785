"""getoutput-to-run: subprocess.getoutput(command) -> subprocess.run([...], ...).stdout without the last newline."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.getoutput_to_run import GetoutputToRun
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses, run_module

RUN = ('subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], stdout=subprocess.PIPE, '
       'stderr=subprocess.STDOUT, text=True, check=False).stdout.removesuffix("\\n")')


def test_output_with_errors_merged_and_last_newline_dropped():
    check(
        GetoutputToRun,
        """\
        import subprocess

        def head(repo):
            return subprocess.getoutput("git -C %s rev-parse HEAD" % repo)
        """,
        4,
        f"""\
        import subprocess

        def head(repo):
            return {RUN}
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_same_text_when_run_and_injection_closed(tmp_path):
    source = """\
    import subprocess

    def listing(path):
        return subprocess.getoutput("ls -d " + path)
    """
    fixed = GetoutputToRun.apply(dedent(source), 4)
    assert fixed is not None
    old = run_module(tmp_path, "before", source)["listing"]
    new = run_module(tmp_path, "after", fixed.text)["listing"]
    assert new(str(tmp_path)) == old(str(tmp_path)) == str(tmp_path)
    missing = str(tmp_path / "missing")
    assert new(missing) == old(missing) and "missing" in new(missing)  # the error text is the output
    assert old("/; echo injected").endswith("injected")
    assert "injected" not in new("/; echo injected").splitlines()


def test_errors_discarded_by_the_command_stay_discarded():
    fixed = GetoutputToRun.apply("import subprocess\n\nv = subprocess.getoutput('uname -r 2>/dev/null')\n", 3)
    assert fixed is not None and "stderr=subprocess.DEVNULL" in fixed.text


def test_pipeline_keeps_the_shell_for_its_text_only(tmp_path):
    source = """\
    import subprocess

    def count(path):
        return subprocess.getoutput("ls -a " + path + " | wc -l")
    """
    fixed = GetoutputToRun.apply(dedent(source), 4)
    assert fixed is not None and """["/bin/sh", "-c", 'ls -a "$1" | wc -l', "sh", path]""" in fixed.text
    old = run_module(tmp_path, "before", source)["count"]
    new = run_module(tmp_path, "after", fixed.text)["count"]
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "a b").touch()
    assert new(str(listed)) == old(str(listed)) == "3"  # ., .. and "a b"
    assert old("/; echo injected #").endswith("injected")
    assert "injected" not in new("/; echo injected #").splitlines()


@pytest.mark.parametrize("call", ["getoutput(p)",
                                  "getoutput('ls ' + p + ' >/dev/null')", "getstatusoutput('ls ' + p)"])
def test_refuses(call):
    assert refuses(GetoutputToRun, f"import subprocess\n\ndef f(p):\n    return subprocess.{call}\n", 4)
