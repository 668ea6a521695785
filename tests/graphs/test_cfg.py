from promsec_ci.graphs import build_raw
from promsec_ci.graphs.base import BREAK, CONTINUE, EXCEPT, FALSE, LOOP_BACK, RETURN, SEQ, TRUE, WITH

from .helpers import unit_of

SOURCE = """\
def f(items):
    total = 0
    for item in items:
        if item < 0:
            continue
        if item > 9:
            break
        total += item
    try:
        with open("x") as fh:
            fh.read()
    except OSError:
        return -1
    return total
"""


def _edges_by_line(raw):
    return {(raw.lines[s], raw.lines[d], t) for s, d, t in raw.edges}


def test_cfg_nodes_are_statements_with_file_lines():
    unit, _ = unit_of(SOURCE, 2)
    raw = build_raw(unit, "cfg")
    # def + 12 statements + except handler + exit node (at the last line)
    assert raw.lines == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14]


def test_cfg_edge_types():
    unit, _ = unit_of(SOURCE, 2)
    edges = _edges_by_line(build_raw(unit, "cfg"))
    assert (1, 2, SEQ) in edges
    assert (3, 4, TRUE) in edges and (4, 5, TRUE) in edges and (4, 6, FALSE) in edges
    assert (5, 3, CONTINUE) in edges
    assert (8, 3, LOOP_BACK) in edges
    assert (7, 9, BREAK) in edges and (3, 9, FALSE) in edges
    assert (9, 12, EXCEPT) in edges and (10, 11, WITH) in edges
    assert (13, 14, RETURN) in edges  # return -> exit node


def test_indented_method_maps_to_file_lines():
    unit, _ = unit_of("""\
        class A:
            def m(self, q):
                x = q
                return x
        """, 3)
    assert unit.name == "A.m"
    raw = build_raw(unit, "cfg")
    assert raw.lines[:3] == [2, 3, 4]


def test_unparsable_unit_gives_one_node():
    from promsec_ci.records import Unit

    raw = build_raw(Unit("m.py", "f", "function", 5, 6, "def f(:\n  pass\n"), "cfg")
    assert len(raw.x) == 1 and raw.edges == []
