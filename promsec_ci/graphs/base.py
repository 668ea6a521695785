"""What every graph builder produces before it becomes a tensor: node specs plus typed edges."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from promsec_ci.graphs.features import TaintTracker, node_features
from promsec_ci.graphs.source import ParsedUnit
from promsec_ci.records import Finding

# Edge types (edge_attr is one-hot over these, then the same again for reversed edges).
SEQ, TRUE, FALSE, LOOP_BACK, BREAK, CONTINUE, EXCEPT, WITH, RETURN, CHILD, DEF_USE = range(11)
EDGE_TYPES = ("seq", "true", "false", "loop-back", "break", "continue", "except", "with", "return",
              "child", "def-use")


@dataclass
class NodeSpec:
    """One node: its kind, the ``ast`` nodes executing there, its statement and file lines."""

    kind: str
    parts: list[ast.AST]
    start: int
    end: int
    stmt: ast.AST | None = None


@dataclass
class RawGraph:
    """A graph in plain Python: feature rows, file lines and spans per node, typed edges."""

    x: list[list[float]]
    lines: list[int]
    spans: list[tuple[int, int]]
    edges: list[tuple[int, int, int]] = field(default_factory=list)


def featurize(parsed: ParsedUnit, specs: Sequence[NodeSpec], edges: list[tuple[int, int, int]],
              findings: Sequence[Finding]) -> RawGraph:
    """Feature rows for ``specs`` (in source order, so taint flows forward), findings on the
    innermost node whose span holds their first line."""
    on_node: dict[int, list[Finding]] = {}
    for finding in findings:
        index = node_at(specs, finding.start_line)
        if index is not None:
            on_node.setdefault(index, []).append(finding)
    taint = TaintTracker(parsed)
    rows = []
    for i, spec in enumerate(specs):
        nodes = [n for part in spec.parts for n in ast.walk(part)]
        flags = taint.flags(nodes)
        rows.append(node_features(spec.kind, nodes, parsed, flags, on_node.get(i, ())))
        if spec.stmt is not None:
            taint.update(spec.stmt, flags)
    return RawGraph(x=rows, lines=[s.start for s in specs], spans=[(s.start, s.end) for s in specs], edges=edges)


def node_at(specs: Sequence[NodeSpec], line: int) -> int | None:
    """Index of the innermost (shortest-span) node whose span holds ``line``."""
    best, width = None, None
    for i, spec in enumerate(specs):
        if spec.kind == "Exit" or not spec.start <= line <= spec.end:
            continue
        if width is None or spec.end - spec.start < width:
            best, width = i, spec.end - spec.start
    return best
