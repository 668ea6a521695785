from promsec_ci.graphs import build_raw
from promsec_ci.graphs.base import DEF_USE

from .helpers import unit_of


def test_def_use_edges_follow_names():
    unit, _ = unit_of("""\
        def f(a):
            b = a + 1
            c = 2
            for i in range(b):
                c = c + i
            return c
        """, 2)
    raw = build_raw(unit, "dfg")
    edges = {(raw.lines[s], raw.lines[d]) for s, d, t in raw.edges if t == DEF_USE}
    assert (1, 2) in edges  # parameter a
    assert (2, 4) in edges  # b
    assert (3, 5) in edges and (5, 6) in edges and (4, 5) in edges
    assert (5, 5) not in edges
    assert (3, 4) not in edges  # c is not read by the for header
