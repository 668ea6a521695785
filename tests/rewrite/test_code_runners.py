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


@pytest.mark.parametrize(("command", "expected"), [
    ("python3 setup.py register -r VALUE", False),  # -r is not one of python's code options
    ("php -r 'VALUE'", True),
    # a code option anywhere counts: it may follow an option's argument (-o pipefail)
    ("bash -o pipefail -c 'echo VALUE'", True), ("bash build.sh -c VALUE", True),
    # clustered short options, versioned interpreter names
    ("python3 -Bc 'print(VALUE)'", True), ("perl -ne 'print if /VALUE/'", True), ("node -pe 'VALUE'", True),
    ("/usr/bin/python3.11 -c 'VALUE'", True),
])
def test_code_options_of_interpreters(command, expected):
    assert runs_value_as_code(words(command)) is expected


@pytest.mark.parametrize("command", [
    "flock lock sh -c 'echo VALUE'", "taskset -c 0 sh -c 'echo VALUE'", "chroot / sh -c 'echo VALUE'",
    "runuser -l root -c 'echo VALUE'", "trap 'echo VALUE' EXIT",
])
def test_runners_behind_wrappers_and_options_this_module_does_not_know(command):
    assert runs_value_as_code(words(command))
