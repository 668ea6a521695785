"""Data-flow graph of a unit: the CFG's statement nodes, with an edge from every statement that
defines a name to each later statement that reads it (def-use, in source order; a loop-carried
use reads every definition in the loop)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from promsec_ci.graphs.base import DEF_USE, NodeSpec, RawGraph, featurize
from promsec_ci.graphs.source import OPAQUE, ParsedUnit, header_end, header_parts
from promsec_ci.records import Finding


def _statements(body: Sequence[ast.stmt], top: bool) -> list[ast.AST]:
    out: list[ast.AST] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, OPAQUE) and not (top and len(body) == 1):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                out.extend(_statements(inner, False))
        for handler in getattr(stmt, "handlers", []) or []:
            out.append(handler)
            out.extend(_statements(handler.body, False))
        for case in getattr(stmt, "cases", []) or []:
            out.extend(_statements(case.body, False))
    return out


def _defs_uses(stmt: ast.AST) -> tuple[set[str], set[str]]:
    defs: set[str] = set()
    uses: set[str] = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = stmt.args
        defs |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        defs |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    if isinstance(stmt, OPAQUE):
        defs.add(stmt.name)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        defs |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, ast.ExceptHandler) and stmt.name:
        defs.add(stmt.name)
    for part in header_parts(stmt):
        for node in ast.walk(part):
            if isinstance(node, ast.Name):
                (defs if isinstance(node.ctx, (ast.Store, ast.Del)) else uses).add(node.id)
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        uses.add(stmt.target.id)
    return defs, uses


def build_dfg(parsed: ParsedUnit, findings: Sequence[Finding] = ()) -> RawGraph:
    """The DFG of a parsed unit (see module docstring)."""
    off = parsed.offset
    stmts = _statements(parsed.body, True)
    specs = [NodeSpec("ExceptHandler" if isinstance(s, ast.ExceptHandler) else type(s).__name__,
                      header_parts(s), s.lineno + off, header_end(s) + off, s) for s in stmts]
    loops = [(s.lineno, s.end_lineno or s.lineno) for s in stmts if isinstance(s, (ast.For, ast.AsyncFor, ast.While))]
    info = [_defs_uses(s) for s in stmts]
    edges: list[tuple[int, int, int]] = []
    for j, (_, uses) in enumerate(info):
        line_j = stmts[j].lineno
        for i, (defs, _) in enumerate(info):
            if i == j or not uses & defs:
                continue
            line_i = stmts[i].lineno
            same_loop = any(a <= line_i <= b and a <= line_j <= b for a, b in loops)
            if i < j or same_loop:
                edges.append((i, j, DEF_USE))
    if not specs:
        specs.append(NodeSpec("Unparsable", [], off + 1, off + 1))
    return featurize(parsed, specs, edges, findings)
