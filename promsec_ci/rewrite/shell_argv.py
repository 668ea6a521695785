"""A shell command string -> the argument list the shell would have run, split at build time.

Shared by the CWE-78 operators. The literal parts of the command are split with POSIX shell
word rules (quotes, backslashes); every spliced value stays inside the word it was in, so a
value becomes an argument of its own and can no longer add words or commands. Commands whose
literal text uses the shell for more than word splitting are refused (``None``): pipes,
redirections, ``;``, ``&&``, ``$VAR`` / ``$(...)``, backquotes, globs, ``~``, braces,
``VAR=value`` prefixes, comments. So is a command whose program name is a value outside quotes
(the shell would split it into words; a quoted one is kept as one argument), or is a shell
built-in (``cd``, ``source``, cmd.exe's ``cls``). So is a value the module shows may hold text
the shell parsed where it was spliced (``shell_text.ShellText``: ``opts = "-l -a"`` was two
words outside quotes, ``"*.txt"`` the matching files, ``""`` no word at all). File name
patterns (``*``, ``?`` in unquoted literal text) can be expanded as the shell does,
``*(sorted(glob.glob(p)) or [p])`` (the matches in order, else the pattern itself; the shell
sorts by the locale's collation, which is code point order in the C locale), values in the
pattern matched literally (``glob.escape``), when the caller asks (``globs=True``) and imports
``glob``. A pattern that can match a name starting with ``-`` gives such a name as ``./-name``,
so a planted file cannot become an option (wildcard injection, CWE-155). Trailing
``>/dev/null``, ``2>/dev/null`` and ``2>&1`` become the ``stdout``/``stderr`` arguments they
mean when the caller takes them (``streams``). For a command refused here, ``command_argv``
falls back to ``shell_script``: the shell runs the
constant text, the values are its parameters::

    "ping -c 1 " + host               -> ["ping", "-c", "1", host]
    'tar xf "%s/%s.tgz"' % (d, name)  -> ["tar", "xf", f"{d}/{name}.tgz"]
    "ls | grep " + x                  -> None
    "rm logs/*.o " + d  (globs=True)  -> ["rm", *(sorted(glob.glob("logs/*.o")) or ["logs/*.o"]), d]
    "chmod 600 *"  (globs=True)       -> ["chmod", "600", *([f"./{path}" if path.startswith("-") else path
                                                            for path in sorted(glob.glob("*"))] or ["*"])]
    "make " + t + " >/dev/null 2>&1"  -> ["make", t]  (stdout=DEVNULL, stderr=DEVNULL)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import libcst as cst
import libcst.matchers as m
from libcst.metadata import ParentNodeProvider, PositionProvider

from promsec_ci.rewrite.base import Rewrite
from promsec_ci.rewrite.code_runners import Word, runs_value_as_code
from promsec_ci.rewrite.cst_tools import StatementTransformer, rewrite_at, statements_before
from promsec_ci.rewrite.data_flow import find_assignment, single_use
from promsec_ci.rewrite.resolve import (
    NodeSwapper,
    call_args,
    calls_in,
    import_aliases,
    imported_name,
    locate,
    resolve,
)
from promsec_ci.rewrite.shell_script import may_run_on_windows, script_argv
from promsec_ci.rewrite.shell_text import ShellText, shell_texts
from promsec_ci.rewrite.string_build import (
    Built,
    Single,
    Slot,
    Text,
    as_str,
    decompose,
    fstring_of,
    has_fstring,
    joins_words,
    percent_of,
    plus_chain,
    render_string,
)
from promsec_ci.rewrite.value_types import ValueTypes

_SHELL_SYNTAX = set("|&;<>()$`*?[]{}\n")
# Commands only a shell has: POSIX special and regular built-ins with no program of their own,
# and cmd.exe's internal commands (``os.system("cls")``). Without the shell they do not run.
_SHELL_ONLY = frozenset({
    "cd", "source", ".", "export", "alias", "unalias", "set", "unset", "exit", "exec", "eval", "trap",
    "command",
    "ulimit", "umask", "shift", "read", "wait", "jobs", "fg", "bg", "hash", "readonly", "return",
    "local", "declare", "typeset", "shopt", "history", "builtin", "pushd", "popd", "dirs", "type",
    "cls", "dir", "copy", "del", "erase", "ren", "rename", "move", "md", "rd", "start", "ver", "vol",
    "title", "color", "pause", "mklink", "assoc", "ftype", "chdir", "call", "setlocal", "endlocal",
})
_WORD_START_SYNTAX = set("#~!")
_DOUBLE_QUOTE_ESCAPES = set('$`"\\\n')


class Pattern(Text):
    """Marks a word (its first part) whose unquoted literal text has ``*``/``?``: the shell
    expands it to file names. Values in it are matched literally (``glob.escape``)."""


def argv_for(node: cst.BaseExpression, globs: bool = False, streams: dict[str, str] | None = None,
             single: Single | None = None, text: ShellText | None = None
             ) -> list[cst.BaseExpression | cst.StarredElement] | None:
    """The argument list equivalent to running ``node`` (a str expression) through ``sh -c``.

    Args:
        node: a string literal or a string built with ``+``, ``%``, ``format`` or an f-string.
        globs: expand words of plain literal text with ``*``/``?`` as the shell does
            (``*(sorted(glob.glob(p)) or [p])``: the matches, else the pattern itself); the
            caller imports ``glob`` (``uses_glob``). Without it such commands are refused.
        streams: when given, trailing ``>/dev/null``, ``2>/dev/null`` and ``2>&1`` are accepted
            and the streams they set are put here (``{"stdout": "DEVNULL", "stderr": "STDOUT"}``,
            names in ``subprocess``); without it such commands are refused.
        single: what the code shows to be one value as the whole ``%`` operand (``str(x)``
            rather than ``"%s" % x``, see ``as_str``).
        text: what the module shows its values may hold (``shell_text.ShellText``): a value
            whose text the shell parsed where it was spliced (``opts = "-l -a"`` outside quotes,
            an empty value as a word of its own) is refused.
    """
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) and not has_fstring(node):
        value = node.evaluated_value
        if not isinstance(value, str):
            return None
        like = node if isinstance(node, cst.SimpleString) else None
        parts = _without_redirections([Text(value, 0)], streams)
        words = split_words(parts, globs) if parts is not None else None
        return None if words is None else [_word_node(w, like, "fstring") for w in words]
    items = joined_items(node)
    if items is not None:
        words = split_words(_join_parts(items), text=text)
        return None if words is None else [_word_node(word, None, "add") for word in words]
    built = decompose(node)
    if built is None:
        return None
    if single is not None:
        built = built.with_single_values(single)
    parts = _without_redirections(list(built.parts), streams)
    words = split_words(parts, globs, text) if parts is not None else None
    if words is None:
        return None
    like = built.pieces[0] if built.pieces else None
    tuple_operand = built.kind == "percent" and isinstance(node, cst.BinaryOperation) \
        and isinstance(node.right, cst.Tuple)
    return [_word_node(word, like, built.kind, tuple_operand) for word in words]


_REDIRECTIONS = re.compile(r"((?:[ \t]+(?:[12]?>[ \t]*/dev/null|2>&1))+)[ \t]*$")
_REDIRECTION = re.compile(r"(?P<fd>[12]?)>[ \t]*/dev/null|2>&1")


def _without_redirections(parts: list[Text | Slot], streams: dict[str, str] | None) -> list[Text | Slot] | None:
    """``parts`` without trailing redirections to ``/dev/null`` and ``2>&1``, recording the streams
    they set in ``streams``; ``None`` when their order has no ``subprocess`` equivalent
    (``2>&1 >/dev/null`` sends errors to the old output)."""
    if streams is None or not parts or not isinstance(parts[-1], Text):
        return parts
    match = _REDIRECTIONS.search(parts[-1].text)
    if match is None:
        return parts
    found: dict[str, str] = {}
    for token in _REDIRECTION.finditer(match.group(1)):
        if token.group(0) == "2>&1":
            found["stderr"] = "DEVNULL" if found.get("stdout") == "DEVNULL" else "STDOUT"
        elif token.group("fd") == "2":
            found["stderr"] = "DEVNULL"
        elif found.get("stderr") == "STDOUT":
            return None
        else:
            found["stdout"] = "DEVNULL"
    streams.update(found)
    rest = parts[-1].text[:match.start()]
    return parts[:-1] + ([Text(rest, parts[-1].piece)] if rest else [])


def stream_kwargs(transformer: CommandTransformer, streams: Mapping[str, str]) -> list[cst.Arg]:
    """``stdout=subprocess.DEVNULL``-style arguments for ``streams``, through the module's own
    ``subprocess`` name (imported when needed)."""
    if not streams:
        return []
    name = transformer.subprocess_name()
    return [kwarg(stream, cst.Attribute(value=cst.Name(name), attr=cst.Name(target)))
            for stream, target in sorted(streams.items(), key=lambda item: item[0] != "stdout")]


def joined_list(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``items`` for ``" ".join(items)``, else ``None``."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "join"):
        return None
    separator = node.func.value
    if not (isinstance(separator, cst.SimpleString) and separator.evaluated_value == " "):
        return None
    if len(node.args) != 1 or node.args[0].star or node.args[0].keyword is not None:
        return None
    return node.args[0].value


def joined_items(node: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """The items of ``" ".join([a, b, ...])`` (a list or tuple display), else ``None``."""
    items = joined_list(node)
    if not isinstance(items, (cst.List, cst.Tuple)) or not items.elements:
        return None
    if not all(isinstance(element, cst.Element) for element in items.elements):
        return None
    return [element.value for element in items.elements]


def _join_parts(items: list[cst.BaseExpression]) -> list[Text | Slot]:
    parts: list[Text | Slot] = []
    for index, item in enumerate(items):
        if index:
            parts.append(Text(" ", 0))
        value = item.evaluated_value if isinstance(item, (cst.SimpleString, cst.ConcatenatedString)) else None
        parts.append(Text(value, 0) if isinstance(value, str) else Slot(item, "raw"))
    return parts


def items_are_words(items: list[cst.BaseExpression], text: ShellText | None = None) -> bool:
    """Whether ``" ".join(items)`` run through a shell gives back exactly ``items``: each constant
    item is one plain word (no quotes, escapes, spaces or shell syntax) and the program is one;
    ``text``: see ``argv_for`` (``opts = ""`` in the list was no word for the shell)."""
    words = split_words(_join_parts(items), text=text)
    if words is None or len(words) != len(items):
        return False
    for word, item in zip(words, items, strict=True):
        if len(word) != 1 or (isinstance(word[0], Text) and word[0].text != getattr(item, "evaluated_value", None)):
            return False
        if isinstance(word[0], Slot) and word[0].node is not item:
            return False
    return True


def split_words(parts: list[Text | Slot], globs: bool = False,
                text: ShellText | None = None) -> list[list[Text | Slot]] | None:
    """Split parts into shell words; ``None`` when the literal text needs a real shell.

    Args:
        parts: the command's literal text and values.
        globs: accept unquoted ``*``/``?`` in words without quotes or escapes, returned with a
            ``Pattern`` part first; other glob words are refused.
        text: see ``argv_for``.
    """
    stream: list[str | Slot] = []
    for part in parts:
        if isinstance(part, Text):
            stream.extend(part.text)
        else:
            stream.append(part)
    words: list[list[Text | Slot]] = []
    current: list[Text | Slot] = []
    started = False
    state = "plain"
    i = 0
    pattern = quoted = False
    bare_program_value = False  # a value in the first word outside quotes: the shell splits it

    def finish() -> bool:
        """Close the current word; ``False`` when it is a glob the rewrite cannot expand."""
        nonlocal current, started, pattern, quoted
        if pattern:
            if quoted:
                return False
            current = [Pattern("", 0), *current]
        words.append(current)
        current, started, pattern, quoted = [], False, False, False
        return True

    def add(ch: str) -> None:
        if current and isinstance(current[-1], Text):
            current[-1] = Text(current[-1].text + ch, 0)
        else:
            current.append(Text(ch, 0))

    while i < len(stream):
        item = stream[i]
        i += 1
        if isinstance(item, Slot):
            if state == "plain" and joins_words(item.node):
                return None  # the shell split ``" ".join(files)`` into several arguments
            if text is not None and (text.parsed(item.node, state) or state == "plain" and not started and (
                    i >= len(stream) or stream[i] in (" ", "\t")) and text.may_be_empty(item.node)):
                return None  # the shell parsed the value's text (``opts = "-l -a"``: two words; "": none)
            current.append(item)
            started = True
            bare_program_value = bare_program_value or (not words and state == "plain")
            continue
        if state == "single":
            if item == "'":
                state = "plain"
            else:
                add(item)
            continue
        if state == "double":
            if item == '"':
                state = "plain"
            elif item in "$`":
                return None
            elif item == "\\" and i < len(stream) and isinstance(stream[i], str) and stream[i] in _DOUBLE_QUOTE_ESCAPES:
                if stream[i] != "\n":
                    add(stream[i])
                i += 1
            else:
                add(item)
            continue
        if item in " \t":
            if started and not finish():
                return None
            current, started = [], False
            continue
        if globs and item in "*?":
            pattern = started = True
            add(item)
            continue
        if item in _SHELL_SYNTAX or (not started and item in _WORD_START_SYNTAX):
            return None
        if item == "=" and not words and not _has_slot(current):
            return None  # VAR=value cmd: an environment assignment, not a program name
        started = True
        if item in "'\"\\":
            quoted = True
        if item == "'":
            state = "single"
        elif item == '"':
            state = "double"
        elif item == "\\":
            if i >= len(stream) or isinstance(stream[i], Slot):
                return None
            if stream[i] != "\n":
                add(stream[i])
            else:
                started = bool(current)
            i += 1
        else:
            add(item)
    if state != "plain":
        return None
    if started and not finish():
        return None
    if not words or bare_program_value or (words[0] and isinstance(words[0][0], Pattern)):
        # No program, or one chosen by an unquoted value (``editor + " " + path`` with editor
        # "code --wait": the shell splits it into words), or by a file name pattern. A quoted
        # value (``'"' + vmd + '" -dispdev text'``) is one word for the shell too.
        return None
    program = _text(words[0]).lower()
    if program in _SHELL_ONLY:
        return None  # a shell built-in: there is no program to run without the shell
    if program == "echo" and any(_has_slot(w) or _text(w).startswith("-") or "\\" in _text(w) for w in words[1:]):
        return None  # sh's echo reads backslash escapes (and no options) that /bin/echo does not
    if runs_value_as_code([Word(_text(w), _has_slot(w)) for w in words]):
        return None  # bash -c, ssh, awk programs: another interpreter would still parse the value
    return words


def _text(word: list[Text | Slot]) -> str:
    return "".join(p.text for p in word if isinstance(p, Text))


def _has_slot(word: list[Text | Slot]) -> bool:
    return any(isinstance(p, Slot) for p in word)


def _word_node(word: list[Text | Slot], like: cst.BaseString | None, kind: str,
               tuple_operand: bool = False) -> cst.BaseExpression | cst.StarredElement:
    if word and isinstance(word[0], Pattern):
        return _expansion(word[1:], like, kind, tuple_operand)
    if not _has_slot(word):
        return render_string("".join(p.text for p in word), like)
    if len(word) == 1 and word[0].conversion in ("raw", "str"):
        return as_str(word[0], like)
    if kind == "percent":
        # Built as it was ("%s.tgz" % name, "%d" % n): the same text, and the same tokens to review.
        return percent_of(word, like, tuple_operand)
    if len(word) == 1:
        return as_str(word[0], like)
    if kind == "add" and all(p.conversion == "raw" for p in word if isinstance(p, Slot)):
        return plus_chain(word, like)
    return fstring_of(word, like)


def _expansion(word: list[Text | Slot], like: cst.BaseString | None, kind: str,
               tuple_operand: bool) -> cst.StarredElement:
    """``*(sorted(glob.glob(pattern)) or [word])``: the file names the shell would put there."""
    literal = _word_node(word, like, kind, tuple_operand)
    pattern: cst.BaseExpression = literal
    if _has_slot(word):
        escaped = [Slot(_glob_call("escape", as_str(p, like)), "raw") if isinstance(p, Slot) else p for p in word]
        pattern = plus_chain(escaped, like)
    matches: cst.BaseExpression = cst.Call(func=cst.Name("sorted"), args=[cst.Arg(_glob_call("glob", pattern))])
    if _may_match_an_option(word):
        matches = _dashes_as_paths(matches)
    expansion = cst.BooleanOperation(left=matches, operator=cst.Or(), right=cst.List([cst.Element(literal)]),
                                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.StarredElement(value=expansion)


def _may_match_an_option(word: list[Text | Slot]) -> bool:
    """Whether the pattern can match a name starting with ``-``: one the program would read as an
    option (wildcard injection, CWE-155: a file named ``--checkpoint-action=exec=sh x.sh``)."""
    first = word[0] if word else None
    return not isinstance(first, Text) or first.text[:1] in ("*", "?")


def _dashes_as_paths(matches: cst.BaseExpression) -> cst.ListComp:
    """``[f"./{path}" if path.startswith("-") else path for path in matches]``: every name as the
    shell gave it, except that one starting with ``-`` names the same file as ``./-name``, which
    no program reads as an option."""
    path = cst.Name("path")
    dashed = cst.Call(func=cst.Attribute(value=path, attr=cst.Name("startswith")),
                      args=[cst.Arg(cst.SimpleString('"-"'))])
    prefixed = cst.FormattedString(parts=[cst.FormattedStringText("./"), cst.FormattedStringExpression(path)],
                                   start='f"', end='"')
    return cst.ListComp(elt=cst.IfExp(test=dashed, body=prefixed, orelse=path),
                        for_in=cst.CompFor(target=path, iter=matches))


def _glob_call(function: str, argument: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=cst.Name("glob"), attr=cst.Name(function)), args=[cst.Arg(argument)])


def argv_list(argv: list[cst.BaseExpression | cst.StarredElement]) -> cst.List:
    """``[a, b, c]`` on one line."""
    elements = []
    for index, value in enumerate(argv):
        comma = cst.MaybeSentinel.DEFAULT if index == len(argv) - 1 else \
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if isinstance(value, cst.StarredElement):
            elements.append(value.with_changes(comma=comma))
        else:
            elements.append(cst.Element(value=value, comma=comma))
    return cst.List(elements=elements)


def uses_glob(command: cst.BaseExpression) -> bool:
    """Whether an argument list from ``command_list`` expands a file name pattern (needs ``import glob``)."""
    return isinstance(command, cst.List) and any(isinstance(e, cst.StarredElement) for e in command.elements)


def globs_allowed(aliases: Mapping[str, str]) -> bool:
    """Whether ``glob`` can name the module here (not bound to something else by an import)."""
    return aliases.get("glob", "glob") == "glob"


def kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` with no spaces around ``=``."""
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    return cst.Arg(value=value, keyword=cst.Name(name), equal=equal)


def command_argv(node: cst.BaseExpression, scripts: bool, globs: bool = False, streams: dict[str, str] | None = None,
                 single: Single | None = None, text: ShellText | None = None
                 ) -> list[cst.BaseExpression | cst.StarredElement] | None:
    """The argument list for the command ``node``: shell-free (``argv_for``) when it can be, else,
    with ``scripts``, ``/bin/sh`` running the constant text with the values as its parameters
    (``shell_script``); ``globs``, ``streams``, ``single``, ``text``: see ``argv_for``."""
    built = decompose(node)
    if built is not None and any(_run_again(slot, built) for slot in built.slots):
        return None
    found: dict[str, str] | None = None if streams is None else {}
    argv = argv_for(node, globs, found, single, text)
    if argv is not None:
        if streams is not None and found:
            streams.update(found)
        return argv
    return script_argv(node, single, text) if scripts else None


def _run_again(slot: Slot, built: Built) -> bool:
    """``"cp {0} {0}.bak".format(next(names))``: one call the command now needs twice."""
    uses = [other for other in built.slots if other.node is slot.node]
    return len(uses) > 1 and bool(m.findall(slot.node, m.Call()))


def prepare_flow(source: str, line: int,
                 command_of: Callable[[cst.Call, Mapping[str, str]], cst.BaseExpression | None]
                 ) -> tuple[str, int, str] | None:
    """For ``cmd = "ls " + d`` then ``os.system(cmd)`` (the call at ``line``, its only reader):
    the source with ``cmd = ["ls", d]``, the call's line in it, and ``cmd``.

    Args:
        source: the module.
        line: the line of the statement holding the call.
        command_of: the command argument of a call the operator rewrites, else ``None``.
    """
    located = locate(source, line)
    if located is None:
        return None
    module, positions, parents, statement = located.module, located.positions, located.parents, located.statement
    aliases = located.aliases
    scripts = not may_run_on_windows(module)
    texts = shell_texts(module)
    for call in calls_in(statement):
        command = command_of(call, aliases)
        joined = joined_list(command) if command is not None else None
        if isinstance(joined, cst.Name):
            # " ".join(args) of a list of plain words: the list itself is the argument list.
            assignment = find_assignment(statement, joined.value, parents, lambda v: _is_word_list(v, texts))
            flow = single_use(assignment, parents) if assignment is not None else None
            if flow is not None and flow.use is joined:
                return source, line, joined.value
            continue
        if not isinstance(command, cst.Name):
            continue
        assignment = find_assignment(statement, command.value, parents,
                                     lambda v: command_argv(v, scripts, text=texts) is not None)
        flow = single_use(assignment, parents) if assignment is not None else None
        if flow is None or flow.use is not command:
            continue
        # The assignment becomes one line (the value's parentheses go with it).
        assignment_pos = positions[flow.assignment]
        shift = assignment_pos.end.line - assignment_pos.start.line
        single = ValueTypes(flow.assignment, parents).single
        argv = command_argv(flow.value, scripts, single=single, text=texts)
        text = module.visit(NodeSwapper({flow.value: argv_list(argv)})).code
        return text, line - shift, command.value
    return None


def _is_word_list(value: cst.BaseExpression, text: ShellText) -> bool:
    if not isinstance(value, (cst.List, cst.Tuple)) or not value.elements:
        return False
    if not all(isinstance(element, cst.Element) for element in value.elements):
        return False
    return items_are_words([element.value for element in value.elements], text)


class CommandTransformer(StatementTransformer):
    """A statement transformer for commands: it knows the module's import aliases and the names of
    variables ``prepare_flow`` already built into argument lists (``list_names``)."""

    def __init__(self, line: int, list_names: frozenset[str] = frozenset()) -> None:
        super().__init__(line)
        self.list_names = list_names
        self.aliases: dict[str, str] = {}
        self.module: cst.Module | None = None
        self.scripts = False  # /bin/sh may run the command's text (not on Windows)

    def visit_Module(self, node: cst.Module) -> bool:
        self.module = node
        self.aliases = import_aliases(node)
        self.scripts = not may_run_on_windows(node)
        return True

    def command_list(self, node: cst.BaseExpression, streams: dict[str, str]) -> cst.BaseExpression | None:
        """The argument-list expression replacing the command ``node``: a list literal
        (``command_argv``), or the variable itself when ``prepare_flow`` already made it hold one."""
        if isinstance(node, cst.Name) and node.value in self.list_names:
            return node
        items = joined_list(node)
        if isinstance(items, cst.Name) and items.value in self.list_names:
            return items
        single = ValueTypes(self.target, self.metadata[ParentNodeProvider]).single if self.target is not None else None
        text = shell_texts(self.module) if self.module is not None else None
        argv = command_argv(node, self.scripts, globs_allowed(self.aliases), streams, single, text)
        return None if argv is None else argv_list(argv)

    def module_name(self, module: str) -> str:
        """The module's own name for ``module`` at the target statement (``imported_name``);
        ``import module`` is added when it has none."""
        name = None
        if self.module is not None and self.target is not None:
            earlier = statements_before(self.target, self.metadata[ParentNodeProvider], self.metadata[PositionProvider])
            name = imported_name(self.module, module, earlier)
        if name is None:
            name = module
            self.add_import(module)
        else:
            self.use_module(name, module)
        return name

    def subprocess_name(self) -> str:
        return self.module_name("subprocess")


def sole_argument(call: cst.Call, aliases: Mapping[str, str], function: str) -> cst.BaseExpression | None:
    """The command of ``function(command)`` (``os.system``, ``subprocess.getoutput``): the one
    positional argument of a call to that import-resolved name, with nothing else passed."""
    if resolve(call.func, aliases) != function:
        return None
    args = call_args(call)
    if args is None or len(args[0]) != 1 or args[1]:
        return None
    return args[0][0].value


def apply_with_flow(source: str, line: int, transformer: Callable[..., StatementTransformer],
                    command_of: Callable[[cst.Call, Mapping[str, str]], cst.BaseExpression | None]
                    ) -> Rewrite | None:
    """Run ``transformer`` at ``line``; failing that, with the command first built into a list
    where the variable holding it is assigned (``prepare_flow``)."""
    result = rewrite_at(source, transformer(line))
    if result is None:
        prepared = prepare_flow(source, line, command_of)
        if prepared is None:
            return None
        text, new_line, name = prepared
        result = rewrite_at(text, transformer(new_line, frozenset({name})))
        if result is None:
            return None
    text, imports = result
    return Rewrite(text=text, line=line, imports=imports)


def subprocess_call(transformer: CommandTransformer, function: str, args: list[cst.Arg]) -> cst.Call:
    """``subprocess.<function>(args)`` through the module's own ``subprocess`` name, importing it
    when needed."""
    return cst.Call(func=cst.Attribute(value=cst.Name(transformer.subprocess_name()), attr=cst.Name(function)),
                    args=args)
