"""B301 / B302 / B403 / CWE-502: unpickling untrusted data -> ``json.loads``, when provably JSON.

``pickle.loads`` / ``pickle.load`` / ``marshal.loads`` / ``marshal.load`` become ``json.loads`` /
``json.load`` only when the data is provably JSON-shaped:

* ``loads`` of bytes received whole (not a file, not a decompressed blob: stored pickles would
  stop loading), in a module that pickles nothing itself, whose value is used only as a
  dict/list of primitives (subscripted, ``.get()``, ``.items()``, iterated, ``len()``,
  membership, compared with constants), never as an object (attribute access, passed on,
  returned); or
* every dump in the module serialises a JSON-compatible literal (dicts, lists, str, numbers,
  bools, None); those dumps then become ``json.dumps(...).encode()`` so both sides agree.

Otherwise ``apply`` returns ``None`` and the finding is reported as needing review: replacing
a pickle of arbitrary objects needs a schema, which only a person can choose. The import of
``pickle``/``marshal`` is removed when nothing else uses it (that closes B403 too). Also refused
where the name the fix reads ``json`` through is something else at a rewritten call (a local
``json = data.strip()``, a parameter, ``from flask import json``).

Sample::

    data = pickle.loads(request.data)         ->  data = json.loads(request.data)
    return data["name"], data.get("age", 0)   ->  return data["name"], data.get("age", 0)
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import bound_otherwise, enclosing_scope, parse, reads_of, wrapper_of
from promsec_ci.rewrite.resolve import NodeSwapper, import_aliases, imported_name, resolve, statement_at

_MODULES = ("pickle", "cPickle", "_pickle", "marshal", "dill")
_LOADS = {f"{m}.{f}": f for m in _MODULES for f in ("loads", "load")}
_DUMPS = {f"{m}.{f}": f for m in _MODULES for f in ("dumps", "dump")}
_DATA_METHODS = frozenset({"get", "items", "keys", "values", "count", "index"})
_PURE_CALLS = frozenset({"len", "sorted", "list", "dict", "tuple", "set", "enumerate", "json.dumps", "print",
                         "str", "bool", "int", "float", "sum", "min", "max", "any", "all"})


class PickleToJsonOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="pickle-to-json",
        cwes=(502,),
        rule_ids=("B301", "B302", "B403"),
        directive=("Exchange the data as JSON with json.loads and json.dumps instead of pickle, "
                   "since unpickling untrusted bytes can run code."),
        summary="Deserialize JSON-shaped data with json instead of pickle/marshal.",
        references=(
            "https://cwe.mitre.org/data/definitions/502.html",
            "https://docs.python.org/3/library/pickle.html#module-pickle",
            "https://docs.python.org/3/library/json.html",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        module = parse(source)
        if module is None:
            return None
        wrapper = wrapper_of(module)
        positions = wrapper.resolve(PositionProvider)
        parents = wrapper.resolve(ParentNodeProvider)
        aliases = import_aliases(module)
        statement = statement_at(module, positions, line)
        if statement is None:
            return None
        loads, dumps = _calls(module, aliases, _LOADS), _calls(module, aliases, _DUMPS)
        imported = _imported_serializers(statement)
        targets = [c for c in loads if _inside(c, statement, parents)] if not imported else list(loads)
        literal_dumps = bool(dumps) and all(_json_literal(_dumped_value(c)) for c in dumps)
        if not targets or dumps and not literal_dumps:
            return None  # the module makes pickles of its own: what it loads may be one of them
        if not literal_dumps and not all(_from_message(c, aliases) and _used_as_data(c, parents) for c in targets):
            return None
        imported_json = imported_name(module, "json")
        json_name = imported_json or "json"
        replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        for call in targets:
            replacement = _json_load(call, aliases, json_name)
            if replacement is None:
                return None
            replacements[call] = replacement
        if literal_dumps:
            for call in dumps:
                replacement = _json_dump(call, aliases, json_name)
                if replacement is None:
                    return None
                replacements[call] = replacement
        if any(bound_otherwise(call, json_name, "json", None, wrapper) for call in replacements):
            return None  # ``json`` is a local, a parameter, another module there
        updated = module.visit(NodeSwapper(replacements))
        context = CodemodContext()
        added: tuple[str, ...] = ()
        if imported_json is None:
            AddImportsVisitor.add_needed_import(context, "json")
            added = ("import json",)
        updated = AddImportsVisitor(context).transform_module(updated)
        for name in {target.split(".")[0] for target in aliases.values()} & set(_MODULES):
            RemoveImportsVisitor.remove_unused_import(context, name)
        updated = RemoveImportsVisitor(context).transform_module(updated)
        if imported and any(name in import_aliases(updated).values() for name in imported):
            return None  # the flagged import is still needed: B403 stays
        return Rewrite(text=updated.code, line=line, imports=added)


PickleToJson = PickleToJsonOperator()


def _calls(module: cst.Module, aliases: Mapping[str, str], names: Mapping[str, str]) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if resolve(call.func, aliases) in names:
                found.append(call)

    module.visit(_Visitor())
    return found


def _imported_serializers(statement: cst.CSTNode) -> set[str]:
    """Serializer modules imported by ``statement`` (a B403 finding sits on the import)."""
    found: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = cst.Module([]).code_for_node(alias.name)
                    if name in _MODULES:
                        found.add(name)
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                name = cst.Module([]).code_for_node(small.module)
                if name in _MODULES:
                    found.add(name)
    return found


def _inside(node: cst.CSTNode, statement: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    current: cst.CSTNode | None = node
    while current is not None:
        if current is statement:
            return True
        current = parents.get(current)
    return False


def _json_load(call: cst.Call, aliases: Mapping[str, str], json_name: str) -> cst.Call | None:
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None  # encoding=, fix_imports=, ...: pickle-specific options
    function = _LOADS[resolve(call.func, aliases)]
    return call.with_changes(func=cst.Attribute(value=cst.Name(json_name), attr=cst.Name(function)))


def _json_dump(call: cst.Call, aliases: Mapping[str, str], json_name: str) -> cst.BaseExpression | None:
    """``json.dumps(v).encode()`` (bytes, as pickle gave) or ``f.write(json.dumps(v).encode())``."""
    args = [a for a in call.args if a.keyword is None and not a.star]
    if len(args) != len(call.args) or not args:
        return None  # protocol=, ...
    encoded = cst.Call(func=cst.Attribute(
        value=cst.Call(func=cst.Attribute(value=cst.Name(json_name), attr=cst.Name("dumps")),
                       args=[args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]),
        attr=cst.Name("encode")))
    if _DUMPS[resolve(call.func, aliases)] == "dumps":
        return encoded if len(args) == 1 else None
    if len(args) != 2:
        return None
    return cst.Call(func=cst.Attribute(value=args[1].value, attr=cst.Name("write")), args=[cst.Arg(encoded)])


def _dumped_value(call: cst.Call) -> cst.BaseExpression | None:
    return call.args[0].value if call.args and call.args[0].keyword is None else None


def _json_literal(node: cst.BaseExpression | None) -> bool:
    """A dict/list/str/number/bool/None literal, all the way down, with string keys."""
    if node is None:
        return False
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return isinstance(node.evaluated_value, str)
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.List):
        return all(isinstance(e, cst.Element) and _json_literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                   and _json_literal(e.key) and _json_literal(e.value) for e in node.elements)
    return False


def _from_message(call: cst.Call, aliases: Mapping[str, str]) -> bool:
    """``loads`` of bytes received as a whole (a request body, a message), not ``load`` of a file
    or a decompressed blob: stored pickles would no longer load unless they are rewritten too."""
    if _LOADS[resolve(call.func, aliases)] != "loads":
        return False
    found: list[str] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, inner: cst.Call) -> None:
            name = resolve(inner.func, aliases) or ""
            found.append(name.rsplit(".", 1)[-1])

    call.visit(_Calls())
    return not {"open", "read", "decompress", "load", "loads"} & set(found[1:])


def _used_as_data(call: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """The loaded value is only read as a dict/list of primitives (see the module docstring)."""
    parent = parents.get(call)
    if isinstance(parent, cst.Assign):
        if len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
            return False
        name = parent.targets[0].target.value
        scope = enclosing_scope(call, parents)
        uses = reads_of(name, scope, parents, enter_functions=False) if scope is not None else []
        return bool(uses) and all(_data_use(use, parents) for use in uses)
    return _data_use(call, parents)


def _data_use(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    parent = parents.get(node)
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return all(isinstance(e.slice, cst.Index) and _json_literal(e.slice.value) for e in parent.slice)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return parent.attr.value in _DATA_METHODS
    if isinstance(parent, cst.For) and parent.iter is node:
        return True
    if isinstance(parent, cst.ComparisonTarget):
        comparison = parents.get(parent)
        if isinstance(parent.operator, (cst.In, cst.NotIn)):
            return True
        return (isinstance(comparison, cst.Comparison) and _json_literal(comparison.left)) \
            or _json_literal(parent.comparator)
    if isinstance(parent, cst.Comparison) and parent.left is node:
        return all(_json_literal(t.comparator) for t in parent.comparisons)
    if isinstance(parent, cst.Arg):
        outer = parents.get(parent)
        if isinstance(outer, cst.Call):
            func = outer.func
            name = func.value if isinstance(func, cst.Name) else (
                f"{func.value.value}.{func.attr.value}"
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) else None)
            return name in _PURE_CALLS
    return False




