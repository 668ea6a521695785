"""shell_script: a command that needs the shell -> /bin/sh running constant text, values as "$n"."""

import subprocess

import libcst as cst
import pytest

from promsec_ci.rewrite.shell_script import may_run_on_windows, script_argv


def script(code: str) -> list[str] | None:
    nodes = script_argv(cst.parse_expression(code))
    return None if nodes is None else [cst.Module([]).code_for_node(n) for n in nodes]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('"ps aux | grep " + name', ["'ps aux | grep \"$1\"'", "name"]),
        ('"cd %s && make > log" % d', ["'cd \"$1\" && make > log'", '"%s" % d']),
        ('f"grep {a} {b} | sort > {c}"', ["'grep \"$1\" \"$2\" | sort > \"$3\"'", "str(a)", "str(b)", "str(c)"]),
        ('"echo $HOME/" + name + " | wc"', ["'echo $HOME/\"$1\" | wc'", "name"]),
        ("\"echo '%s' >> notes\" % text", ["'echo \"$1\" >> notes'", '"%s" % text']),
        ("\"echo 'a %s b' | wc\" % (x,)", ["\"echo 'a '\\\"$1\\\"' b' | wc\"", "str(x)"]),
        ("'echo \"$HOME %s\" > f' % x", ["'echo \"$HOME $1\" > f'", "'%s' % x"]),
        ('"FOO=" + x + " run | wc"', ["'FOO=\"$1\" run | wc'", "x"]),
        ("'\"' + tool + '\" | wc'", ["'\"$1\" | wc'", "tool"]),  # a quoted program is one word
        ('"head -n %d %s | wc" % (n, f)', ["'head -n \"$1\" \"$2\" | wc'", '"%d" % (n,)', "str(f)"]),
    ],
)
def test_values_become_positional_parameters(code, expected):
    assert script(code) == ['"/bin/sh"', '"-c"', expected[0], '"sh"', *expected[1:]]


def test_tenth_value_is_braced():
    code = "'x %s %s %s %s %s %s %s %s %s %s > f' % (a, b, c, d, e, f, g, h, i, j)"
    assert script(code)[2].endswith('"$9" "${10}" > f\'')


@pytest.mark.parametrize(
    "code",
    [
        '"ls -l | wc"',  # no value: nothing to separate
        'editor + " " + path + " | wc"',  # the program is the value's words
        '"a | " + x', '"make && " + target', '"./" + x + " | wc"',  # a value as (part of) a program
        '"echo $" + x', '"echo \\\\" + x', '"echo $(cat " + f + ")"', '"echo `cat " + f + "`"',
        '"echo ${" + x + "}"', '"cat <<EOF\\n" + x + "\\nEOF"', '"ls # " + x',
        '"echo \'" + x',  # unclosed quotes
    ],
)
def test_unreadable_quoting_and_program_values_are_refused(code):
    assert script(code) is None


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("'echo %s | tr a-z A-Z' % v", "a; echo pwned"),
        ("'echo \"%s\" | tr a-z A-Z' % v", "$(echo pwned)"),
        ("\"echo 'x %s y' | tr a-z A-Z\" % v", "' ; echo pwned; '"),
        ('f"echo {v} > {out}; cat {out}"', "`echo pwned`"),
    ],
)
def test_same_output_for_plain_values_and_no_injection(tmp_path, code, value):
    """The original run through the shell and the rewrite agree on a plain value; a hostile one
    is printed, never run."""
    out = str(tmp_path / "out.txt")

    def outputs(v: str) -> tuple[str, str]:
        names = {"v": v, "out": out}
        # The test's own expressions, evaluated as the program would have built them.
        command = eval(code, names)  # noqa: S307
        argv = [eval(node, names) for node in script(code)]  # noqa: S307
        original = subprocess.run(command, shell=True, capture_output=True, text=True).stdout  # noqa: S602
        return original, subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    original, rewritten = outputs("plain")
    assert rewritten == original
    assert "PLAIN" in rewritten.upper()
    injected, hostile = outputs(value)
    assert "PWNED" in injected.upper().replace(value.upper(), "")  # the original ran it
    assert value.upper() in hostile.upper()  # the rewrite printed it
    assert "PWNED" not in hostile.upper().replace(value.upper(), "")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os\nos.system('ls')\n", False),
        ("import os\nif os.name == 'nt':\n    pass\n", True),
        ("import sys as s\nWIN = s.platform.startswith('win')\n", True),
        ("from platform import system\n", False),  # imported, never read as platform.system
        ("import platform\nplatform.system()\n", True),
        ("import msvcrt\n", True),
    ],
)
def test_platform_checks_mean_windows_may_run_it(source, expected):
    assert may_run_on_windows(cst.parse_module(source)) is expected


@pytest.mark.parametrize(
    "code",
    ['"echo " + x + " | bash"', '"cat " + f + " | sudo python3 -"', "\"ls \" + d + \" | awk '/\" + x + \"/'\"",
     '"cd " + d + " && ssh host make " + target', '"(echo " + x + " | bash)"', '"if true; then sh -c " + x + "; fi"',
     '"if true; then " + x + "; fi"'],
)
def test_values_another_interpreter_would_run_are_refused(code):
    assert script(code) is None


@pytest.mark.parametrize(
    "code",
    [
        # a value carried by a variable to an inner shell, eval or trap
        "'NAME=%s; sh -c \"echo hello $NAME\"' % v", "'f=%s && eval echo $f' % v",
        "\"trap 'echo bye %s' EXIT; ls\" % v",
        "\"echo %s | xargs -I{} sh -c 'echo {}'\" % v",
        # the script's own positional parameters would become the values
        "'log() { echo \"[%s] $*\"; }; log started' % v", "'set -- a b; ls %s \"$@\" | wc' % v",
        "'echo $# %s | cat' % v",
        # ~user is expanded before the value arrives in quotes
        "'ls -d ~%s/.cache | wc -l' % v",
    ],
)
def test_scripts_where_the_values_would_not_stay_data_are_refused(code):
    assert script(code) is None


def test_a_joined_list_is_one_word_only_inside_quotes():
    assert script("'ls %s | wc -l' % \" \".join(files)") is None
    assert script("'notify-send \"%s\" | cat' % \"\\n\".join(lines)") is not None
