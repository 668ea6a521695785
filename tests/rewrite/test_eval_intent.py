"""eval_intent: data vs arithmetic, from constants, names and uses."""

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from promsec_ci.rewrite.cst_tools import enclosing_scope
from promsec_ci.rewrite.eval_intent import ARITHMETIC, DATA, constant_intent, eval_intent


def intent(source: str) -> str | None:
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    parents = wrapper.resolve(ParentNodeProvider)
    calls = [n for n in parents if isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == "eval"]
    assert len(calls) == 1
    return eval_intent(calls[0], parents, enclosing_scope(calls[0], parents))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(line):\n    rows = eval(line)\n    return rows[0]\n", DATA),
        ("def f(s):\n    for item in eval(s):\n        print(item)\n", DATA),
        ("def f(text):\n    settings = eval(text)\n", DATA),
        ("def f(expression):\n    return eval(expression)\n", ARITHMETIC),
        ("def f(s):\n    return float(eval(s))\n", ARITHMETIC),
        ("def f(s):\n    total = eval(s)\n    return total * 2\n", ARITHMETIC),
        ("def f(s):\n    return eval(s)\n", None),
        ("def f(data_expression):\n    return eval(data_expression)\n", None),
        ("def f(form):\n    return eval(form['expr'])\n", ARITHMETIC),
        ("def f():\n    return eval(input('Enter an expression: '))\n", ARITHMETIC),
        # A name looked up and called: an object, whatever the words say.
        ("def f(expr, a):\n    return eval(_convert_func[str(expr.func)])(a)\n", None),
        # Code built from an expression object: the words describe the object, not the text.
        ("def f(expr):\n    assert eval(srepr(expr)) == expr\n", None),
        # The code counts on eval's TypeError for non-strings; literal_eval raises ValueError.
        ("def f(stride):\n    try:\n        stride = eval(stride)\n    except TypeError:\n        pass\n"
         "    return stride[0]\n", None),
        # Math functions in the module's namespace: the text may call them ("log(pi)/2").
        ("from mpmath import *\n\n\ndef f(expression):\n    return eval(expression)\n", None),
        ("from math import sqrt\n\n\ndef f(s):\n    return float(eval(s))\n", None),
        # eval("math.sqrt(16)") gave 4.0; the evaluator raised ValueError (measured on a calculator).
        ("import math\n\n\ndef f(expression):\n    return round(eval(expression), 4)\n", None),
        ("import numpy as np\n\n\ndef f(s):\n    return float(eval(s))\n", None),
        ("from math import sqrt\n\n\ndef f(line):\n    rows = eval(line)\n    return rows[0]\n", DATA),
        # Text the function assembles with code in its pieces is code it writes.
        ("def f(n):\n    loop = 'for i0 in range(%i)' % n\n    list_comp = '[%s %s]' % ('i0', loop)\n"
         "    result = eval(list_comp)\n    return result[0]\n", None),
        ("def f(n):\n    text = 'sqrt(%s)' % n\n    return float(eval(text))\n", None),
        # Punctuation around data assembles a literal.
        ("def f(name, fields):\n    v = '{\"' + name + '\":' + str(fields) + '}'\n    s = eval(v)\n"
         "    del s['x']\n", DATA),
        # "result" names any value.
        ("def f(result):\n    return eval(result)\n", None),
    ],
)
def test_intent(source, expected):
    assert intent(source) == expected


@pytest.mark.parametrize(("text", "expected"), [("[1, 'a']", DATA), ("{'k': None}", DATA), ("2 * (3 + 4)", ARITHMETIC),
                                                ("open('x')", None), ("1 / 0", None), ("a + 1", None)])
def test_constant_intent(text, expected):
    assert constant_intent(text) == expected
