"""value_types: what the code around a statement shows of a value's type."""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from promsec_ci.rewrite.value_types import ValueTypes, is_number


def _types_at_last_statement(source: str) -> tuple[ValueTypes, cst.BaseExpression]:
    """The types seen at the function's last statement, ``use(value)``, and its ``value``."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    parents = wrapper.resolve(ParentNodeProvider)
    function = wrapper.module.body[-1]
    statement = function.body.body[-1]
    call = statement.body[0].value
    return ValueTypes(statement, parents), call.args[0].value


@pytest.mark.parametrize(("source", "kind", "single"), [
    ("def f(x: str):\n    use(x)\n", "str", True),
    ("def f(x: int):\n    use(x)\n", "number", True),
    ("def f(x: str = None):\n    use(x)\n", None, True),  # None too: unknown, but one value
    ("def f(x):\n    use(x)\n", None, True),  # a plain parameter
    ("def f(x):\n    x = x.strip()\n    use(x)\n", "str", True),
    ("def f(rows):\n    for x in rows:\n        pass\n    use(x)\n", None, False),  # a loop target
    ("def f(cur):\n    x = cur.fetchone()\n    use(x)\n", None, False),
    ("def f(a):\n    x = (a,)\n    use(x)\n", None, False),
    ("def f(*x):\n    use(x)\n", None, False),
    ("def f(a, b):\n    x, y = a, b\n    use(x)\n", None, False),  # unpacking
    ("def f(a):\n    x = a\n    use(x)\n", None, False),  # whatever ``a`` is
    ("def f(cur):\n    x = cur.fetchall()[0]\n    use(x)\n", None, False),  # a row of the fetched rows
    ("def f(cur):\n    rows = cur.fetchall()\n    use(rows[0])\n", None, False),
    ("def f(cur):\n    use(cur.fetchmany(2)[1])\n", None, False),
    ("def f(cur):\n    rows = cur.fetchall()\n    use(rows[0][1])\n", None, True),  # an item of a row
    ("def f(cur):\n    x = cur.fetchone()[0]\n    use(x)\n", None, True),
    ("def f(rows):\n    use(rows[0])\n", None, True),  # a plain parameter's item
    ("def f(cur):\n    for row in cur.fetchall():\n        pass\n    use(row[0])\n", None, True),  # a row's item
])
def test_kind_and_single(source, kind, single):
    types, value = _types_at_last_statement(source)
    assert types.kind(value) == kind
    assert types.single(value) is single


@pytest.mark.parametrize(("expression", "number"), [
    ("5", True), ("len(x)", True), ("-n * 2", True), ("n % 2", False), ("x", False), ("'5'", False),
])
def test_is_number(expression, number):
    assert is_number(cst.parse_expression(expression)) is number


@pytest.mark.parametrize("source", [
    "def f():\n    x = 'a'\n\n    def g():\n        nonlocal x\n        x = 5\n    g()\n    use(x)\n",
    "def f():\n    x = 'a'\n    [x := 5 for _ in range(1)]\n    use(x)\n",
], ids=["nonlocal", "walrus-in-comprehension"])
def test_a_nested_scope_rebinding_the_name_leaves_it_unknown(source):
    # Measured: x was taken for text, so "INSERT INTO t VALUES ('%s')" % x became (?, (x,)) and
    # sqlite stored the integer 5 where the original stored the text '5'.
    types, value = _types_at_last_statement(source)
    assert types.kind(value) is None
