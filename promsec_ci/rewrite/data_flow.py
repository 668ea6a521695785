"""Def-use facts within one block of a function, for operators that edit two statements.

A value built into a variable and consumed by a later call (``q = "..." % x`` then
``cur.execute(q)``; ``cmd = "ls " + d`` then ``os.system(cmd)``) can be rewritten at both ends
only when that call is the variable's one reader: ``single_use`` checks that the variable is
read exactly once after the assignment (in the same block or nested in a later statement of
it), not written there, and rebound before any later read::

    q = build(x)        <- assignment
    log("running")      <- neither reads nor writes q
    cur.execute(q)      <- the one read
    q = other()         <- rebound before anything reads the old value
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst

from promsec_ci.rewrite.cst_tools import dotted_name

Parents = Mapping[cst.CSTNode, cst.CSTNode]


@dataclass(frozen=True)
class Flow:
    """An assignment and the statements that read the value it binds.

    Args:
        assignment: the ``name = value`` statement.
        value: the assigned expression.
        uses: the ``Name`` nodes that read it, in order.
        between: the sibling statements after the assignment, up to and including the last reader.
    """

    assignment: cst.CSTNode
    value: cst.BaseExpression
    uses: tuple[cst.Name, ...]
    between: tuple[cst.CSTNode, ...]

    @property
    def use(self) -> cst.Name:
        return self.uses[0]


def assigned(statement: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """``(name, value)`` when ``statement`` is exactly ``name = value``."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    return (target.value, small.value) if isinstance(target, cst.Name) else None


def find_assignment(statement: cst.CSTNode, name: str, parents: Parents,
                    accept: Callable[[cst.BaseExpression], bool]) -> cst.CSTNode | None:
    """The nearest earlier ``name = value`` (``accept(value)`` true) in the block of ``statement``
    or an enclosing block of the same function; ``None`` when something else touches ``name`` first."""
    current = statement
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Module)):
        located = siblings(current, parents)
        if located is not None:
            body, index = located
            for earlier in reversed(body[:index]):
                if name not in names(earlier):
                    continue
                assignment = assigned(earlier)
                ok = assignment is not None and assignment[0] == name and accept(assignment[1])
                return earlier if ok else None
        current = parents.get(current)
    return None


def single_use(assignment: cst.CSTNode, parents: Parents) -> Flow | None:
    """The one reader of the variable ``assignment`` binds (see the module docstring)."""
    flow = readers(assignment, parents)
    return flow if flow is not None and len(flow.uses) == 1 else None


def readers(assignment: cst.CSTNode, parents: Parents) -> Flow | None:
    """Every reader of the value ``assignment`` binds, when all of them are later statements of
    its block that do not write the variable, and nothing after them reads it before a rebinding."""
    bound = assigned(assignment)
    located = siblings(assignment, parents)
    if bound is None or located is None:
        return None
    name, value = bound
    body, index = located
    later = body[index + 1:]
    users: list[int] = []
    for position, statement in enumerate(later):
        if name not in names(statement):
            continue
        if name in stored(statement):
            break
        users.append(position)
    if not users:
        return None
    last = users[-1]
    if not _unread_after(later[last + 1:], name, parents):
        return None
    uses = tuple(use for position in users for use in _loads(later[position], name))
    return Flow(assignment=assignment, value=value, uses=uses, between=tuple(later[:last + 1]))


def siblings(statement: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]):
    """The statements of the block holding ``statement`` and its index there, or ``None``."""
    parent = parents.get(statement)
    body = getattr(parent, "body", None)
    if not isinstance(body, (list, tuple)) or statement not in body:
        return None
    return list(body), body.index(statement)


def _unread_after(statements: list[cst.CSTNode], name: str, parents: Parents) -> bool:
    """Whether no statement reads the variable's current value before it is rebound for good."""
    for statement in statements:
        if name not in names(statement):
            continue
        if not _rebound_before_read(statement, name, parents):
            return False
        if isinstance(statement, cst.SimpleStatementLine):
            return True  # rebound unconditionally: later statements see the new value
        # rebound inside a loop or ``with``: a loop may not run, so keep checking what follows
    return True


def _rebound_before_read(statement: cst.CSTNode, name: str, parents: Parents) -> bool:
    """Whether the first thing ``statement`` does with ``name`` is to rebind it unconditionally
    (``name = ...`` not reading it, outside any ``if``/``try``), so it never sees the old value."""
    order = _EvaluationOrder(name)
    statement.visit(order)
    if not order.events or order.events[0][0] != "store":
        return False
    current = parents.get(order.events[0][1])
    while current is not None and current is not statement:
        if not isinstance(current, (cst.IndentedBlock, cst.SimpleStatementLine, cst.For, cst.While, cst.With,
                                    cst.Assign, cst.AssignTarget)):
            return False
        current = parents.get(current)
    return True


class _EvaluationOrder(cst.CSTVisitor):
    """Reads and writes of one name in the order Python performs them (values before targets)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[tuple[str, cst.CSTNode]] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.events.append(("load", node))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Assign(self, node: cst.Assign) -> bool:
        node.value.visit(self)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if target.target.value == self.name:
                    self.events.append(("store", target))
            else:
                target.visit(self)
        return False

    def visit_For(self, node: cst.For) -> bool:
        node.iter.visit(self)
        node.target.visit(self)
        node.body.visit(self)
        if node.orelse is not None:
            node.orelse.visit(self)
        return False


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.stored: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)

    def _store(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
            return
        if isinstance(target, cst.StarredElement):
            self._store(target.value)
            return
        name = dotted_name(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        if name is None and isinstance(target, cst.Subscript):
            name = dotted_name(target.value)
        if name:
            self.stored.add(name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._store(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._store(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target)


def _collect(node: cst.CSTNode) -> _NameCollector:
    collector = _NameCollector()
    node.visit(collector)
    return collector


def names(node: cst.CSTNode) -> list[str]:
    """Every bare name read or written in ``node`` (attribute names excluded)."""
    names = _collect(node).names
    attributes: list[str] = []

    class _Attrs(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            attributes.append(attribute.attr.value)

    node.visit(_Attrs())
    for attr in attributes:
        names.remove(attr)
    return names


def stored(node: cst.CSTNode) -> set[str]:
    """Dotted names assigned in ``node`` (``x``, ``self.x``; ``d`` for ``d[k] = ...``)."""
    return _collect(node).stored


def dotted_prefixes(node: cst.CSTNode) -> set[str]:
    """``a``, ``a.b`` and ``a.b.c`` for every Name/Attribute chain read in ``node``."""
    found: set[str] = set()

    class _Chains(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            name = dotted_name(attribute)
            if name:
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))

        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(_Chains())
    return found


def _loads(node: cst.CSTNode, name: str) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Find(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Name(self, candidate: cst.Name) -> None:
            if candidate.value == name:
                found.append(candidate)

    node.visit(_Find())
    return found
