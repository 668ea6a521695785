"""subprocess-shell-literal: shell=True with a constant command that needs no shell -> list form."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.subprocess_shell_literal import SubprocessShellLiteral
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses, run_module


def test_constant_command_split_with_shell_quoting():
    check(
        SubprocessShellLiteral,
        """\
        import subprocess as sp

        def head():
            # current commit
            return sp.check_output("git log -1 --format='%H %s'", shell=True, text=True)
        """,
        5,
        """\
        import subprocess as sp

        def head():
            # current commit
            return sp.check_output(["git", "log", "-1", "--format=%H %s"], text=True)
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_one_item_list_with_shell_is_its_command():
    check(
        SubprocessShellLiteral,
        """\
        import subprocess

        def louder():
            return subprocess.check_output(["amixer set 'Power Amplifier' 5%+"], shell=True)
        """,
        4,
        """\
        import subprocess

        def louder():
            return subprocess.check_output(["amixer", "set", "Power Amplifier", "5%+"])
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_file_name_patterns_expand_as_the_shell_expands_them(tmp_path):
    for name in ("b.txt", "a.txt", ".hidden.txt"):
        (tmp_path / name).write_text("x")
    source = f"""\
    import subprocess

    out = subprocess.check_output("echo {tmp_path}/*.txt {tmp_path}/?.none", shell=True)
    """
    fixed = SubprocessShellLiteral.apply(dedent(source), 3)
    assert fixed is not None and "shell=True" not in fixed.text and "import glob" in fixed.text
    before, after = run_module(tmp_path, "before", source)["out"], run_module(tmp_path, "after", fixed.text)["out"]
    assert after == before == f"{tmp_path}/a.txt {tmp_path}/b.txt {tmp_path}/?.none\n".encode()


@pytest.mark.parametrize("command", ['"ls [ab].py"', '"ls \'a b\'*.py"', '"*.sh -v"', '"ps aux | grep x"',
                                     '"echo $PATH"', '"cd /tmp && ls"', '"ls " + d'])
def test_refuses(command):
    source = f"import subprocess\n\ndef f(d):\n    subprocess.run({command}, shell=True)\n"
    assert refuses(SubprocessShellLiteral, source, 4)
