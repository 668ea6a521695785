"""eval-safe-arithmetic: eval computing arithmetic -> the module's _safe_arithmetic_eval helper."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.eval_safe_arithmetic import EvalSafeArithmetic
from tests.rewrite.injection_check import refuses, rules, run_module

CALCULATOR = """\
\"\"\"A calculator endpoint.\"\"\"
from flask import request
app = None


def calc():
    result = eval(request.args["expression"])
    return round(result, 2)


def twice(formula):
    return 2 * eval(formula)
"""


def test_rewrite_adds_helper_once_and_clears_both_findings():
    first = EvalSafeArithmetic.apply(CALCULATOR, 7)
    assert first is not None
    assert "    result = _safe_arithmetic_eval(request.args[\"expression\"])\n" in first.text
    assert first.imports == ()  # the helper imports what it uses itself
    second = EvalSafeArithmetic.apply(first.text, first.text.splitlines().index("    return 2 * eval(formula)") + 1)
    assert second is not None
    assert second.text.count("def _safe_arithmetic_eval(") == 1
    assert rules(CALCULATOR)["B307"] == 2
    assert rules(second.text)["B307"] == 0
    assert not rules(second.text) - rules(CALCULATOR)
    # the module's own lines outside the edits are untouched, in order
    kept = [line for line in CALCULATOR.splitlines() if line.strip() and "eval(" not in line]
    lines = second.text.splitlines()
    assert [line for line in lines if line in kept] == kept
    assert lines[0] == '"""A calculator endpoint."""'


@pytest.mark.parametrize(
    ("expression", "value"),
    [("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("-2 ** 2", -4), ("7 // 2 + 7 % 2", 4), ("1 / 4", 0.25),
     (" 2 ** 10 ", 1024), ("+3 - -3", 6)],
)
def test_helper_computes_arithmetic(tmp_path, expression, value):
    module = run_module(tmp_path, "calc", EvalSafeArithmetic.apply(CALCULATOR, 7).text)
    assert module["_safe_arithmetic_eval"](expression) == value


@pytest.mark.parametrize("expression", ["__import__('os').system('id')", "x + 1", "[1, 2]", "'a' * 3", "2 ** 100000",
                                        "abs(-1)", "True + 1"])
def test_helper_refuses_everything_else(tmp_path, expression):
    module = run_module(tmp_path, "calc", EvalSafeArithmetic.apply(CALCULATOR, 7).text)
    with pytest.raises((ValueError, SyntaxError)):
        module["_safe_arithmetic_eval"](expression)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("def f(s):\n    return eval(s)\n", 2),
        ("def f(code, ctx):\n    return eval(code, ctx)\n", 2),
        ("x = eval('[1, 2]')\n", 1),
        ("def f(line):\n    rows = eval(line)\n    return rows[0]\n", 2),
    ],
    ids=["no-evidence", "globals", "literal-constant", "data-use"],
)
def test_refuses(source, line):
    assert refuses(EvalSafeArithmetic, source, line)


def test_constant_arithmetic():
    fixed = EvalSafeArithmetic.apply(dedent("""\
        import os

        TIMEOUT = eval("60 * 5")
        """), 3)
    assert fixed is not None
    assert fixed.text.startswith("import os\n\n\ndef _safe_arithmetic_eval(expression):\n")
    assert "\"\"\"\n    import ast\n    import operator\n    binary = " in fixed.text
    assert fixed.text.endswith('\n\n\nTIMEOUT = _safe_arithmetic_eval("60 * 5")\n')


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # The statement reads operator.round itself, yet the module's operator is not the module.
        ("class Calc:\n    def round(self, x):\n        return round(x, 2)\n\n\noperator = Calc()\n\n\n"
         "def calc(formula):\n    return operator.round(eval(formula))\n", 10),
        ("import operator\n\ndel operator\n\n\ndef calc(formula):\n    return eval(formula)\n", 7),
        ("import ast\n\n\nclass Tree:\n    def parse(self, x):\n        return x\n\n\nast = Tree()\n\n\n"
         "def calc(formula):\n    return ast.parse(eval(formula))\n", 13),
    ],
    ids=["operator-variable", "operator-deleted", "ast-variable"],
)
def test_helper_does_not_rely_on_module_names(tmp_path, source, line):
    fixed = EvalSafeArithmetic.apply(source, line)
    if fixed is not None:  # refusing is fine; a helper reading the module's rebound names is not
        assert run_module(tmp_path, "calc", fixed.text)["calc"]("1 + 2") == 3


def test_refuses_when_the_code_handles_evals_name_error(tmp_path):
    # eval("abc") raised NameError, handled; the helper raises ValueError, which escaped the
    # handler (measured: calc("abc") returned "Error", rewritten it raised ValueError).
    source = ("def calc(expression):\n    try:\n        result = eval(expression)\n"
              "    except (SyntaxError, NameError, ZeroDivisionError):\n        result = \"Error\"\n"
              "    return result\n")
    assert run_module(tmp_path, "calc", source)["calc"]("abc") == "Error"
    assert refuses(EvalSafeArithmetic, source, 3)
    caught = source.replace("ZeroDivisionError)", "ZeroDivisionError, ValueError)")
    assert EvalSafeArithmetic.apply(caught, 3) is not None


def test_refuses_where_the_module_imports_math(tmp_path):
    # The text may read the module's math (measured: calculate("math.sqrt(16)") gave 4.0,
    # rewritten ValueError: not an arithmetic expression).
    source = "import math\n\n\ndef calculate(expression):\n    result = eval(expression)\n    return round(result, 4)\n"
    assert run_module(tmp_path, "calc", source)["calculate"]("math.sqrt(16)") == 4.0
    assert refuses(EvalSafeArithmetic, source, 5)


def test_refuses_the_modules_own_eval():
    source = ("def eval(loader):\n    return sum(loader)\n\n\n"
              "def report(formula):\n    return round(eval(formula), 2)\n")
    assert refuses(EvalSafeArithmetic, source, 6)
