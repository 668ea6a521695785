from promsec_ci.graphs import build_raw
from promsec_ci.graphs.features import KINDS

from .helpers import unit_of


def test_ast_graph_is_a_tree_of_syntax_nodes():
    unit, _ = unit_of("""\
        def f(x):
            return g(x)
        """, 2)
    raw = build_raw(unit, "ast")
    kinds = [KINDS[row.index(1.0)] for row in raw.x]
    assert kinds[:2] == ["FunctionDef", "arguments"]
    assert "Call" in kinds and "Return" in kinds
    assert len(raw.edges) == len(raw.x) - 1  # a tree
    assert all(raw.lines[d] >= raw.lines[s] for s, d, _ in raw.edges)
