"""What the code around a statement shows of a value's type: text, a number, or unknown.

Rewrites that move a value out of a string build (into a query parameter, an argument list)
must keep what the build made of it: ``str(x)`` where the text was spliced, the value itself
where it already is text, and the item where ``%`` was handed a one-tuple. ``ValueTypes`` reads
the bindings of a name in its function: a parameter's annotation, the values assigned to it.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.cst_tools import called_name, dotted_name, enclosing_scope
from promsec_ci.rewrite.data_flow import assigned, find_assignment
from promsec_ci.rewrite.string_build import is_text, is_text_or_none

_NUMBER_CALLS = frozenset({"int", "float", "len", "sum", "round", "abs", "ord", "hash", "id"})
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_TYPE_NAMES = {"str": "str", "int": "number", "float": "number"}
_ROW_CALLS = frozenset({"fetchone", "tuple"})
_ROWS_CALLS = frozenset({"fetchall", "fetchmany"})  # a list of rows: its items are tuples


class ValueTypes:
    """``str``, ``number``, ``str-or-none`` or ``None`` (unknown) for a value read in the statement ``at``.

    A name's type is known when every binding of it in its function (or the enclosing one, for
    a name the function only reads) gives that type: a parameter annotated ``str``/``int``/
    ``float`` without a ``None`` default, ``name = <text>`` (see ``string_build.is_text``),
    ``name = <number>``, ``name += <same type>``. Any other binding (a loop target, unpacking,
    ``global``, an import, an unannotated parameter) leaves it unknown."""

    def __init__(self, at: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> None:
        self.at = at
        self.parents = parents

    def kind(self, node: cst.BaseExpression) -> str | None:
        return self._kind(node, self.at, frozenset())

    def _kind(self, node: cst.BaseExpression, at: cst.CSTNode, seen: frozenset[str]) -> str | None:
        if is_text(node):
            return "str"
        if is_text_or_none(node):
            return "str-or-none"  # a missing key gives None: never a tuple, but not always text
        if is_number(node):
            return "number"
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            sides = {self._kind(node.left, at, seen), self._kind(node.right, at, seen)}
            return "str" if "str" in sides else None
        if isinstance(node, cst.IfExp):
            sides = {self._kind(node.body, at, seen), self._kind(node.orelse, at, seen)}
            return sides.pop() if len(sides) == 1 else None
        if isinstance(node, cst.Name) and node.value not in seen and not self._bound_inside(node, at):
            seen = seen | {node.value}
            return self._last_assigned(node.value, at, seen) or \
                self._name_kind(node.value, enclosing_scope(at, self.parents), seen)
        return None

    def single(self, node: cst.BaseExpression) -> bool:
        """As the whole right operand of ``%``, ``node`` is one value: text, a number, or not
        something the code lets be a tuple (``may_hold_a_row``)."""
        return self.kind(node) is not None or not self.may_hold_a_row(node)

    def may_hold_a_row(self, node: cst.BaseExpression) -> bool:
        """Whether the code lets ``node`` be a tuple: a name bound to a tuple display, a fetched
        row (``cur.fetchone()``, an item of ``cur.fetchall()``) or by what has no single value (a
        loop target, unpacking, ``*args``, a global); a plain parameter or another value is taken
        for one value, as developers bind it."""
        if isinstance(node, cst.Call):
            return called_name(node) in _ROW_CALLS
        if isinstance(node, cst.Subscript):
            one_index = len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            return one_index and self._holds_rows(node.value)  # ``rows[i]`` of ``rows = cur.fetchall()``
        if not isinstance(node, cst.Name):
            return False
        if self._bound_inside(node, self.at):
            return True  # a lambda's parameter, a comprehension's target: anything
        bindings = _bindings(node.value, enclosing_scope(self.at, self.parents))
        return not bindings or any(
            not isinstance(binding, cst.Param) and (
                isinstance(binding.value, (cst.Tuple, cst.Name)) or self.may_hold_a_row(binding.value))
            for binding in bindings)

    def _bound_inside(self, name: cst.Name, at: cst.CSTNode) -> bool:
        """Whether a lambda, comprehension or nested function inside ``at`` binds ``name``
        (``[f(n) for n in ids]``): the function's own bindings of that name say nothing of it."""
        current = self.parents.get(name)
        while current is not None and current is not at:
            if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
                return True
            if isinstance(current, cst.Lambda):
                params = current.params
                every = (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg,
                         params.star_kwarg)
                if any(isinstance(p, cst.Param) and p.name.value == name.value for p in every):
                    return True
            if isinstance(current, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                comp_for = current.for_in
                while comp_for is not None:
                    if name.value in _target_names(comp_for.target):
                        return True
                    comp_for = comp_for.inner_for_in
            current = self.parents.get(current)
        return False

    def _holds_rows(self, node: cst.BaseExpression) -> bool:
        """Whether ``node`` is a list of fetched rows: ``cur.fetchall()``, ``cur.fetchmany(n)``,
        or a name assigned one (``row[0]`` of a loop's ``row`` is taken for an item of a row)."""
        if isinstance(node, cst.Call):
            return called_name(node) in _ROWS_CALLS
        if not isinstance(node, cst.Name):
            return False
        bindings = _bindings(node.value, enclosing_scope(self.at, self.parents))
        return bindings is not None and any(not isinstance(binding, cst.Param) and self._holds_rows(binding.value)
                                       for binding in bindings)

    def _last_assigned(self, name: str, at: cst.CSTNode, seen: frozenset[str]) -> str | None:
        """The type of the value the nearest earlier ``name = v`` gave, when nothing else binds
        ``name`` in between, no loop around ``at`` can bring back a later value and the name is
        a plain local (no ``global``, loop target or unpacking anywhere in its function)."""
        assignment = find_assignment(at, name, self.parents, lambda value: True)
        if assignment is None or _in_loop(at, self.parents.get(assignment), self.parents) \
                or _bindings(name, enclosing_scope(at, self.parents)) is None:
            return None
        return self._kind(assigned(assignment)[1], assignment, seen)

    def _name_kind(self, name: str, scope: cst.CSTNode, seen: frozenset[str]) -> str | None:
        bindings = _bindings(name, scope)
        if bindings is None:
            return None
        if not bindings:  # only read here: bound in the enclosing function (a closure), if any
            outer = enclosing_scope(scope, self.parents) if isinstance(scope, cst.FunctionDef) else None
            return self._name_kind(name, outer, seen) if isinstance(outer, cst.FunctionDef) else None
        kinds = {self._binding_kind(binding, scope, seen) for binding in bindings}
        return kinds.pop() if len(kinds) == 1 else None

    def _binding_kind(self, binding: cst.CSTNode, scope: cst.CSTNode, seen: frozenset[str]) -> str | None:
        if isinstance(binding, cst.Param):
            annotation = binding.annotation.annotation if binding.annotation is not None else None
            spelled = dotted_name(annotation) if annotation is not None else None
            none_default = isinstance(binding.default, cst.Name) and binding.default.value == "None"
            return None if none_default else _TYPE_NAMES.get(spelled or "")
        value = binding.value
        kind = self._kind(value, binding, seen) if value is not None else None
        if isinstance(binding, cst.AugAssign) and not isinstance(binding.operator, cst.AddAssign):
            return None
        return kind


def _in_loop(node: cst.CSTNode, block: cst.CSTNode | None, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether a ``for``/``while`` lies between ``node`` and ``block``."""
    current = parents.get(node)
    while current is not None and current is not block:
        if isinstance(current, (cst.For, cst.While)):
            return True
        current = parents.get(current)
    return False


def _bindings(name: str, scope: cst.CSTNode | None) -> list[cst.CSTNode] | None:
    """What binds ``name`` in ``scope`` (its parameters, ``name = v``, ``name += v``, ``name: T = v``),
    outside nested scopes; ``None`` when some binding has no single value (a loop target,
    unpacking, ``with ... as``, ``global``, ``def``, an import, ``del``, ``:=``)."""
    if scope is None:
        return None
    found: list[cst.CSTNode] = []
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        found += [p for p in (*params.posonly_params, *params.params, *params.kwonly_params) if p.name.value == name]
        starred = (params.star_arg, params.star_kwarg)
        if any(isinstance(p, cst.Param) and p.name.value == name for p in starred):
            return None
    unknown = False

    class _Visitor(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal unknown
            if node is not scope and isinstance(node, _SCOPES):
                unknown = unknown or isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == name \
                    or _rebinds_from_inside(node, name)
                return False
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and _binds_alone(node, name):
                if node.value is not None:
                    found.append(node)
            elif name in _other_stores(node):
                unknown = True
            return True

    body = scope.body if isinstance(scope, cst.FunctionDef) else scope
    body.visit(_Visitor())
    return None if unknown else found


def _rebinds_from_inside(node: cst.CSTNode, name: str) -> bool:
    """Whether a nested scope binds ``name`` of the enclosing function: ``nonlocal name`` in a
    nested function, ``(name := v)`` in a comprehension (``[x := 5 for _ in r]``)."""
    if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        return any(n.name.value == name for statement in m.findall(node, m.Nonlocal())
                   for n in statement.names)  # type: ignore[union-attr]
    return any(isinstance(walrus.target, cst.Name) and walrus.target.value == name
               for walrus in m.findall(node, m.NamedExpr()))  # type: ignore[union-attr]


def _binds_alone(node: cst.Assign | cst.AugAssign | cst.AnnAssign, name: str) -> bool:
    """``name = v`` (one target), ``name += v`` or ``name: T = v``."""
    if isinstance(node, cst.Assign):
        return len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
            and node.targets[0].target.value == name
    return isinstance(node.target, cst.Name) and node.target.value == name


def _other_stores(node: cst.CSTNode) -> set[str]:
    """The names ``node`` itself binds other than by a plain assignment to one name."""
    if isinstance(node, cst.Assign):
        return set().union(*(_target_names(t.target) for t in node.targets))
    if isinstance(node, cst.For):
        return _target_names(node.target)
    if isinstance(node, (cst.AsName, cst.NamedExpr)):
        return _target_names(node.name if isinstance(node, cst.AsName) else node.target)
    if isinstance(node, cst.Del):
        return _target_names(node.target)
    if isinstance(node, (cst.Global, cst.Nonlocal)):
        return {n.name.value for n in node.names}
    if isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
        return {(alias.evaluated_alias or alias.evaluated_name).partition(".")[0] for alias in node.names}
    return set()


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def is_number(node: cst.BaseExpression) -> bool:
    """A number literal, a call that returns one (``len(x)``), or arithmetic on either."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(node, cst.Call):
        return isinstance(node.func, cst.Name) and node.func.value in _NUMBER_CALLS
    if isinstance(node, cst.UnaryOperation):
        return is_number(node.expression)
    if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.Modulo):
        return is_number(node.left) or is_number(node.right)
    return False
