"""Programs that run an argument as code: a value there is still injected, one level down.

Taking a value out of the shell's parsing closes CWE-78 only if the program that receives it
treats it as data. ``bash -c``, ``ssh host CMD``, ``eval``, an ``awk``/``sed`` program or
``python -c`` hand their argument to another interpreter, so ``["bash", "-c", "ls " + d]`` or
``ssh host 'rm ' + path`` keep the injection. A command wrapper (``sudo``, ``env``, ``xargs``)
is looked through: the program it runs is what counts. A shell or interpreter at the end of a
pipe (``echo ... | bash``) runs what it reads as code. The CWE-78 rewrites refuse a command
where ``runs_value_as_code`` or ``reads_code_from_stdin`` holds for one of its simple commands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "ash", "busybox"})
# Interpreters and their options whose argument is the program text.
_INTERPRETERS = {
    "python": frozenset({"-c"}), "pypy": frozenset({"-c"}),
    "perl": frozenset({"-e", "-E"}), "ruby": frozenset({"-e"}), "node": frozenset({"-e", "-p", "--eval", "--print"}),
    "nodejs": frozenset({"-e", "-p", "--eval", "--print"}), "php": frozenset({"-r"}), "lua": frozenset({"-e"}),
    "Rscript": frozenset({"-e"}), "osascript": frozenset({"-e"}), "tclsh": frozenset(),
    "pwsh": frozenset({"-c", "-Command", "-command", "-EncodedCommand"}),
    "powershell": frozenset({"-c", "-Command", "-command", "-EncodedCommand"}),
}
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})
# ``python3.11``, ``perl5.36``, ``pypy3``: the interpreter's family.
_VERSIONED = re.compile(r"(python|pypy|perl|ruby|node|php|lua)[\d.]*")
# Join their arguments into a command line for a shell (here or on another host).
_JOINERS = frozenset({"eval", "ssh", "su", "runuser", "watch", "parallel", "script", "trap"})
# Run the command given by their first argument that is not an option.
_WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "nice", "time", "timeout", "exec", "command", "xargs",
                       "chroot", "setsid", "stdbuf", "ionice", "taskset", "strace", "ltrace", "unbuffer",
                       "fakeroot", "firejail", "flock"})
# Wrapper options that take the next word as their argument (``sudo -u me cmd``).
_WRAPPER_OPTION_ARGUMENTS = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t"}), "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C"}), "nice": frozenset({"-n"}), "timeout": frozenset({"-s", "-k"}),
    "ionice": frozenset({"-c", "-n"}),
    "xargs": frozenset({"-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s"}),
}
# Shell words that come before a command rather than being one (``if ...; then bash -c ...``).
RESERVED_WORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{"})
_SHELL_CODE_FLAG = re.compile(r"-[A-Za-z]*c[A-Za-z]*")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Word:
    """One word of a simple command: its literal text and whether a value is spliced into it."""

    text: str
    has_value: bool


def runs_value_as_code(words: Sequence[Word]) -> bool:
    """Whether the simple command ``words`` gives a value to a program that runs it as code:
    the program it runs, or a runner named further in, behind a wrapper or option this module
    does not know (``flock lock sh -c ...``, ``taskset -c 0 bash -c ...``)."""
    found = _program(words)
    if found is not None and _gives_code(*found):
        return True
    return any(not word.has_value and is_code_runner(word.text) and _gives_code(runner(word.text), list(words[i + 1:]))
               for i, word in enumerate(words))


def is_code_runner(word: str) -> bool:
    """Whether ``word`` names a shell, an interpreter or a program that joins its arguments into
    code (``bash``, ``/usr/bin/python3.11``, ``eval``, ``ssh``, ``trap``)."""
    name = runner(word)
    return name in _SHELLS or name in _INTERPRETERS or name in _JOINERS


def reads_code_from_stdin(words: Sequence[Word]) -> bool:
    """Whether the simple command is a shell or interpreter reading its program from standard
    input (``... | bash``, ``... | python3 -``): whatever a pipeline feeds it is code."""
    found = _program(words)
    if found is None or (found[0] not in _SHELLS and found[0] not in _INTERPRETERS):
        return False
    name, args = found
    options = _leading_options(args)
    if name in _SHELLS and any(_SHELL_CODE_FLAG.fullmatch(option) for option in options):
        return False
    if name in _INTERPRETERS and _INTERPRETERS[name].intersection(options):
        return False
    return len(options) == len(args) or "-s" in options or "-" in options


def _program(words: Sequence[Word]) -> tuple[str, list[Word]] | None:
    """The program a simple command runs, looking through assignments and wrappers, and its
    arguments; ``None`` when there is none or a value names it."""
    index = 0
    while index < len(words) and (ASSIGNMENT.match(words[index].text) or words[index].text in RESERVED_WORDS):
        index += 1  # VAR=value: the value is data
    while index < len(words):
        program = words[index]
        if program.has_value:
            return None  # a program chosen by name; whether it may be is the caller's rule
        name = runner(program.text)
        if name not in _WRAPPERS:
            return name, list(words[index + 1:])
        index += 1
        while index < len(words) and not words[index].has_value and (
                words[index].text.startswith("-") or (name == "env" and "=" in words[index].text)):
            index += 2 if words[index].text in _WRAPPER_OPTION_ARGUMENTS.get(name, ()) else 1
        if name == "timeout" and index < len(words):
            index += 1  # the duration
    return None


def runner(word: str) -> str:
    """The program's name without folder or version (``/usr/bin/python3.11`` -> ``python``)."""
    name = word.rsplit("/", 1)[-1]
    versioned = _VERSIONED.fullmatch(name)
    return versioned.group(1) if versioned else name


def _gives_code(name: str, args: list[Word]) -> bool:
    # Options anywhere count, not only leading ones: ``bash -o pipefail -c ...`` (``-o`` takes
    # ``pipefail``), clustered ones too (``python3 -Bc``, ``perl -ne``).
    options = [arg.text for arg in args if arg.text.startswith("-") and not arg.has_value]
    if name in _JOINERS:
        return any(arg.has_value for arg in args)
    if name in _SHELLS:
        return any(_SHELL_CODE_FLAG.fullmatch(option) for option in options) and any(arg.has_value for arg in args)
    if name in _INTERPRETERS:
        return _code_option(_INTERPRETERS[name], options) and any(arg.has_value for arg in args)
    if name in _AWKS:
        return "-f" not in options and _first_operand_has_value(args, with_argument=("-F", "-v", "-f"))
    if name == "sed":
        if {"-e", "--expression", "-f"}.intersection(options):
            return any(arg.has_value for arg in _after(args, ("-e", "--expression")))
        return _first_operand_has_value(args, with_argument=())
    if name == "find":
        return any(arg.has_value for arg in _after(args, ("-exec", "-execdir", "-ok", "-okdir"), rest=True))
    return False


def _code_option(flags: frozenset[str], options: list[str]) -> bool:
    """Whether an option is one of ``flags``, alone or in a cluster of short ones (``-ne``)."""
    short = {flag[1] for flag in flags if len(flag) == 2}
    return any(option in flags or not option.startswith("--") and short.intersection(option[1:]) for option in options)


def _leading_options(args: list[Word]) -> list[str]:
    """The options before the first operand: after the script name they are the script's own."""
    options = []
    for arg in args:
        if arg.has_value or not arg.text.startswith("-"):
            break
        options.append(arg.text)
    return options


def _first_operand_has_value(args: list[Word], with_argument: tuple[str, ...]) -> bool:
    """Whether the first argument that is neither an option nor an option's argument has a value."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.text in with_argument and not arg.has_value:
            skip = True
        elif not arg.text.startswith("-") or arg.has_value:
            return arg.has_value
    return False


def _after(args: list[Word], options: tuple[str, ...], rest: bool = False) -> list[Word]:
    """The argument after each of ``options`` (with ``rest``, every argument after the first)."""
    found: list[Word] = []
    for index, arg in enumerate(args):
        if arg.text in options and not arg.has_value:
            if rest:
                return args[index + 1:]
            found.extend(args[index + 1:index + 2])
    return found
