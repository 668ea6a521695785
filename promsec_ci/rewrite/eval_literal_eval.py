"""B307 / CWE-95: ``eval(text)`` that parses data -> ``ast.literal_eval(text)``.

Only when the evidence says the text is a Python literal (``eval_intent``): a constant that
``ast.literal_eval`` accepts, or names and uses that show data (``rows = eval(line)`` then
``rows[0]``). ``literal_eval`` gives the same value for every literal and refuses code.
``eval`` with globals/locals is real code evaluation and is left alone.

Sample::

    last = f.readline()                 last = f.readline()
    if last.startswith("["):        ->  if last.startswith("["):
        seq = eval(last)[1]                 seq = ast.literal_eval(last)[1]
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ParentNodeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import StatementTransformer, enclosing_scope, rewrite_at
from promsec_ci.rewrite.eval_intent import DATA, eval_intent
from promsec_ci.rewrite.resolve import import_aliases, imported_name


class EvalTransformer(StatementTransformer):
    """Replaces ``eval(x)`` calls of the target statement whose intent is ``intent``.

    Args:
        line: the target statement's line.
        intent: ``data`` or ``arithmetic``.
    """

    def __init__(self, line: int, intent: str) -> None:
        super().__init__(line)
        self.intent = intent
        self.aliases: dict[str, str] = {}
        self.module: cst.Module | None = None

    def visit_Module(self, node: cst.Module) -> bool:
        self.aliases = import_aliases(node)
        self.module = node
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target or not _is_builtin_eval(original_node, self.aliases):
            return updated_node
        parents = self.metadata[ParentNodeProvider]
        if eval_intent(original_node, parents, enclosing_scope(original_node, parents)) != self.intent:
            return updated_node
        return self.replacement(updated_node)

    def replacement(self, call: cst.Call) -> cst.BaseExpression:
        name = imported_name(self.module, "ast") if self.module is not None else None
        if name is None:
            name = "ast"
            self.add_import("ast")
        return call.with_changes(func=cst.Attribute(value=cst.Name(name), attr=cst.Name("literal_eval")))


def _is_builtin_eval(call: cst.Call, aliases: dict[str, str]) -> bool:
    func = call.func
    if not isinstance(func, cst.Name) or func.value != "eval" or "eval" in aliases:
        return False
    return len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star


class EvalLiteralEvalOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="eval-literal-eval",
        cwes=(95,),
        rule_ids=("B307",),
        directive="Parse the literal data with ast.literal_eval instead of evaluating it as code with eval.",
        summary="Use ast.literal_eval for text that holds a Python literal.",
        references=(
            "https://cwe.mitre.org/data/definitions/95.html",
            "https://docs.python.org/3/library/ast.html#ast.literal_eval",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        result = rewrite_at(source, EvalTransformer(line, DATA))
        if result is None:
            return None
        text, imports = result
        return Rewrite(text=text, line=line, imports=imports)


EvalLiteralEval = EvalLiteralEvalOperator()
