"""A command that needs the shell -> the same shell running constant text, values passed apart.

When the literal text of a command uses the shell for more than word splitting (pipes,
redirections, ``;``, ``&&``, ``$VAR``, ``cd``), ``shell_argv`` has no shell-free argument list
for it. The shell stays, but only the programmer's text is shell code: the command becomes
``["/bin/sh", "-c", script, "sh", value, ...]``, each spliced value a positional parameter the
script reads in double quotes (``"$1"``), so the shell expands it as one word and never parses
it (ShellCheck SC2156). ``/bin/sh -c`` is what ``os.system`` and ``shell=True`` run on POSIX, so
the text around the values means what it meant::

    "ps aux | grep " + name           -> ["/bin/sh", "-c", 'ps aux | grep "$1"', "sh", name]
    "cd %s && make > log" % d         -> ["/bin/sh", "-c", 'cd "$1" && make > log', "sh", str(d)]
    "echo 'a %s' >> notes" % text     -> ["/bin/sh", "-c", "echo 'a '\\"$1\\" >> notes", "sh", str(text)]

Refused (``None``): commands without values (nothing to separate); a value as the program name
outside quotes (the shell split it into words: ``editor + " " + path``); a value right after
``$`` or ``\\``, or anywhere in a text with command substitution, ``${...}``, here-documents or
comments, where the quoting around a value is not the one read here; a value that a program in
the script would run as code (``code_runners``: ``bash -c``, ``ssh``, ``| bash``), and any
script naming a shell, interpreter or ``eval`` (a variable could carry a value there); scripts
with positional parameters of their own (``$1``, ``$@``, ``shift``, ``set``, functions), which
the values would replace; a value the module shows may hold text the shell parsed where it was
spliced (``shell_text.ShellText``: ``pattern = "*.txt"``, ``d = "~/src"``, ``""`` outside quotes), which
``"$1"`` passes as it is; and modules that look at the platform or use Windows-only modules,
which may run where there is no ``/bin/sh``.
"""

from __future__ import annotations

import re
from itertools import pairwise

import libcst as cst

from promsec_ci.rewrite.code_runners import (
    ASSIGNMENT,
    RESERVED_WORDS,
    Word,
    is_code_runner,
    reads_code_from_stdin,
    runs_value_as_code,
)
from promsec_ci.rewrite.cst_tools import ModuleMemo, dotted_name
from promsec_ci.rewrite.resolve import import_aliases, imported_modules, resolve
from promsec_ci.rewrite.shell_text import ShellText
from promsec_ci.rewrite.string_build import (
    Single,
    Slot,
    Text,
    as_str,
    decompose,
    joins_words,
    percent_of,
    render_string,
)

SHELL = "/bin/sh"
# What a module that may run on Windows reads or imports: there, os.system runs cmd.exe.
_PLATFORM_CHECKS = frozenset({"os.name", "sys.platform", "platform.system", "platform.platform",
                              "platform.win32_ver", "sys.getwindowsversion", "os.startfile"})
_WINDOWS_MODULES = frozenset({"msvcrt", "winreg", "_winreg", "win32api", "win32con", "win32com", "pywintypes"})
_CONTEXT_CHANGERS = ("`", "$(", "${", "<<")  # the quoting inside them is not the one around them
_COMMAND_SEPARATORS = set(";|&()\n")
# The script's own positional parameters, or what sets them: the values would take their place.
_OWN_PARAMETERS = re.compile(r"\$[0-9@*#]|\b(?:shift|set|getopts)\b|\w\s*\(\s*\)")


def _checks_platform(module: cst.Module) -> bool:
    aliases = import_aliases(module)
    if imported_modules(aliases) & _WINDOWS_MODULES:
        return True

    class _PlatformChecks(cst.CSTVisitor):
        found = False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if dotted_name(node) is not None and resolve(node, aliases) in _PLATFORM_CHECKS:
                self.found = True
            return not self.found

    checks = _PlatformChecks()
    module.visit(checks)
    return checks.found


# Whether the module checks the platform or imports a Windows-only module.
may_run_on_windows: ModuleMemo[bool] = ModuleMemo(_checks_platform)


def script_argv(node: cst.BaseExpression, single: Single | None = None,
                text: ShellText | None = None) -> list[cst.BaseExpression] | None:
    """``["/bin/sh", "-c", script, "sh", *values]`` for the built command ``node``, else ``None``;
    ``single``, ``text``: see ``shell_argv.argv_for``."""
    built = decompose(node)
    if built is None or not built.slots:
        return None
    if single is not None:
        built = built.with_single_values(single)
    if any(marker in built.literal_text for marker in _CONTEXT_CHANGERS) or _OWN_PARAMETERS.search(built.literal_text):
        return None
    if any(is_code_runner(word) for word in built.literal_text.split()):
        return None  # ``NAME=%s; sh -c "echo $NAME"``: a value may reach a runner through a variable
    if any(isinstance(part, Slot) and isinstance(before, Text) and before.text.endswith("~")
           for before, part in pairwise(built.parts)):
        return None  # ``~%s``: the shell expanded ``~user`` before the value came in quotes
    script = _script(list(built.parts), text)
    if script is None:
        return None
    like = built.pieces[0] if built.pieces else None
    tuple_operand = built.kind == "percent" and isinstance(node, cst.BinaryOperation) \
        and isinstance(node.right, cst.Tuple)
    values = [_value(slot, like, tuple_operand) for slot in built.slots]
    return [cst.SimpleString(f'"{SHELL}"'), cst.SimpleString('"-c"'), _script_literal(script, like),
            cst.SimpleString('"sh"'), *values]


def _script(parts: list[Text | Slot], text: ShellText | None = None) -> str | None:
    """The command text with the n-th value replaced by a quoted ``$n``; ``None`` where a value's
    quoting cannot be told, it would be the program name outside quotes, or a program would run
    it as code (``code_runners``)."""
    out: list[str] = []  # chunks: one per literal character or value reference
    state = "plain"  # plain, single (in '...') or double (in "...")
    previous = ""
    escaped = False  # the previous character was a backslash outside single quotes
    word, word_value = "", False  # the current word's literal text so far; whether a value is in it
    command: list[Word] = []  # the words of the current simple command
    count = 0
    opened = reopened = -1  # the chunk that opened the last quotes; the one a value reopened them in

    def end_word() -> None:
        nonlocal word, word_value
        if word or word_value:
            command.append(Word(word.replace("'", "").replace('"', ""), word_value))
        word, word_value = "", False

    for part in parts:
        if isinstance(part, Slot):
            program_next = all(ASSIGNMENT.match(w.text) or w.text in RESERVED_WORDS for w in command) \
                and not word_value
            if escaped or previous == "$" or (state == "plain" and program_next and not ASSIGNMENT.match(word)):
                return None
            if state == "plain" and joins_words(part.node):
                return None  # ``" ".join(files)`` was several words; "$1" would be one
            if text is not None and (text.parsed(part.node, state) or state == "plain" and not (word or word_value)
                                     and text.may_be_empty(part.node)):
                return None  # text the shell parsed where it was spliced ("$1" keeps it as it is)
            count += 1
            reference = f"${count}" if count < 10 else f"${{{count}}}"
            if state == "plain":
                reference = f'"{reference}"'
            elif state == "single":
                # Close the quotes, read the value, reopen them; no empty '' is left.
                prefix = "'"
                if opened == len(out) - 1:  # the quotes opened right before the value
                    out.pop()
                    prefix = ""
                elif reopened == len(out) - 1:  # another value just reopened them
                    out[-1] = out[-1][:-1]
                    prefix = ""
                reference = prefix + f'"{reference}"' + "'"
                opened, reopened = -1, len(out)
            out.append(reference)
            previous, word_value = "", True
            continue
        for char in part.text:
            if state == "single" and char == "'" and reopened == len(out) - 1:
                out[-1] = out[-1][:-1]  # the quotes close right after the value
                state, previous = "plain", char
                continue
            out.append(char)
            if state == "single":
                state = "plain" if char == "'" else state
            elif escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif state == "double":
                state = "plain" if char == '"' else state
            elif char in "'\"":
                state, opened = ("single" if char == "'" else "double"), len(out) - 1
            elif char in " \t" or char in _COMMAND_SEPARATORS:
                end_word()
                if char in _COMMAND_SEPARATORS:
                    if _runs_code(command):
                        return None
                    command.clear()
                previous = char
                continue
            elif char == "#" and not (word or word_value):
                return None  # a comment: what follows is not run
            word += char
            previous = char
    end_word()
    if state != "plain" or escaped or _runs_code(command):
        return None
    return "".join(out)


def _runs_code(command: list[Word]) -> bool:
    """Whether a value could reach a program as code through this simple command: as its
    argument, or through a pipe into a shell or interpreter (the script has values)."""
    return runs_value_as_code(command) or reads_code_from_stdin(command)


def _value(slot: Slot, like: cst.BaseString | None, tuple_operand: bool) -> cst.BaseExpression:
    """The text the original spliced in for ``slot``: ``str(x)``, or ``"%d" % n`` for numbers."""
    if slot.conversion in ("int", "float"):
        return percent_of([slot], like, tuple_operand)
    return as_str(slot, like)


def _script_literal(script: str, like: cst.BaseString | None) -> cst.SimpleString:
    """The script as a literal, quoted so that it needs the fewest escapes."""
    candidates = [render_string(script, like), cst.SimpleString(repr(script))]
    return min(candidates, key=lambda literal: literal.value.count("\\"))
