"""subprocess-shell-literal: shell=True with a constant command that needs no shell -> list form."""

import pytest

from promsec_ci.rewrite.subprocess_shell_literal import SubprocessShellLiteral
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses


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


@pytest.mark.parametrize("command", ['"ls *.py"', '"ps aux | grep x"', '"echo $PATH"', '"cd /tmp && ls"',
                                     '"ls " + d'])
def test_refuses(command):
    source = f"import subprocess\n\ndef f(d):\n    subprocess.run({command}, shell=True)\n"
    assert refuses(SubprocessShellLiteral, source, 4)
