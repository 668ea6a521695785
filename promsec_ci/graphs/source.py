"""Parse a unit's text into statements, with absolute file lines and the names in scope.

``Unit.source`` keeps the unit's indentation; it is dedented before parsing, and when dedent
cannot help (a continuation line less indented than the first) the text is wrapped in an
``if 1:`` block. Line numbers are mapped back to the file with ``offset``.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field

from promsec_ci.records import Unit

# Statements whose body belongs to another unit: one node, never descended into.
OPAQUE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class ParsedUnit:
    """A unit parsed once, shared by the graph builders and the featurizer.

    Args:
        body: the statements that make up the unit (``[FunctionDef]`` for a function unit).
        offset: add to an ``ast`` line number to get the file line.
        imports: local name -> dotted module path, from the module text and the unit itself.
        params: parameter names of the unit's function (empty for module-level code).
    """

    body: list[ast.stmt]
    offset: int
    imports: dict[str, str] = field(default_factory=dict)
    params: frozenset[str] = frozenset()

    def file_line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1) + self.offset


def parse_unit(unit: Unit, module_text: str | None = None) -> ParsedUnit:
    """Parse ``unit.source``; an unparsable unit gives an empty body."""
    body, offset = _parse_body(unit.source)
    imports = dict(COMMON_ALIASES)
    if module_text:
        try:
            imports.update(import_map(ast.parse(module_text).body))
        except (SyntaxError, ValueError, RecursionError):
            pass
    for stmt in body:
        imports.update(import_map(list(ast.walk(stmt))))
    params: frozenset[str] = frozenset()
    if len(body) == 1 and isinstance(body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = body[0].args
        names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
        names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        params = frozenset(n for n in names if n not in ("self", "cls"))
    return ParsedUnit(body=body, offset=offset + unit.start_line - 1, imports=imports, params=params)


def _parse_body(source: str) -> tuple[list[ast.stmt], int]:
    text = source.replace("\r\n", "\n")
    try:
        return ast.parse(textwrap.dedent(text)).body, 0
    except (SyntaxError, ValueError, RecursionError):
        pass
    if text[:1].isspace():
        try:
            wrapped = ast.parse("if 1:\n" + text).body
            return wrapped[0].body, -1  # type: ignore[attr-defined]
        except (SyntaxError, ValueError, RecursionError, IndexError, AttributeError):
            pass
    return [], 0


# Aliases common enough in generated code that resolving them without the module text pays off.
COMMON_ALIASES = {"sp": "subprocess", "np": "numpy", "pd": "pandas", "ET": "xml.etree.ElementTree"}


def import_map(nodes: list[ast.AST]) -> dict[str, str]:
    """Local name -> dotted origin for every ``import``/``from ... import`` among ``nodes``."""
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def header_parts(stmt: ast.AST) -> list[ast.AST]:
    """The parts of a statement that execute at its own node: a compound statement's header
    (test, iterator, context managers, decorators), a simple statement whole."""
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return list(stmt.items)
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        return []
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*stmt.decorator_list, stmt.args]
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    if isinstance(stmt, ast.ExceptHandler):
        return [stmt.type] if stmt.type is not None else []
    return [stmt]


def header_end(stmt: ast.AST) -> int:
    """Last ``ast`` line of the statement's own node (the header of a compound statement)."""
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return max(stmt.lineno, body[0].lineno - 1)
    return stmt.end_lineno or stmt.lineno


def walk_header(stmt: ast.AST):
    """Every ``ast`` node in the statement's header (see ``header_parts``)."""
    for part in header_parts(stmt):
        yield from ast.walk(part)
