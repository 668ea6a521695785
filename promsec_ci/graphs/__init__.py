"""Code graphs of a unit (CFG, AST, DFG) as ``torch_geometric.data.Data``, and a parameter-free
graph similarity.

``build_graph(unit, "cfg")`` is what the gGAN and the verifier consume. Builders work in plain
Python (``RawGraph``); only ``to_data`` touches torch, imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promsec_ci.graphs.base import EDGE_TYPES, RawGraph
from promsec_ci.graphs.features import FEATURE_DIM
from promsec_ci.graphs.source import parse_unit
from promsec_ci.records import Finding, Unit

if TYPE_CHECKING:
    from torch_geometric.data import Data

GRAPH_KINDS = ("cfg", "ast", "dfg")
EDGE_DIM = 2 * len(EDGE_TYPES)  # forward types, then the same types reversed


@dataclass(frozen=True)
class CodeGraph:
    """One unit's graph.

    Args:
        data: ``Data(x=[N, FEATURE_DIM], edge_index=[2, E], edge_attr=[E, EDGE_DIM])``; every edge is
            present in both directions, the reverse copy typed ``len(EDGE_TYPES) + type``.
        node_lines: absolute file line of each node (a compound statement's first line).
        kind: ``cfg``, ``ast`` or ``dfg``.
        node_spans: (first, last) file line of each node's own code (a compound statement's header).
    """

    data: Data
    node_lines: tuple[int, ...]
    kind: str
    node_spans: tuple[tuple[int, int], ...] = ()

    def node_at(self, line: int) -> int | None:
        """Index of the innermost node whose span holds ``line``; ``None`` when none does."""
        best, width = None, None
        for i, (start, end) in enumerate(self.node_spans):
            if start <= line <= end and (width is None or end - start < width):
                best, width = i, end - start
        return best


def build_raw(unit: Unit, kind: str = "cfg", findings: Sequence[Finding] = (),
              module_text: str | None = None) -> RawGraph:
    """The graph of ``unit`` in plain Python lists (no torch)."""
    if kind not in GRAPH_KINDS:
        raise ValueError(f"graph kind must be one of {', '.join(GRAPH_KINDS)}, not {kind!r}")
    if unit.language == "java":  # tree-sitter front end, same feature layout
        from promsec_ci.java.graphs import build_java_raw

        return build_java_raw(unit, kind, findings, module_text)
    parsed = parse_unit(unit, module_text)
    if kind == "cfg":
        from promsec_ci.graphs.cfg import build_cfg

        return build_cfg(parsed, findings)
    if kind == "ast":
        from promsec_ci.graphs.ast import build_ast

        return build_ast(parsed, findings)
    from promsec_ci.graphs.dfg import build_dfg

    return build_dfg(parsed, findings)


def to_data(raw: RawGraph) -> Data:
    """A ``Data`` object with both edge directions and one-hot edge types."""
    import torch
    from torch_geometric.data import Data

    x = torch.tensor(raw.x, dtype=torch.float32).reshape(-1, FEATURE_DIM)
    n_types = len(EDGE_TYPES)
    src = [s for s, _, _ in raw.edges] + [d for _, d, _ in raw.edges]
    dst = [d for _, d, _ in raw.edges] + [s for s, _, _ in raw.edges]
    types = [t for _, _, t in raw.edges] + [n_types + t for _, _, t in raw.edges]
    edge_index = torch.tensor([src, dst], dtype=torch.long).reshape(2, -1)
    edge_attr = torch.zeros(len(types), EDGE_DIM)
    if types:
        edge_attr[torch.arange(len(types)), torch.tensor(types)] = 1.0
    return Data(x=x, edge_index=edge_index, edge_attr=edge_attr)


def build_graph(unit: Unit, kind: str = "cfg", findings: Sequence[Finding] = (),
                module_text: str | None = None) -> CodeGraph:
    """Build the code graph of ``unit``.

    Args:
        unit: the function, method or module-level statement (its source keeps its indentation).
        kind: ``cfg`` (default), ``ast`` or ``dfg``.
        findings: analyzer findings of the file; those inside a node's span mark that node.
        module_text: the whole file, so calls resolve through module-level imports.
    """
    raw = build_raw(unit, kind, findings, module_text)
    return CodeGraph(data=to_data(raw), node_lines=tuple(raw.lines), kind=kind, node_spans=tuple(raw.spans))


def embed(graph: Any, hops: int = 2):
    """Parameter-free embedding: concatenated sums of node features after 0..``hops`` rounds of
    mean aggregation over neighbours (a Weisfeiler-Lehman-style bag of neighbourhoods)."""
    import torch

    data = graph.data if isinstance(graph, CodeGraph) else graph
    h = data.x
    n = h.size(0)
    src, dst = data.edge_index
    deg = torch.zeros(n).index_add_(0, dst, torch.ones(dst.numel())).clamp(min=1).unsqueeze(1)
    parts = [h.sum(0)]
    for _ in range(hops):
        agg = torch.zeros_like(h).index_add_(0, dst, h[src]) / deg
        h = (h + agg) / 2
        parts.append(h.sum(0))
    return torch.cat(parts)


def cosine(a, b) -> float:
    """Cosine of two non-negative embeddings, clamped to [0, 1] (two empty graphs: 1)."""
    import torch

    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return float(torch.clamp(torch.dot(a, b) / (na * nb), 0.0, 1.0))


def graph_similarity(a: Unit, b: Unit, kind: str = "cfg") -> float:
    """Similarity in [0, 1] of two units' graphs (parameter-free embedding, cosine).

    Args:
        a: the original unit.
        b: the candidate unit.
        kind: graph kind to compare.
    """
    return cosine(embed(build_graph(a, kind)), embed(build_graph(b, kind)))


__all__ = ["CodeGraph", "EDGE_DIM", "FEATURE_DIM", "GRAPH_KINDS", "build_graph", "build_raw", "embed",
           "graph_similarity", "to_data"]
