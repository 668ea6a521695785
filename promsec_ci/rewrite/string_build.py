"""A string built at run time, taken apart: the literal text and the values spliced into it.

The SQL and shell operators both need to know which characters of a query or command are
fixed by the programmer and which come from a value. ``decompose`` reads the four ways Python
builds strings (``+``, ``%``, ``str.format``, f-strings, and implicit concatenation of those)
and returns the run-time text as ``Text`` parts interleaved with ``Slot`` parts::

    "SELECT * FROM t WHERE a = '%s' AND b = %d" % (x, n)
    -> Text("SELECT * FROM t WHERE a = '"), Slot(x, "str"), Text("' AND b = "), Slot(n, "int")

Anything whose text would depend on formatting details (``%5d``, ``{:>8}``, ``!r``, ``%r``)
is refused (``None``): the fixed text would no longer be what the program produced.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import libcst as cst

from promsec_ci.rewrite.cst_tools import called_name, dotted_name


@dataclass(frozen=True)
class Text:
    """Literal run-time text; ``piece`` indexes ``Built.pieces`` (the literal it came from)."""

    text: str
    piece: int


@dataclass(frozen=True)
class Slot:
    """A value spliced into the text.

    Args:
        node: the expression.
        conversion: ``raw`` (joined with ``+``: already a string), ``str`` (``%s``, ``{}``,
            f-string), ``int`` (``%d``/``%i``) or ``float`` (``%f``).
        whole_operand: the value is the whole right operand of ``%`` (``"%s" % row``, no tuple
            display): should it be a tuple at run time, ``%`` formatted its item, not the tuple.
    """

    node: cst.BaseExpression
    conversion: str
    whole_operand: bool = field(default=False, compare=False)


# Whether a value, as the whole right operand of ``%``, is one value (not a tuple of them).
Single = Callable[[cst.BaseExpression], bool]


@dataclass(frozen=True)
class Built:
    """A decomposed string-building expression.

    Args:
        parts: the run-time text as literal and value parts, in order.
        pieces: the string literal nodes the text came from.
        kind: ``add``, ``percent``, ``format`` or ``fstring``.
        layout: the implicitly concatenated literal whose piece structure a rewrite should keep
            (``("SELECT ..." "WHERE ...") % x``), else ``None``.
    """

    parts: tuple[Text | Slot, ...]
    pieces: tuple[cst.BaseString, ...]
    kind: str
    layout: cst.ConcatenatedString | None = None

    @property
    def slots(self) -> list[Slot]:
        return [part for part in self.parts if isinstance(part, Slot)]

    @property
    def literal_text(self) -> str:
        return "".join(part.text for part in self.parts if isinstance(part, Text))

    def with_single_values(self, single: Single) -> Built:
        """The same build with ``whole_operand`` cleared where ``single(value)``: the code shows
        the ``%`` operand is one value, so ``%`` formatted it, not a tuple's item."""
        parts = tuple(replace(part, whole_operand=False) if isinstance(part, Slot) and part.whole_operand
                      and single(part.node) else part for part in self.parts)
        return replace(self, parts=parts)


def decompose(node: cst.BaseExpression) -> Built | None:
    """Take a string-building expression apart, or ``None`` when ``node`` builds no string from
    values or does it in a way whose text cannot be reproduced exactly.

    Args:
        node: the expression (the argument of ``execute``, ``os.system``, ...).
    """
    builder = _Builder()
    kind: str
    layout: cst.ConcatenatedString | None = None
    if _is_op(node, cst.Add):
        kind, parts = "add", builder.add_chain(node)
    elif _is_percent(node):
        kind, parts = "percent", builder.percent(node)
        layout = node.left if isinstance(node.left, cst.ConcatenatedString) else None
    elif _is_format_call(node):
        kind, parts = "format", builder.format_call(node)
        layout = node.func.value if isinstance(node.func.value, cst.ConcatenatedString) else None
    elif isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
        kind, parts = "fstring", builder.strings(node, fstrings=True)
        layout = node if isinstance(node, cst.ConcatenatedString) else None
    else:
        return None
    if parts is None or not any(isinstance(p, Slot) for p in parts) or not any(isinstance(p, Text) for p in parts):
        return None
    return Built(parts=tuple(parts), pieces=tuple(builder.pieces), kind=kind, layout=layout)


def constant_build(node: cst.BaseExpression) -> tuple[str, cst.BaseString] | None:
    """``(text, first literal)`` when ``node`` builds a constant string the long way: literals
    joined with ``+``, or an f-string without fields (``f"SELECT 1"``); else ``None``."""
    builder = _Builder()
    if _is_op(node, cst.Add):
        parts = builder.add_chain(node)
    elif isinstance(node, (cst.FormattedString, cst.ConcatenatedString)) and has_fstring(node):
        parts = builder.strings(node, fstrings=True)
    else:
        return None
    if not parts or not all(isinstance(p, Text) for p in parts):
        return None
    return "".join(p.text for p in parts), builder.pieces[0]


def has_fstring(node: cst.BaseExpression) -> bool:
    """Whether a string literal (or an implicit concatenation of them) has an f-string part."""
    if isinstance(node, cst.ConcatenatedString):
        return has_fstring(node.left) or has_fstring(node.right)
    return isinstance(node, cst.FormattedString)


def is_string_build(node: cst.BaseExpression) -> bool:
    """Whether ``node`` looks like a string built from values (cheap syntactic test)."""
    return decompose(node) is not None


# --- rendering ---------------------------------------------------------------------------------

def render_string(text: str, like: cst.BaseString | None = None) -> cst.SimpleString:
    """A plain string literal holding ``text``, in the quote style of ``like`` when it can.

    Args:
        text: the run-time value.
        like: a literal whose prefix and quotes to imitate (f and b prefixes are dropped).
    """
    quote = '"'
    raw = False
    if isinstance(like, cst.SimpleString):
        quote = like.quote
        raw = "r" in like.prefix.lower()
    elif isinstance(like, cst.FormattedString):
        quote = like.end
        raw = "r" in like.start[: -len(like.end)].lower()
    candidates = []
    if raw:
        candidates.append("r" + quote + text + quote)
    candidates.append(quote + _escape(text, quote) + quote)
    candidates.append(repr(text))
    for literal in candidates:
        try:
            if ast.literal_eval(literal) == text:
                return cst.SimpleString(literal)
        except (SyntaxError, ValueError):
            continue
    return cst.SimpleString(repr(text))


def _escape(text: str, quote: str) -> str:
    triple = len(quote) == 3
    out = text.replace("\\", "\\\\")
    if triple:
        out = out.replace(quote[0] * 3, "\\" + quote[0] * 3)
        if out.endswith(quote[0]):
            out = out[:-1] + "\\" + quote[0]
    else:
        out = out.replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode() for ch in out)


def fstring_of(parts: list[Text | Slot], like: cst.BaseString | None = None) -> cst.BaseExpression:
    """An expression with the run-time value of ``parts``: the lone value, an f-string, or (when
    a value's code would clash with the quotes) a ``+`` chain over ``str(value)``."""
    if len(parts) == 1 and isinstance(parts[0], Slot):
        return parts[0].node
    quote = '"'
    if isinstance(like, cst.SimpleString) and len(like.quote) == 1:
        quote = like.quote
    codes = [cst.Module([]).code_for_node(p.node) for p in parts if isinstance(p, Slot)]
    if all(quote not in code and "\\" not in code and "\n" not in code for code in codes):
        body = ""
        for part in parts:
            if isinstance(part, Text):
                body += _escape(part.text, quote).replace("{", "{{").replace("}", "}}")
            else:
                body += "{" + cst.Module([]).code_for_node(part.node) + "}"
        literal = "f" + quote + body + quote
        return cst.parse_expression(literal)
    return plus_chain(parts, like, convert=True)


def percent_of(parts: list[Text | Slot], like: cst.BaseString | None = None,
               tuple_operand: bool = False) -> cst.BaseExpression:
    """``"text %s text" % x``: the parts as a ``%`` format, each value with its own conversion
    (``%d`` stays ``%d``), so the text is exactly what the original ``%`` produced.

    Args:
        parts: literal text and values whose conversions are ``str``, ``int`` or ``float``.
        like: a literal whose quotes to imitate.
        tuple_operand: always pass the values as a tuple (the original ``%`` took one; a single
            value that is itself a tuple would otherwise be spread over the specifiers).
    """
    specs = {"str": "%s", "int": "%d", "float": "%f", "raw": "%s"}
    text = "".join(p.text.replace("%", "%%") if isinstance(p, Text) else specs[p.conversion] for p in parts)
    values = [p.node for p in parts if isinstance(p, Slot)]
    operand: cst.BaseExpression
    if len(values) == 1 and tuple_operand:
        operand = cst.Tuple([cst.Element(values[0], comma=cst.Comma())])
    elif len(values) > 1:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        operand = cst.Tuple([cst.Element(v, comma=comma if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT)
                             for i, v in enumerate(values)])
    else:
        operand = values[0]
        if not isinstance(operand, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString,
                                    cst.Integer, cst.Float)) and not getattr(operand, "lpar", None):
            operand = operand.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(left=render_string(text, like), operator=cst.Modulo(), right=operand)


def as_str(slot: Slot, like: cst.BaseString | None = None) -> cst.BaseExpression:
    """The slot's value as a ``str`` argument: ``str(x)`` unless it already is one; ``"%s" % x``
    (quoted like ``like``) for a whole ``%`` operand not seen to be text or a number: it may be
    a one-tuple, whose item ``%`` formatted."""
    node = slot.node
    if slot.conversion == "raw" or _is_stringy(node):
        return node
    if slot.whole_operand and slot.conversion in ("str", "int") and not (
            is_text(node) or is_text_or_none(node) or isinstance(node, (cst.Integer, cst.Float))):
        return percent_of([slot], like)
    return cst.Call(func=cst.Name("str"), args=[cst.Arg(node.with_changes(lpar=[], rpar=[])
                                                        if hasattr(node, "lpar") else node)])


# Methods whose result is text (``str`` methods; on ``bytes`` the few shared ones give bytes,
# which ``%s`` never spliced as such either).
_TEXT_METHODS = frozenset({"format", "format_map", "join", "strip", "lstrip", "rstrip", "lower", "upper", "casefold",
                           "title", "capitalize", "swapcase", "replace", "zfill", "center", "ljust", "rjust",
                           "removeprefix", "removesuffix", "expandtabs", "translate"})
# Mappings and lists of text: Flask/Werkzeug's request data, the command line, the environment.
_TEXT_CONTAINERS = frozenset({"request.args", "request.form", "request.values", "request.cookies", "request.headers",
                              "sys.argv", "os.environ"})


def is_text(node: cst.BaseExpression) -> bool:
    """Whether ``node`` is a ``str`` by its spelling alone: a string literal or f-string, a build
    (``"a" + x``, ``"%s" % x``, ``"{}".format(x)``), ``str(x)``, ``input()``, a ``str`` method's
    result (``x.strip()``), an item of request data, ``sys.argv`` or ``os.environ``
    (``request.form["n"]``; ``.get(k, "default")``, not ``.get(k)``, which may be ``None``)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return _is_plain_string(node) and not any("b" in s.prefix.lower() for s in _simple_strings(node)) \
            or has_fstring(node)
    if isinstance(node, cst.FormattedString):
        return "b" not in node.start.lower()
    if _is_op(node, cst.Add):
        return is_text(node.left) or is_text(node.right)
    if _is_percent(node) or _is_format_call(node):
        return is_text(node.left if _is_percent(node) else node.func.value)
    if isinstance(node, cst.Subscript):
        return dotted_name(node.value) in _TEXT_CONTAINERS
    if not isinstance(node, cst.Call):
        return False
    name = called_name(node)
    if isinstance(node.func, cst.Name):
        return name == "input" or name == "str" and len(node.args) == 1 and not node.args[0].star
    if name == "get" and dotted_name(node.func.value) in _TEXT_CONTAINERS:
        return len(node.args) == 2 and all(a.keyword is None and not a.star for a in node.args) \
            and is_text(node.args[1].value)
    return name in _TEXT_METHODS


def is_text_or_none(node: cst.BaseExpression) -> bool:
    """``request.args.get("k")``, ``os.environ.get("k")``, ``os.getenv("k")``: a ``str``, or ``None``
    when the key is missing (never a tuple)."""
    if not isinstance(node, cst.Call) or any(a.star or a.keyword is not None for a in node.args):
        return False
    if dotted_name(node.func) in ("os.getenv", "getenv"):
        return len(node.args) == 1
    return called_name(node) == "get" and isinstance(node.func, cst.Attribute) \
        and dotted_name(node.func.value) in _TEXT_CONTAINERS and len(node.args) == 1


def _simple_strings(node: cst.BaseExpression) -> list[cst.SimpleString]:
    if isinstance(node, cst.ConcatenatedString):
        return _simple_strings(node.left) + _simple_strings(node.right)
    return [node] if isinstance(node, cst.SimpleString) else []


def _is_stringy(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name) and func.value == "str":
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in ("format", "join", "strip", "lower", "upper"):
            return True
    return False


def plus_chain(parts: list[Text | Slot], like: cst.BaseString | None = None,
               convert: bool = False) -> cst.BaseExpression:
    """``"%" + x + "%"``: the parts joined with ``+`` (``str(x)`` when ``convert`` and the value is
    not known to be a string already)."""
    nodes: list[cst.BaseExpression] = []
    for part in parts:
        if isinstance(part, Text):
            if part.text:
                nodes.append(render_string(part.text, like))
        elif convert and part.conversion != "raw" and not _is_str_call(part.node):
            nodes.append(cst.Call(func=cst.Name("str"), args=[cst.Arg(part.node)]))
        else:
            nodes.append(_parenthesize_for_add(part.node))
    result = nodes[0]
    for node in nodes[1:]:
        result = cst.BinaryOperation(left=result, operator=cst.Add(), right=node)
    return result


def _parenthesize_for_add(node: cst.BaseExpression) -> cst.BaseExpression:
    weak = (cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda, cst.UnaryOperation, cst.NamedExpr)
    if isinstance(node, weak) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def _is_str_call(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "str"
            and len(node.args) == 1 and not node.args[0].star and node.args[0].keyword is None)


def joins_words(node: cst.BaseExpression) -> bool:
    """``" ".join(files)``: text that the shell splits into several words where it is unquoted."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "join"):
        return False
    separator = node.func.value
    return isinstance(separator, cst.SimpleString) and isinstance(separator.evaluated_value, str) \
        and any(ch.isspace() for ch in separator.evaluated_value)


def unwrap_str(node: cst.BaseExpression) -> cst.BaseExpression:
    """``x`` for ``str(x)``, else ``node``."""
    return node.args[0].value if _is_str_call(node) else node


# --- parsing -----------------------------------------------------------------------------------

def _is_op(node: cst.BaseExpression, operator: type) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, operator)


def _is_plain_string(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _is_plain_string(node.left) and _is_plain_string(node.right)
    return False


def _is_percent(node: cst.BaseExpression) -> bool:
    return _is_op(node, cst.Modulo) and _is_plain_string(node.left)


def _is_format_call(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format" and _is_plain_string(node.func.value))


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?"
                      r"[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")
_CONVERSIONS = {"s": "str", "d": "int", "i": "int", "f": "float"}


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[cst.BaseString] = []

    # literal pieces ------------------------------------------------------------------------
    def _piece(self, node: cst.BaseString) -> int:
        self.pieces.append(node)
        return len(self.pieces) - 1

    def strings(self, node: cst.BaseExpression, fstrings: bool) -> list[Text | Slot] | None:
        """Parts of a string literal, f-string, or implicit concatenation of those."""
        if isinstance(node, cst.ConcatenatedString):
            left = self.strings(node.left, fstrings)
            right = self.strings(node.right, fstrings)
            return None if left is None or right is None else left + right
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if not isinstance(value, str):
                return None
            return [Text(value, self._piece(node))]
        if isinstance(node, cst.FormattedString) and fstrings:
            return self._fstring(node)
        return None

    def _fstring(self, node: cst.FormattedString) -> list[Text | Slot] | None:
        prefix = node.start[: -len(node.end)].lower()
        if "b" in prefix:
            return None
        piece = self._piece(node)
        parts: list[Text | Slot] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = _eval_fstring_text(part.value, prefix.replace("f", ""), node.end)
                if text is None:
                    return None
                parts.append(Text(text, piece))
            else:
                if part.conversion not in (None, "s") or part.format_spec or part.equal is not None:
                    return None
                parts.append(Slot(part.expression, "str"))
        return parts

    def _segments(self, node: cst.BaseExpression) -> list[tuple[str, int]] | None:
        parts = self.strings(node, fstrings=False)
        if parts is None:
            return None
        return [(p.text, p.piece) for p in parts if isinstance(p, Text)]

    # + chains ------------------------------------------------------------------------------
    def add_chain(self, node: cst.BaseExpression) -> list[Text | Slot] | None:
        if _is_op(node, cst.Add):
            left = self.add_chain(node.left)
            right = self.add_chain(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return self.strings(node, fstrings=True)
        if _is_percent(node):
            return self.percent(node)
        if _is_format_call(node):
            return self.format_call(node)
        return [Slot(node, "raw")]

    # "..." % values ------------------------------------------------------------------------
    def percent(self, node: cst.BinaryOperation) -> list[Text | Slot] | None:
        segments = self._segments(node.left)
        if segments is None:
            return None
        combined = "".join(text for text, _ in segments)
        specs = list(_PERCENT.finditer(combined))
        right = node.right
        fields = [m for m in specs if m.group("type") != "%"]
        named = [m for m in fields if m.group("key") is not None]
        if named and len(named) != len(fields):
            return None
        values: list[cst.BaseExpression] = []
        mapping: dict[str, cst.BaseExpression] = {}
        if named:
            if not isinstance(right, cst.Dict):
                return None
            for element in right.elements:
                if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                    return None
                mapping[str(element.key.evaluated_value)] = element.value
        elif isinstance(right, cst.Tuple):
            if any(isinstance(e, cst.StarredElement) for e in right.elements):
                return None
            values = [e.value for e in right.elements]
        else:
            values = [right]
        whole = not named and not isinstance(right, cst.Tuple)
        if not named and len(values) != len(fields):
            return None
        parts: list[Text | Slot] = []
        position = 0
        index = 0
        for match in specs:
            parts += _texts(segments, position, match.start())
            position = match.end()
            kind = match.group("type")
            if kind == "%":
                if match.group(0) != "%%":
                    return None
                parts += _texts_literal(segments, match.start(), "%")
                continue
            if match.group("flags") or match.group("width") or match.group("prec") or kind not in _CONVERSIONS:
                return None
            if named:
                value = mapping.get(match.group("key"))
                if value is None:
                    return None
            else:
                value = values[index]
                index += 1
            parts.append(Slot(value, _CONVERSIONS[kind], whole_operand=whole))
        parts += _texts(segments, position, len(combined))
        return parts

    # "...".format(...) ---------------------------------------------------------------------
    def format_call(self, node: cst.Call) -> list[Text | Slot] | None:
        segments = self._segments(node.func.value)
        args = _format_args(node)
        if segments is None or args is None:
            return None
        positional, keywords, mapping = args
        combined = "".join(text for text, _ in segments)
        parts: list[Text | Slot] = []
        auto = 0
        literal_start = 0
        pending: list[tuple[int, str]] = []  # (offset, char) for doubled braces
        i = 0
        while i < len(combined):
            ch = combined[i]
            if ch in "{}" and combined[i:i + 2] == ch * 2:
                pending.append((i, ch))
                i += 2
                continue
            if ch == "}":
                return None
            if ch != "{":
                i += 1
                continue
            end = combined.find("}", i)
            if end < 0:
                return None
            field = combined[i + 1:end]
            parts += _texts_unbraced(segments, literal_start, i, pending)
            pending = []
            field, _, spec = field.partition(":")
            name, _, conversion = field.partition("!")
            # ``{0:s}`` formats a string as ``{0}`` does (and refuses anything else).
            if spec not in ("", "s") or conversion not in ("", "s") or "{" in field:
                return None
            if name == "":
                value = positional[auto] if auto < len(positional) else None
                auto += 1
            elif name.isdigit():
                value = positional[int(name)] if int(name) < len(positional) else None
            elif name.isidentifier():
                value = keywords.get(name)
                if value is None and mapping is not None:
                    value = _mapping_value(mapping, name)
            else:
                return None  # attribute or index access: {0.name}, {d[key]}
            if value is None:
                return None
            parts.append(Slot(value, "str"))
            i = end + 1
            literal_start = i
        parts += _texts_unbraced(segments, literal_start, len(combined), pending)
        return parts


def _format_args(node: cst.Call):
    """(positional values, keyword values, ``**mapping`` expression or None), or None (``*args``)."""
    positional: list[cst.BaseExpression] = []
    keywords: dict[str, cst.BaseExpression] = {}
    mapping: cst.BaseExpression | None = None
    for arg in node.args:
        if arg.star == "*":
            return None
        if arg.star == "**":
            if mapping is not None:
                return None
            mapping = arg.value
        elif arg.keyword is None:
            positional.append(arg.value)
        else:
            keywords[arg.keyword.value] = arg.value
    return positional, keywords, mapping


def _mapping_value(mapping: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    """``kwargs["name"]`` for ``**kwargs``; the bare name for ``**locals()``."""
    if isinstance(mapping, cst.Call) and isinstance(mapping.func, cst.Name) and mapping.func.value == "locals" \
            and not mapping.args:
        return cst.Name(name)
    if isinstance(mapping, (cst.Name, cst.Attribute)):
        key = cst.SubscriptElement(slice=cst.Index(value=cst.SimpleString(f'"{name}"')))
        return cst.Subscript(value=mapping, slice=[key])
    return None


def _texts(segments: list[tuple[str, int]], start: int, end: int) -> list[Text]:
    """The literal text between offsets ``start`` and ``end`` of the joined segments, split by piece."""
    out: list[Text] = []
    offset = 0
    for text, piece in segments:
        lo, hi = max(start, offset), min(end, offset + len(text))
        if lo < hi:
            out.append(Text(text[lo - offset:hi - offset], piece))
        offset += len(text)
    return out


def _texts_literal(segments: list[tuple[str, int]], at: int, text: str) -> list[Text]:
    """``text`` standing for the escape at offset ``at`` (``%%`` -> ``%``), in that offset's piece."""
    offset = 0
    for segment, piece in segments:
        if offset <= at < offset + len(segment):
            return [Text(text, piece)]
        offset += len(segment)
    return [Text(text, segments[-1][1])]


def _texts_unbraced(segments: list[tuple[str, int]], start: int, end: int,
                    doubled: list[tuple[int, str]]) -> list[Text]:
    """Literal text of a format template between offsets, with ``{{``/``}}`` turned into one brace."""
    out: list[Text] = []
    position = start
    for offset, ch in doubled:
        out += _texts(segments, position, offset)
        out += _texts_literal(segments, offset, ch)
        position = offset + 2
    out += _texts(segments, position, end)
    return out


def _eval_fstring_text(value: str, prefix: str, quote: str) -> str | None:
    text = value.replace("{{", "{").replace("}}", "}")
    try:
        result = ast.literal_eval(prefix + quote + text + quote)
    except (SyntaxError, ValueError):
        return None
    return result if isinstance(result, str) else None
