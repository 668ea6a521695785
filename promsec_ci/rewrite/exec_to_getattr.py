"""B102 / B307 / CWE-95: ``exec``/``eval`` of code whose only dynamic parts are attribute names
-> ``getattr`` / ``setattr`` with the same names, so no value can add code.

The code string is taken apart (``string_build``), a sentinel identifier stands in for each
spliced value, and the template is parsed: every sentinel must sit inside an attribute name
(``obj.name%d``, ``self.<name>``), nowhere else. The template must be one expression (``eval``)
or one assignment or expression statement (``exec``); it is then written out as plain code with
each dynamic attribute read as ``getattr(obj, name)`` and each dynamic attribute assignment as
``setattr(obj, name, value)``, the name built as the original built it. A template that binds
a bare name (``x = self.<name>``) is rewritten only at module or class level, where ``exec``
binds it in the same namespace; inside a function ``exec`` could not rebind the local, so the
rewrite would change behaviour and is refused. A code string held in a variable is followed to
its one assignment (``data_flow``), which goes away with the ``exec``. ``exec``/``eval`` with
explicit globals or locals, and templates with any other dynamic part, stay unfixed.

Each value spliced into an attribute name must provably be part of one identifier: a ``%d``
number after some text, a string literal that is an identifier, or a name bound only to such
literals (``name = "host"``, ``for name in ("a", "b")``, also in a comprehension). Anything
else may be a dotted path (``"cfg.%s" % name`` with ``name = "db.host"``): ``exec`` walks the
dots, ``getattr`` does not, so it is refused. Inside a class, a template that writes a private
name (``self.__parts.x%d``) is refused: ``exec`` compiles it outside the class, unmangled, while
the same name written in the class would become ``self._Box__parts``.

Sample::

    exec("ruby.cntrl%d = cntrl" % i)          ->  setattr(ruby, "cntrl%d" % i, cntrl)
    cmd = 'sw = self.' + routine; exec(cmd)   ->  sw = getattr(self, routine)    (routine = "down")
    eval("api.TLV_%s" % t)                    ->  getattr(api, "TLV_%s" % t)   (for t in ("A", "B"))
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping

import libcst as cst
from libcst.metadata import ScopeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import wrapper_of
from promsec_ci.rewrite.data_flow import find_assignment, names, siblings, single_use, stored
from promsec_ci.rewrite.resolve import NodeSwapper, calls_in, locate
from promsec_ci.rewrite.string_build import (
    Built,
    Slot,
    Text,
    as_str,
    decompose,
    fstring_of,
    percent_of,
    plus_chain,
    render_string,
)

_SENTINEL = "PROMSECSLOT{}X"
_SENTINEL_RE = re.compile(r"PROMSECSLOT(\d+)X")
_ATOMS = (cst.Call, cst.Attribute, cst.Name, cst.Subscript)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _builtin_call(call: cst.Call, aliases: Mapping[str, str]) -> str | None:
    """``exec`` or ``eval`` for a call of the builtin with one positional argument, else ``None``."""
    func = call.func
    if not isinstance(func, cst.Name) or func.value not in ("exec", "eval") or func.value in aliases:
        return None
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    return func.value


def template_of(built: Built) -> tuple[str, list[Slot]] | None:
    """The code text with a sentinel identifier per spliced value, and the values in order."""
    if _SENTINEL_RE.search(built.literal_text):
        return None
    text, slots = "", []
    for part in built.parts:
        if isinstance(part, Text):
            text += part.text
        else:
            text += _SENTINEL.format(len(slots))
            slots.append(part)
    return text, slots


def _sentinels_only_in_attributes(tree: ast.AST, count: int) -> bool:
    """Every sentinel occurs exactly once in the template, always inside an attribute name."""
    seen: list[int] = []
    for node in ast.walk(tree):
        for value in _identifiers(node):
            found = [int(m.group(1)) for m in _SENTINEL_RE.finditer(value)]
            if found and not isinstance(node, ast.Attribute):
                return False
            seen += found
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SENTINEL_RE.search(node.value):
            return False
    return sorted(seen) == list(range(count))


def _names_are_identifiers(tree: ast.AST, slots: list[Slot], identifier: Callable[[Slot], bool]) -> bool:
    """Every dynamic attribute name is one identifier whatever the values: each value is a number
    after some text or passes ``identifier``; any other may hold dots (``db.host``), which ``exec``
    walks and ``getattr`` does not."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        for match in _SENTINEL_RE.finditer(node.attr):
            slot = slots[int(match.group(1))]
            if not (slot.conversion == "int" and match.start() > 0) and not identifier(slot):
                return False
    return True


def _literal_identifier(node: cst.BaseExpression) -> bool:
    value = node.evaluated_value if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else None
    return isinstance(value, str) and _IDENTIFIER.match(value) is not None


def _mangled(tree: ast.AST) -> bool:
    """Whether the template writes a private name (``__x``), which a class body would mangle."""
    return any(value.startswith("__") and not value.endswith("__") and not _SENTINEL_RE.search(value)
               for node in ast.walk(tree) for value in _identifiers(node))


def _identifiers(node: ast.AST) -> list[str]:
    values = []
    for field in ("id", "attr", "name", "arg", "module", "asname"):
        value = getattr(node, field, None)
        if isinstance(value, str):
            values.append(value)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        values += node.names
    return values


class _Dynamic(cst.CSTTransformer):
    """Writes the parsed template out with ``getattr``/``setattr`` for the dynamic attributes."""

    def __init__(self, slots: list[Slot], built: Built, tuple_operand: bool) -> None:
        super().__init__()
        self.slots = slots
        self.built = built
        self.tuple_operand = tuple_operand

    def name_of(self, attr: str) -> cst.BaseExpression:
        parts: list[Text | Slot] = []
        position = 0
        for match in _SENTINEL_RE.finditer(attr):
            if match.start() > position:
                parts.append(Text(attr[position:match.start()], 0))
            parts.append(self.slots[int(match.group(1))])
            position = match.end()
        if position < len(attr):
            parts.append(Text(attr[position:], 0))
        return render_like(parts, self.built, self.tuple_operand)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if not _SENTINEL_RE.search(original_node.attr.value):
            return updated_node
        return cst.Call(func=cst.Name("getattr"),
                        args=[_arg(updated_node.value, True), _arg(self.name_of(original_node.attr.value), False)])

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.BaseSmallStatement:
        target = original_node.targets[0].target
        if len(original_node.targets) != 1 or not isinstance(target, cst.Attribute) \
                or not _SENTINEL_RE.search(target.attr.value):
            return updated_node
        # The target was rewritten as a getattr call on the way up; rebuild it as setattr.
        owner = updated_node.targets[0].target.args[0].value
        return cst.Expr(cst.Call(func=cst.Name("setattr"), args=[
            _arg(owner, True), _arg(self.name_of(target.attr.value), True), _arg(updated_node.value, False)]))


def _arg(value: cst.BaseExpression, comma: bool) -> cst.Arg:
    return cst.Arg(value=value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if comma
                   else cst.MaybeSentinel.DEFAULT)


def render_like(parts: list[Text | Slot], built: Built, tuple_operand: bool = True) -> cst.BaseExpression:
    """``parts`` as a string expression built the way ``built`` was (``%``, ``format``, f-string,
    ``+``), so each value is converted to text exactly as before (``%d`` stays ``%d``).

    Args:
        parts: literal text and values, a sub-sequence of ``built.parts``.
        built: the original build.
        tuple_operand: the original ``%`` took a tuple (one value then stays a 1-tuple, since a
            tuple value would otherwise be spread over the specifiers).
    """
    like = built.pieces[0] if built.pieces else None
    slots = [p for p in parts if isinstance(p, Slot)]
    if not slots:
        return render_string("".join(p.text for p in parts), like)
    if built.kind == "add" and all(s.conversion == "raw" for s in slots):
        return plus_chain(parts, like) if len(parts) > 1 else slots[0].node
    if len(parts) == 1 and slots[0].conversion in ("raw", "str"):
        return as_str(slots[0], like)
    if built.kind == "percent":
        return percent_of(parts, like, tuple_operand)
    if built.kind == "fstring":
        return fstring_of(parts, like)
    text = "".join(p.text.replace("{", "{{").replace("}", "}}") if isinstance(p, Text) else "{}" for p in parts)
    return cst.Call(func=cst.Attribute(value=render_string(text, like), attr=cst.Name("format")),
                    args=[cst.Arg(s.node, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                                  if i < len(slots) - 1 else cst.MaybeSentinel.DEFAULT)
                          for i, s in enumerate(slots)])


def plain_code(kind: str, argument: cst.BaseExpression, identifier: Callable[[Slot], bool],
               in_class: bool = False) -> cst.CSTNode | None:
    """The code ``argument`` builds, written without ``exec``/``eval``: an expression (``eval``)
    or a small statement (``exec``), or ``None`` when a dynamic part is not an attribute name
    (``_names_are_identifiers``) or, ``in_class``, the code writes a private name."""
    built = decompose(argument)
    if built is None:
        return None
    # What passes ``identifier`` as a %s value is text (an identifier literal, a name bound only
    # to them), so one value; a %d value keeps its ``%`` build.
    built = built.with_single_values(lambda value: True)
    tuple_operand = isinstance(argument, cst.BinaryOperation) and isinstance(argument.right, cst.Tuple)
    template = template_of(built)
    if template is None:
        return None
    text, slots = template
    try:
        tree = ast.parse(text.strip(), mode="eval" if kind == "eval" else "exec")
    except (SyntaxError, ValueError):
        return None
    if not _sentinels_only_in_attributes(tree, len(slots)) or not _names_are_identifiers(tree, slots, identifier):
        return None
    if in_class and _mangled(tree):
        return None
    scoped = (ast.NamedExpr, ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await)
    if any(isinstance(node, scoped) for node in ast.walk(tree)):
        return None
    try:
        if kind == "eval":
            parsed: cst.CSTNode = cst.parse_expression(text.strip())
        else:
            if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Assign, ast.Expr)):
                return None
            line = cst.parse_statement(text.strip())
            if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
                return None
            parsed = line.body[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    except cst.ParserSyntaxError:
        return None
    if isinstance(parsed, cst.Assign) and len(parsed.targets) != 1:
        return None
    return parsed.visit(_Dynamic(slots, built, tuple_operand))


def _binds_names(node: cst.CSTNode) -> bool:
    """Whether the statement binds a variable (not an attribute or item of an object)."""
    return isinstance(node, cst.Assign) and not isinstance(node.targets[0].target, (cst.Attribute, cst.Subscript))


def _in_class(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    current = parents.get(node)
    while current is not None and not isinstance(current, cst.ClassDef):
        current = parents.get(current)
    return current is not None


def _in_function(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    current = parents.get(node)
    while current is not None:
        if isinstance(current, (cst.FunctionDef, cst.Lambda)):
            return True
        if isinstance(current, cst.ClassDef):
            return False
        current = parents.get(current)
    return False


class ExecToGetattrOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="exec-to-getattr",
        cwes=(95,),
        rule_ids=("B102", "B307"),
        directive=("Access the dynamically named attribute with getattr or setattr instead of building code "
                   "for exec or eval."),
        summary="Read or set a dynamically named attribute with getattr/setattr instead of exec/eval of code.",
        references=(
            "https://cwe.mitre.org/data/definitions/95.html",
            "https://docs.python.org/3/library/functions.html#getattr",
            "https://docs.python.org/3/library/functions.html#setattr",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        located = locate(source, line)
        if located is None or not isinstance(located.statement, cst.SimpleStatementLine):
            return None
        scopes = wrapper_of(located.module).resolve(ScopeProvider)

        def identifier(slot: Slot) -> bool:
            return _identifier_value(slot, scopes, located.parents)

        for small in located.statement.body:
            replacements = self._edit(small, located.statement, located.aliases, located.parents, identifier)
            if replacements is not None:
                return Rewrite(text=located.module.visit(NodeSwapper(replacements)).code, line=line)
        return None

    def _edit(self, small: cst.BaseSmallStatement, statement: cst.SimpleStatementLine,
              aliases: Mapping[str, str], parents: Mapping[cst.CSTNode, cst.CSTNode],
              identifier: Callable[[Slot], bool]) -> dict | None:
        for call in calls_in(small):
            kind = _builtin_call(call, aliases)
            if kind is None or (kind == "exec" and not (isinstance(small, cst.Expr) and small.value is call)):
                continue
            argument = call.args[0].value
            assignment = None
            if isinstance(argument, cst.Name):
                flow = _flow(statement, argument, parents)
                if flow is None:
                    continue
                assignment, argument = flow
            code = plain_code(kind, argument, identifier, _in_class(statement, parents))
            if code is None or (kind == "exec" and _binds_names(code) and _in_function(statement, parents)):
                continue
            if kind == "exec":
                inner = {small: code.with_changes(semicolon=small.semicolon)}
            else:
                inner = {call: code if isinstance(code, _ATOMS)
                         else code.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])}
            if assignment is None:
                return inner
            # The code string's variable goes with the exec: its comments move to the next statement.
            following = _next_sibling(assignment, parents)
            moved = [*assignment.leading_lines, *following.leading_lines]
            return {**inner, assignment: cst.RemovalSentinel.REMOVE,
                    following: lambda updated, lines=moved: updated.with_changes(leading_lines=lines)}
        return None


def _identifier_value(slot: Slot, scopes: Mapping, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether the value is an identifier for sure: a literal one, or a name every binding of which
    (``name = "a"``, ``for name in ("a", "b")``) gives one."""
    if slot.conversion not in ("raw", "str"):
        return False
    node = slot.node
    if _literal_identifier(node):
        return True
    scope = scopes.get(node)
    if not isinstance(node, cst.Name) or scope is None:
        return False
    bindings = scope[node.value]
    return bool(bindings) and all(_binds_identifier(binding.node, parents) for binding in bindings)


def _binds_identifier(bound: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    parent = parents.get(bound)
    if isinstance(parent, cst.AssignTarget):
        assign = parents.get(parent)
        return isinstance(assign, cst.Assign) and len(assign.targets) == 1 and _literal_identifier(assign.value)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is bound:
        items = parent.iter
        return isinstance(items, (cst.Tuple, cst.List, cst.Set)) and bool(items.elements) and all(
            not isinstance(e, cst.StarredElement) and _literal_identifier(e.value) for e in items.elements)
    return False


def _next_sibling(statement: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> cst.CSTNode:
    body, index = siblings(statement, parents)
    return body[index + 1]


def _flow(statement: cst.CSTNode, name: cst.Name, parents: Mapping[cst.CSTNode, cst.CSTNode]):
    """``(assignment, value)`` when ``name`` holds a built string assigned earlier in the block,
    read only here, and nothing the build reads is rebound in between."""
    assignment = find_assignment(statement, name.value, parents, lambda v: decompose(v) is not None)
    flow = single_use(assignment, parents) if assignment is not None else None
    if flow is None or flow.use is not name:
        return None
    read = set(names(flow.value))
    if any(read & stored(between) for between in flow.between):
        return None
    return assignment, flow.value


ExecToGetattr = ExecToGetattrOperator()
