"""code_runners: programs that run an argument, or what a pipe feeds them, as code."""

import shlex

import pytest

from promsec_ci.rewrite.code_runners import Word, reads_code_from_stdin, runs_value_as_code


def words(command: str) -> list[Word]:
    """The words of ``command``; ``VALUE`` marks where a value is spliced in."""
    return [Word(word.replace("VALUE", ""), "VALUE" in word) for word in shlex.split(command)]


@pytest.mark.parametrize(
    "command",
    [
        "bash -c 'ls VALUE'", "sh -xc VALUE", "sudo -u me sh -c VALUE", "timeout 10 bash -lc VALUE",
        "env A=1 python3 -c VALUE", "perl -e VALUE", "node --eval VALUE", "ssh host rm VALUE", "ssh VALUE uptime",
        "eval VALUE", "watch ls VALUE", "awk '{print \"VALUE\"}' f", "awk -F, 'VALUE' f", "sed s/a/VALUE/ f",
        "sed -e s/VALUE// f", "find . -exec rm VALUE ;",
    ],
)
def test_values_given_to_another_interpreter(command):
    assert runs_value_as_code(words(command))


@pytest.mark.parametrize(
    "command",
    [
        "ls -l VALUE", "bash run.sh VALUE", "python train.py --lr VALUE", "sudo chown VALUE VALUE",
        "awk -f prog.awk VALUE", "awk '{print $1}' VALUE", "sed -i s/a/b/ VALUE", "find VALUE -name x",
        "FOO=VALUE make", "VALUE -x", "sudo VALUE", "bash -c 'ls'",
    ],
)
def test_values_as_data_or_as_the_program_name(command):
    assert not runs_value_as_code(words(command))


@pytest.mark.parametrize(
    ("command", "expected"),
    [("bash", True), ("sudo sh -s", True), ("python3 -", True), ("sh -c 'cat'", False), ("python3 t.py", False),
     ("wc -l", False)],
)
def test_interpreters_reading_their_program_from_a_pipe(command, expected):
    assert reads_code_from_stdin(words(command)) is expected


@pytest.mark.parametrize("command", ["python3 setup.py register -r VALUE", "bash build.sh -c VALUE", "php -r 'VALUE'"])
def test_options_after_the_script_are_the_scripts_own(command):
    assert runs_value_as_code(words(command)) is command.startswith("php")
