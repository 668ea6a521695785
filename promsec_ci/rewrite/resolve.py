"""Small libcst helpers for the injection operators: what a called name refers to through the
module's imports, where a statement sits, and swapping nodes by identity.

Sample (``import_aliases``)::

    import subprocess as sp          ->  {"sp": "subprocess",
    from os import system                 "system": "os.system"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ParentNodeProvider, PositionProvider

from promsec_ci.rewrite.cst_tools import ModuleMemo, ModuleScopeVisitor, dotted_name, parse, wrapper_of


def import_aliases(module: cst.Module) -> dict[str, str]:
    """Local name -> dotted name it is bound to by any import statement of ``module``.

    Args:
        module: the parsed module (imports inside functions count too: fragments often have them).
    """
    return dict(_aliases(module))


def imported_name(module: cst.Module, name: str, local: Iterable[cst.CSTNode] = ()) -> str | None:
    """The name ``import name [as alias]`` binds for a statement: module-wide (imports under
    ``if``/``try`` count; those in functions, classes and ``if TYPE_CHECKING:`` do not), else
    among ``local``, the import statements at the top of its function before it."""
    for aliases in (_module_aliases(module), _statements_aliases(local)):
        for bound, target in aliases.items():
            if target == name and "." not in bound:
                return bound
    return None


def _statements_aliases(statements: Iterable[cst.CSTNode]) -> dict[str, str]:
    collector = _ImportCollector()
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):  # run for sure, not under a condition
            statement.visit(collector)
    return collector.aliases


def _collect_aliases(module: cst.Module, module_scope: bool = False) -> dict[str, str]:
    collector = _ModuleScopeImportCollector() if module_scope else _ImportCollector()
    module.visit(collector)
    return collector.aliases


def resolve(node: cst.BaseExpression, aliases: Mapping[str, str]) -> str | None:
    """``subprocess.run`` for ``sp.run`` after ``import subprocess as sp``; the dotted text when
    the base name is not imported; ``None`` when ``node`` is not a Name/Attribute chain."""
    name = dotted_name(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head in aliases:
        return f"{aliases[head]}.{rest}" if rest else aliases[head]
    return name


def imported_modules(aliases: Mapping[str, str]) -> set[str]:
    """Top-level and dotted module names the imports mention (``mysql.connector`` -> both)."""
    return module_prefixes(aliases.values())


def module_prefixes(modules: Iterable[str]) -> set[str]:
    """Each dotted module name with its packages (``mysql.connector`` -> ``mysql`` too)."""
    found: set[str] = set()
    for module in modules:
        parts = module.split(".")
        found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return found


_aliases: ModuleMemo[dict[str, str]] = ModuleMemo(_collect_aliases)
_module_aliases: ModuleMemo[dict[str, str]] = ModuleMemo(lambda module: _collect_aliases(module, module_scope=True))


class _ImportCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                self.aliases.setdefault(head, head)
                # ``import mysql.connector`` binds ``mysql``; keep the full name findable too.
                self.aliases.setdefault(full, full)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = dotted_name(node.module)
        if base is None:
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{base}.{name}"


class _ModuleScopeImportCollector(ModuleScopeVisitor, _ImportCollector):
    """The imports that bind module-wide names at run time."""


class NodeSwapper(cst.CSTTransformer):
    """Replaces nodes of the original tree, found by identity, with new ones.

    Args:
        replacements: original node -> replacement (``cst.RemovalSentinel.REMOVE`` drops it), or
            a function of the updated node for edits that keep what was rewritten inside it.
    """

    def __init__(self, replacements: Mapping[cst.CSTNode, object]) -> None:
        super().__init__()
        self.replacements = dict(replacements)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        if original_node in self.replacements:
            replacement = self.replacements[original_node]
            return replacement(updated_node) if callable(replacement) else replacement
        return super().on_leave(original_node, updated_node)


def statement_at(module: cst.Module, positions: Mapping[cst.CSTNode, object], line: int) -> cst.CSTNode | None:
    """The innermost simple statement line covering ``line``, or a compound statement whose first
    line is ``line`` (its header)."""
    best: cst.CSTNode | None = None

    class _Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal best
            pos = positions.get(node)
            if pos is None:
                return True
            if not pos.start.line <= line <= pos.end.line:
                return False
            if isinstance(node, cst.SimpleStatementLine):
                best = node
                return False
            if isinstance(node, cst.BaseCompoundStatement) and pos.start.line == line:
                best = node
            return True

    module.visit(_Finder())
    return best


@dataclass(frozen=True)
class Located:
    """A module parsed with the metadata the multi-statement operators need, and one statement.

    Args:
        module: the parsed module.
        positions: libcst positions of its nodes.
        parents: libcst parent map.
        aliases: ``import_aliases(module)``.
        statement: the statement at the requested line (``statement_at``).
    """

    module: cst.Module
    positions: Mapping[cst.CSTNode, object]
    parents: Mapping[cst.CSTNode, cst.CSTNode]
    aliases: dict[str, str]
    statement: cst.CSTNode


def locate(source: str, line: int) -> Located | None:
    """``source`` parsed with positions, parents and imports, and its statement at ``line``;
    ``None`` when it does not parse or no statement is there."""
    module = parse(source)
    if module is None:
        return None
    wrapper = wrapper_of(module)
    positions = wrapper.resolve(PositionProvider)
    statement = statement_at(module, positions, line)
    if statement is None:
        return None
    return Located(module, positions, wrapper.resolve(ParentNodeProvider), import_aliases(module), statement)


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call in ``node``, outer calls before the calls in their arguments."""
    calls: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            calls.append(call)

    node.visit(_Calls())
    return calls


def call_args(call: cst.Call) -> tuple[list[cst.Arg], dict[str, cst.Arg]] | None:
    """(positional args, keyword args by name), or ``None`` when ``*``/``**`` make them unknown."""
    positional: list[cst.Arg] = []
    keywords: dict[str, cst.Arg] = {}
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg)
        else:
            keywords[arg.keyword.value] = arg
    return positional, keywords
