"""AST graph of a unit: one node per syntax node (expression contexts dropped), parent -> child
edges. Statement nodes carry the analyzer findings on their line; a call node carries its API
tokens and risky keyword arguments."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from promsec_ci.graphs.base import CHILD, NodeSpec, RawGraph, featurize
from promsec_ci.graphs.source import ParsedUnit
from promsec_ci.records import Finding

_SKIP = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def build_ast(parsed: ParsedUnit, findings: Sequence[Finding] = ()) -> RawGraph:
    """The AST graph of a parsed unit (see module docstring)."""
    specs: list[NodeSpec] = []
    edges: list[tuple[int, int, int]] = []
    off = parsed.offset

    def visit(node: ast.AST, parent: int | None, line: int) -> None:
        line = getattr(node, "lineno", None) or line
        end = getattr(node, "end_lineno", None) or line
        # A statement's own node is its header; expression nodes are themselves (no children: those
        # get their own nodes and pass features along edges).
        parts = [node] if isinstance(node, (ast.Call, ast.BinOp, ast.JoinedStr, ast.Name, ast.Attribute)) else []
        stmt = node if isinstance(node, ast.stmt) else None
        if isinstance(node, ast.stmt):
            end = line if hasattr(node, "body") else end
        specs.append(NodeSpec(type(node).__name__, parts, line + off, end + off, stmt))
        index = len(specs) - 1
        if parent is not None:
            edges.append((parent, index, CHILD))
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _SKIP):
                visit(child, index, line)

    for stmt in parsed.body:
        visit(stmt, None, stmt.lineno)
    if not specs:
        specs.append(NodeSpec("Unparsable", [], off + 1, off + 1))
    return featurize(parsed, specs, edges, findings)
