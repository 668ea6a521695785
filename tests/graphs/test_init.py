import pytest

from promsec_ci.graphs import EDGE_DIM, FEATURE_DIM, build_graph, graph_similarity

from .helpers import unit_of

A = """\
import subprocess


def a(host):
    cmd = "ping " + host
    subprocess.call(cmd, shell=True)
    return cmd


def b(host):
    cmd = "ping " + host
    subprocess.run(["ping", host])
    return cmd


def c(path):
    for line in open(path):
        if line:
            print(line)
"""


@pytest.mark.parametrize("kind", ["cfg", "ast", "dfg"])
def test_build_graph_shapes(kind):
    unit, text = unit_of(A, 4)
    graph = build_graph(unit, kind, module_text=text)
    data = graph.data
    assert data.x.shape == (len(graph.node_lines), FEATURE_DIM)
    assert data.edge_index.shape[0] == 2 and data.edge_attr.shape == (data.edge_index.shape[1], EDGE_DIM)
    assert int(data.edge_index.max()) < data.num_nodes
    assert graph.kind == kind


def test_node_at_finds_innermost_statement():
    unit, _ = unit_of(A, 16)
    graph = build_graph(unit)
    assert graph.node_lines[graph.node_at(18)] == 18
    assert graph.node_lines[graph.node_at(17)] == 17


def test_graph_similarity_orders_edits():
    ua, _ = unit_of(A, 4)
    ub, _ = unit_of(A, 10)
    uc, _ = unit_of(A, 16)
    same = graph_similarity(ua, ua)
    near = graph_similarity(ua, ub)
    far = graph_similarity(ua, uc)
    assert same == pytest.approx(1.0)
    assert 0.0 <= far < near < 1.0
