"""B307 / CWE-95: ``eval(text)`` that computes arithmetic -> a small safe evaluator.

When the evidence says the text is an arithmetic expression (``eval_intent``: a constant only
the arithmetic evaluator accepts, or names and uses such as ``expression``, ``formula``,
``float(...)``), the call becomes ``_safe_arithmetic_eval(text)``, a helper added once per
module after its imports: it walks the ``ast`` and allows numbers, ``+ - * / // % **``, unary
``+ -`` and parentheses only (exponents above 1000 are refused), raising ``ValueError`` otherwise.
The helper imports ``ast`` and ``operator`` in its own body: the module may bind those names to
something else (``operator = Calculator()``, ``del operator``), which the helper must not read.

Sample::

    result = eval(request.args["expression"])
    ->  result = _safe_arithmetic_eval(request.args["expression"])
        (+ ``def _safe_arithmetic_eval(expression): import ast; import operator; ...``)
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import parse, rewrite_at
from promsec_ci.rewrite.eval_intent import ARITHMETIC, HELPER_NAME, helper_source
from promsec_ci.rewrite.eval_literal_eval import EvalTransformer


class _Transformer(EvalTransformer):
    def replacement(self, call: cst.Call) -> cst.BaseExpression:
        return call.with_changes(func=cst.Name(HELPER_NAME))


def _self_contained(helper: cst.FunctionDef) -> cst.FunctionDef:
    """``helper`` with ``import ast`` and ``import operator`` after its docstring."""
    imports = [cst.parse_statement("import ast"), cst.parse_statement("import operator")]
    body = list(helper.body.body)
    return helper.with_deep_changes(helper.body, body=[*body[:1], *imports, *body[1:]])


def add_helper(text: str) -> str | None:
    """``text`` with ``_safe_arithmetic_eval`` defined after its imports (once)."""
    module = parse(text)
    if module is None:
        return None
    if any(isinstance(s, cst.FunctionDef) and s.name.value == HELPER_NAME for s in module.body):
        return text
    try:
        helper = cst.parse_statement(helper_source())
    except (OSError, TypeError, cst.ParserSyntaxError):
        return None
    if not isinstance(helper, cst.FunctionDef):
        return None
    helper = _self_contained(helper)
    body = list(module.body)
    after = 0
    for index, statement in enumerate(body):
        if _is_import_or_docstring(statement):
            after = index + 1
        else:
            break
    two_blank = [cst.EmptyLine(), cst.EmptyLine()]
    helper = helper.with_changes(leading_lines=two_blank if after else [])
    if after < len(body):
        following = body[after]
        blank = sum(1 for line in following.leading_lines if line.comment is None)
        if blank < 2:
            following = following.with_changes(leading_lines=two_blank[blank:] + list(following.leading_lines))
        body[after] = following
    body.insert(after, helper)
    return module.with_changes(body=body).code


def _is_import_or_docstring(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return all(isinstance(small, (cst.Import, cst.ImportFrom))
               or (isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)))
               for small in statement.body)


class EvalSafeArithmeticOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="eval-safe-arithmetic",
        cwes=(95,),
        rule_ids=("B307",),
        directive=("Compute the arithmetic expression with a small evaluator that only allows numbers and "
                   "arithmetic operators instead of eval."),
        summary="Evaluate arithmetic with an ast-based evaluator limited to numbers and arithmetic operators.",
        references=(
            "https://cwe.mitre.org/data/definitions/95.html",
            "https://docs.python.org/3/library/ast.html#ast.parse",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        result = rewrite_at(source, _Transformer(line, ARITHMETIC))
        if result is None:
            return None
        text, imports = result
        with_helper = add_helper(text)
        if with_helper is None:
            return None
        return Rewrite(text=with_helper, line=line, imports=imports)


EvalSafeArithmetic = EvalSafeArithmeticOperator()
