"""Control-flow graph of a unit: one node per statement (a compound statement's node is its
header), edges for sequence, branches, loop back, break/continue, try/except, with and return,
plus one synthetic ``Exit`` node."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from promsec_ci.graphs.base import (
    BREAK,
    CONTINUE,
    EXCEPT,
    FALSE,
    LOOP_BACK,
    RETURN,
    SEQ,
    TRUE,
    WITH,
    NodeSpec,
    RawGraph,
    featurize,
)
from promsec_ci.graphs.source import OPAQUE, ParsedUnit, header_end, header_parts
from promsec_ci.records import Finding

Preds = list[tuple[int, int]]  # (node index, edge type) flowing into the next statement


class _Builder:
    def __init__(self, parsed: ParsedUnit) -> None:
        self.parsed = parsed
        self.specs: list[NodeSpec] = []
        self.edges: list[tuple[int, int, int]] = []
        self.returns: list[int] = []
        self.loops: list[tuple[int, list[int]]] = []  # (header node, break nodes)

    def node(self, stmt: ast.stmt, kind: str | None = None) -> int:
        off = self.parsed.offset
        self.specs.append(NodeSpec(kind or type(stmt).__name__, header_parts(stmt), stmt.lineno + off,
                                   header_end(stmt) + off, stmt))
        return len(self.specs) - 1

    def link(self, preds: Preds, target: int) -> None:
        self.edges.extend((src, target, etype) for src, etype in preds)

    def block(self, stmts: Sequence[ast.stmt], preds: Preds) -> Preds:
        for stmt in stmts:
            preds = self.statement(stmt, preds)
        return preds

    def statement(self, stmt: ast.stmt, preds: Preds) -> Preds:
        n = self.node(stmt)
        self.link(preds, n)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and not self.specs[:-1]:
            return self.block(stmt.body, [(n, SEQ)])  # the unit's own def: its body is the graph
        if isinstance(stmt, OPAQUE):
            return [(n, SEQ)]
        if isinstance(stmt, ast.If):
            body = self.block(stmt.body, [(n, TRUE)])
            orelse = self.block(stmt.orelse, [(n, FALSE)]) if stmt.orelse else [(n, FALSE)]
            return body + orelse
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            self.loops.append((n, []))
            body = self.block(stmt.body, [(n, TRUE)])
            self.link([(src, LOOP_BACK) for src, _ in body], n)
            _, breaks = self.loops.pop()
            after = self.block(stmt.orelse, [(n, FALSE)]) if stmt.orelse else [(n, FALSE)]
            return after + [(b, BREAK) for b in breaks]
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self.block(stmt.body, [(n, WITH)])
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return self.try_statement(stmt, n)
        if isinstance(stmt, ast.Match):
            exits: Preds = []
            for case in stmt.cases:
                exits += self.block(case.body, [(n, TRUE)])
            return exits + [(n, FALSE)]
        if isinstance(stmt, (ast.Return, ast.Raise)):
            self.returns.append(n)
            return []
        if isinstance(stmt, ast.Break):
            if self.loops:
                self.loops[-1][1].append(n)
            return []
        if isinstance(stmt, ast.Continue):
            if self.loops:
                self.edges.append((n, self.loops[-1][0], CONTINUE))
            return []
        return [(n, SEQ)]

    def try_statement(self, stmt: ast.Try, n: int) -> Preds:
        body = self.block(stmt.body, [(n, SEQ)])
        exits = self.block(stmt.orelse, body) if stmt.orelse else body
        for handler in stmt.handlers:
            h = self.node(handler, "ExceptHandler")
            self.edges.append((n, h, EXCEPT))
            exits = exits + self.block(handler.body, [(h, SEQ)])
        if stmt.finalbody:
            exits = self.block(stmt.finalbody, exits)
        return exits


def build_cfg(parsed: ParsedUnit, findings: Sequence[Finding] = ()) -> RawGraph:
    """The CFG of a parsed unit (see module docstring)."""
    builder = _Builder(parsed)
    exits = builder.block(parsed.body, [])
    end = max([s.end for s in builder.specs], default=parsed.offset + 1)
    builder.specs.append(NodeSpec("Exit" if parsed.body else "Unparsable", [], end, end))
    exit_node = len(builder.specs) - 1
    builder.link(exits, exit_node)
    builder.edges.extend((r, exit_node, RETURN) for r in builder.returns)
    return featurize(parsed, builder.specs, builder.edges, findings)
