"""libcst plumbing shared by the operators: rewrite only the statement at a line, add imports.

An operator subclasses ``StatementTransformer`` and overrides ``leave_*`` methods, acting only
while ``self.in_target`` is true; ``rewrite_at`` runs it and returns the new module text, or
``None`` when nothing changed (the precondition did not hold there).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, GatherImportsVisitor
from libcst.metadata import (
    ClassScope,
    CodeRange,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)


class StatementTransformer(cst.CSTTransformer):
    """Transformer scoped to the innermost statement containing ``line``.

    For a simple statement the whole line is in scope; for a compound statement (``if``, ``for``,
    ``with``, ``while``) only its header is, never its body.

    Args:
        line: 1-based line of the target statement (any line it spans).
    """

    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider, ScopeProvider)

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.target: cst.CSTNode | None = None
        self._depth = 0
        self._body_depth = 0
        self.imports: list[tuple[str, str | None]] = []  # (module, name) pairs to add
        self.modules: set[tuple[str, str]] = set()  # (name, module): existing imports the rewrite reads

    @property
    def in_target(self) -> bool:
        return self._depth > 0 and self._body_depth == 0

    def add_import(self, module: str, name: str | None = None) -> None:
        """Ask for ``import module`` (or ``from module import name``) once the rewrite is done."""
        if (module, name) not in self.imports:
            self.imports.append((module, name))

    def use_module(self, bound: str, module: str) -> None:
        """Note that the rewrite reads ``module`` through the name ``bound`` (an existing import)."""
        self.modules.add((bound, module))

    def names_used(self) -> set[tuple[str, str, str | None]]:
        """``(name, module, imported name)`` for every import the rewrite relies on."""
        added = {(name or module.split(".")[0], module, name) for module, name in self.imports}
        return added | {(bound, module, None) for bound, module in self.modules}

    def _header_end(self, node: cst.BaseCompoundStatement) -> int:
        """Last line of a compound statement's header (decorators, test, target, items)."""
        end = self.get_metadata(PositionProvider, node).start.line
        for child in header_parts(node):
            try:
                end = max(end, self.get_metadata(PositionProvider, child).end.line)
            except KeyError:  # whitespace nodes carry no position
                continue
        return end

    def _covers(self, node: cst.CSTNode) -> bool:
        pos = self.get_metadata(PositionProvider, node)
        return pos.start.line <= self.line <= pos.end.line

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not self._depth and isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) \
                and not self._covers(node):
            # Operators act only inside the target: a statement away from the line is kept as it
            # is (unvisited subtrees stay the same objects, so large files cost one path, not all).
            super().on_visit(node)
            return False
        if self.target is None and isinstance(node, cst.SimpleStatementLine) and self._covers(node):
            self.target = node
        elif self.target is None and isinstance(node, cst.BaseCompoundStatement) and self._covers(node):
            if self.line <= self._header_end(node):
                self.target = node
        if node is self.target:
            self._depth += 1
        elif self._depth and isinstance(node, cst.BaseSuite):
            self._body_depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        result = super().on_leave(original_node, updated_node)
        if original_node is self.target:
            self._depth -= 1
        elif self._depth and isinstance(original_node, cst.BaseSuite):
            self._body_depth -= 1
        return result


_NOT_HEADER = (cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.If, cst.EmptyLine)


def header_parts(node: cst.BaseCompoundStatement) -> list[cst.CSTNode]:
    """The children of a compound statement that make its header (decorators, test, target,
    items), not its body, ``else``/``elif``, handlers or comment lines."""
    return [child for child in node.children if not isinstance(child, _NOT_HEADER)]


@lru_cache(maxsize=16)
def parse(source: str) -> cst.Module | None:
    """The module of ``source``, shared between callers: libcst trees are immutable, and the
    search applies many operators to the same text."""
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return None


T = TypeVar("T")


class ModuleMemo(Generic[T]):
    """A value computed once per parsed module, for the last few modules: the search applies
    every operator to the same (cached, immutable) tree. Keyed by identity; an entry holds its
    module, so an id is never reused while the entry lives.

    Args:
        compute: the value of a module.
        keep: how many modules to remember.
    """

    def __init__(self, compute: Callable[[cst.Module], T], keep: int = 16) -> None:
        self._compute = compute
        self._keep = keep
        self._entries: OrderedDict[int, tuple[cst.Module, T]] = OrderedDict()

    def __call__(self, module: cst.Module) -> T:
        entry = self._entries.get(id(module))
        if entry is not None and entry[0] is module:
            self._entries.move_to_end(id(module))
            return entry[1]
        value = self._compute(module)
        self._entries[id(module)] = (module, value)
        if len(self._entries) > self._keep:
            self._entries.popitem(last=False)
        return value


# One MetadataWrapper per module, so positions, parents and scopes are computed once per text.
wrapper_of: ModuleMemo[MetadataWrapper] = ModuleMemo(lambda module: MetadataWrapper(module, unsafe_skip_copy=True))


def rewrite_at(source: str, transformer: StatementTransformer) -> tuple[str, tuple[str, ...]] | None:
    """Run ``transformer`` on ``source``; the new text and the imports added, or ``None``."""
    module = parse(source)
    if module is None:
        return None
    wrapper = wrapper_of(module)
    updated = wrapper.visit(transformer)
    if updated.deep_equals(wrapper.module):
        return None
    if transformer.target is not None:
        # A name the statement already read as the module (``y.load``) is the original's to get right.
        target = transformer.target
        parts = header_parts(target) if isinstance(target, cst.BaseCompoundStatement) else [target]
        already = {a.value.value for part in parts for a in m.findall(part, m.Attribute(value=m.Name()))}
        if any(bound_otherwise(transformer.target, bound, module_name, from_name, wrapper)
               for bound, module_name, from_name in transformer.names_used() if bound not in already):
            return None
    added: list[str] = []
    if transformer.imports:
        if transformer.target is not None and _in_import_fallback(transformer.target, wrapper):
            return None
        context = CodemodContext()
        present = _ModuleImports(context)
        updated.visit(present)
        for module_name, name in transformer.imports:
            already = (
                name in present.object_mapping.get(module_name, set())
                if name else module_name in present.module_imports
            )
            if not already:
                AddImportsVisitor.add_needed_import(context, module_name, name)
                added.append(f"from {module_name} import {name}" if name else f"import {module_name}")
        # Visited directly: transform_module would deep-copy the module for metadata it does not use.
        updated = updated.visit(AddImportsVisitor(context))
    return updated.code, tuple(added)


class ModuleScopeVisitor:
    """Mixin for a visitor of what binds module-wide names at run time: it does not enter the
    bodies of functions or classes (their imports bind local names) nor ``if`` blocks
    (``if TYPE_CHECKING:`` never runs, ``if os.name == "nt":`` not everywhere); code elsewhere
    that relied on such an import would fail with ``NameError``. A ``try`` block counts: an
    optional dependency (``try: import yaml`` / ``except ImportError: yaml = None``)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_If(self, node: cst.If) -> bool:
        return False



class _ModuleImports(ModuleScopeVisitor, GatherImportsVisitor):
    """The imports a rewritten line can rely on."""


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def bound_otherwise(node: cst.CSTNode, bound: str, module_name: str, from_name: str | None,
                    wrapper: MetadataWrapper) -> bool:
    """Whether ``bound``, the name the fix uses for ``module_name`` (or for ``from_name`` from it),
    is something else where ``node`` reads it: a parameter, a variable, a def, another import
    (``def make_token(secrets)``, ``from os import path as os``). The fix would call that."""
    scopes = wrapper.resolve(ScopeProvider)
    # A fix of a ``def`` line (a default argument) may write into its body: that scope too.
    inner = node.body.body[0] if isinstance(node, cst.FunctionDef) and isinstance(node.body, cst.IndentedBlock) \
        and node.body.body else node
    # Lambdas and comprehensions in the statement have scopes of their own (``lambda secrets: ...``).
    parts = header_parts(node) if isinstance(node, cst.BaseCompoundStatement) else [node]
    names = [n for part in parts for n in m.findall(part, m.Name())]
    in_scopes = {scopes[n] for n in (node, inner, *names) if scopes.get(n) is not None}
    assignments = {a for scope in in_scopes for a in scope[bound]}
    if _imported_only_after(node, assignments, scopes.get(node), wrapper):
        return True
    if any(_star_may_bind(star, bound, module_name) for star in _star_imports(wrapper.module)):
        return True  # ``from helpers import *`` may bind the name too
    for assignment in assignments:
        statement = getattr(assignment, "node", None)
        if isinstance(statement, cst.Import):
            if not all(_binds(alias, bound, module_name) for alias in statement.names):
                return True
        elif isinstance(statement, cst.ImportFrom):
            if from_name is None or (dotted_name(statement.module) if statement.module else None) != module_name:
                return True
        else:
            return True
    return False


# The module's ``from x import *`` statements, found once per parsed module.
_star_imports: ModuleMemo[list[cst.ImportFrom]] = ModuleMemo(
    lambda module: m.findall(module, m.ImportFrom(names=m.ImportStar())))


def _star_may_bind(star: cst.ImportFrom, bound: str, module_name: str) -> bool:
    """Whether ``from x import *`` may bind ``bound``: unless ``x`` is the fix's own module, or a
    standard-library module whose source lists ``__all__`` without it, nothing says it does not."""
    source = dotted_name(star.module) if star.module is not None and not star.relative else None
    if source == module_name:
        return False
    exported = _stdlib_exports(source) if source is not None else None
    return exported is None or bound in exported


@lru_cache(maxsize=64)
def _stdlib_exports(module: str) -> frozenset[str] | None:
    """The literal ``__all__`` of a standard-library module, read from its source (never run),
    or ``None`` when it is not one or lists no literal ``__all__``."""
    if module.partition(".")[0] not in sys.stdlib_module_names:
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec is not None else None
    if origin == "frozen":  # ``os``, ``codecs``, ...: the source file is still on disk
        origin = getattr(spec.loader_state, "filename", None)
    if origin is None or not origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    literal = [statement.value for statement in tree.body if isinstance(statement, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "__all__" for t in statement.targets)]
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "__all__"]
    if len(literal) != 1 or len(uses) != 1:
        return None  # built or extended elsewhere (``__all__.extend(...)``): not known from the text
    try:
        return frozenset(ast.literal_eval(literal[0]))
    except ValueError:
        return None


def _imported_only_after(node: cst.CSTNode, assignments, scope, wrapper: MetadataWrapper) -> bool:
    """Whether every import binding the name comes after ``node`` and ``node`` may run before it:
    at module or class level (``import os`` under ``if __name__ == "__main__":`` at the end),
    in a function when module code above the import calls something (``f()`` then
    ``import subprocess``: NameError). No import would be added for it."""
    imports = [a.node for a in assignments if isinstance(getattr(a, "node", None), (cst.Import, cst.ImportFrom))]
    if not imports:
        return False
    positions = wrapper.resolve(PositionProvider)
    start = positions[node].start.line
    if not all(positions[statement].start.line > start for statement in imports):
        return False
    if isinstance(scope, (GlobalScope, ClassScope)):
        return True
    first = min(positions[statement].start.line for statement in imports)
    return any(_calls_at_import_time(statement) for statement in wrapper.module.body
               if positions[statement].start.line < first)


def _calls_at_import_time(statement: cst.CSTNode) -> bool:
    """Whether running ``statement`` calls anything (function bodies and lambdas aside; their
    decorators and defaults count)."""
    found = False

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            nonlocal found
            found = True
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            for part in (*node.decorators, node.params):
                part.visit(self)
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            node.params.visit(self)
            return False

    statement.visit(_Calls())
    return found


def _binds(alias: cst.ImportAlias, bound: str, module_name: str) -> bool:
    """Whether ``import ...`` clause ``alias`` leaves ``bound`` alone or binds it to ``module_name``
    (or its package)."""
    if alias.asname is not None:
        return alias.evaluated_alias != bound or alias.evaluated_name == module_name
    return alias.evaluated_name.split(".")[0] != bound or module_name.split(".")[0] == bound


def _in_import_fallback(node: cst.CSTNode, wrapper: MetadataWrapper) -> bool:
    """Whether ``node`` is in an ``except ImportError:`` handler: code for when a module is
    missing, where a fix must not import one."""
    parents = wrapper.resolve(ParentNodeProvider)
    current = parents.get(node)
    while current is not None:
        if isinstance(current, cst.ExceptHandler) and current.type is not None:
            caught = current.type.elements if isinstance(current.type, cst.Tuple) else [current.type]
            names = {dotted_name(c.value if isinstance(c, cst.Element) else c) for c in caught}
            if names & _IMPORT_ERRORS:
                return True
        current = parents.get(current)
    return False


def statements_before(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode],
                      positions: Mapping[cst.CSTNode, CodeRange]) -> list[cst.BaseStatement]:
    """The statements of the body of the function holding ``node`` that end before it starts
    (where a function-local ``import`` the rewrite may use would be)."""
    function = parents.get(node)
    while function is not None and not isinstance(function, cst.FunctionDef):
        function = parents.get(function)
    if function is None or not isinstance(function.body, cst.IndentedBlock):
        return []
    start = positions[node].start.line
    return [statement for statement in function.body.body if positions[statement].end.line < start]


def enclosing_scope(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> cst.CSTNode | None:
    """The function (or module) whose variables ``node`` reads; class bodies are skipped."""
    current = parents.get(node)
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Module)):
        current = parents.get(current)
    return current


def called_name(call: cst.Call) -> str:
    """The last name of what ``call`` calls (``execute`` for ``cur.execute(...)``), else ``""``."""
    func = call.func
    return func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def string_literals(node: cst.CSTNode, *, formatted: bool = False) -> list[str]:
    """The text of every ``str`` literal in ``node``; with ``formatted``, the literal pieces of
    f-strings too."""
    texts: list[str] = []

    class _Texts(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            if isinstance(value, str):
                texts.append(value)

        def visit_FormattedStringText(self, text: cst.FormattedStringText) -> None:
            if formatted:
                texts.append(text.value)

    node.visit(_Texts())
    return texts


def reads_of(name: str, scope: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode], *,
             enter_functions: bool = True) -> list[cst.Name]:
    """Every ``Name`` reading ``name`` inside ``scope``: attribute names (``x.name``) and
    assignment targets are not reads; with ``enter_functions=False`` functions nested in
    ``scope`` (which have their own names) are skipped."""
    found: list[cst.Name] = []

    class _Find(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return enter_functions or node is scope

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name and not isinstance(parents.get(node), cst.AssignTarget):
                found.append(node)

    scope.visit(_Find())
    return found
