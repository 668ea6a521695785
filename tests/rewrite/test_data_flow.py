"""data_flow: one assignment, its one reader, and nothing reading the old value afterwards."""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from promsec_ci.rewrite.data_flow import find_assignment, names, single_use, stored
from promsec_ci.rewrite.resolve import statement_at


def flow_of(body: str, line: int = 3):
    source = "def f(x, rows, log, run):\n" + "".join(f"    {s}\n" for s in body.split("\n"))
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    statement = statement_at(module, wrapper.resolve(PositionProvider), line)
    return single_use(statement, wrapper.resolve(ParentNodeProvider))


@pytest.mark.parametrize(
    "body",
    [
        "q = x + 1\nrun(q)",
        "q = x + 1\nlog(1)\nrun(q)\nq = 2\nrun(q)",
        "q = x + 1\nif x:\n    run(q)",
        "q = x + 1\nrun(q)\nfor r in rows:\n    q = r\n    run(q)",
    ],
    ids=["next", "rebound-after", "nested-reader", "rebound-in-loop"],
)
def test_single_use(body):
    flow = flow_of(body, 2)
    assert flow is not None and flow.use.value == "q"


@pytest.mark.parametrize(
    "body",
    [
        "q = x + 1",
        "q = x + 1\nrun(q, q)",
        "q = x + 1\nrun(q)\nlog(q)",
        "q = x + 1\nrun(q)\nif x:\n    q = 2\nlog(q)",
        "q = x + 1\nrun(q)\nfor r in rows:\n    q = r\nlog(q)",
        "q = x + 1\nq += 'a'\nrun(q)",
        "q = x + 1\nrun(q)\nq = q + 'a'",
    ],
    ids=["unread", "read-twice", "read-after", "conditional-rebind", "loop-then-read", "augmented", "self-rebind"],
)
def test_not_single_use(body):
    assert flow_of(body, 2) is None


def test_find_assignment_walks_out_of_blocks():
    source = "def f(x):\n    q = x + 1\n    if x:\n        run(q)\n"
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    parents = wrapper.resolve(ParentNodeProvider)
    inner = statement_at(module, wrapper.resolve(PositionProvider), 4)
    assert find_assignment(inner, "q", parents, lambda v: True) is not None
    assert find_assignment(inner, "q", parents, lambda v: False) is None


def test_names_and_stores():
    node = cst.parse_module("a.b = c[d]\nfor e in f: g += h.i\n")
    assert sorted(names(node)) == ["a", "c", "d", "e", "f", "g", "h"]
    assert stored(node) == {"a.b", "e", "g"}
