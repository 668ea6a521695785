"""B701, CWE-79 / CWE-94: turn on Jinja2 autoescaping for HTML and XML templates.

Jinja2 does not escape by default, so any variable rendered into HTML is an XSS.
``select_autoescape()`` escapes ``.html``/``.htm``/``.xml`` templates and templates built from
strings, and leaves other templates (``.txt``, ``.sql``) as they were::

    env = jinja2.Environment(loader=loader)
        -> env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
    env = Environment(autoescape=False)
        -> env = Environment(autoescape=select_autoescape())

Through ``jinja2.select_autoescape`` when ``jinja2`` is imported as a module. Refused where the
name the fix would use is something else (the module's own ``def select_autoescape``, a lambda
parameter) or may be (a ``from other import *``).
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    expr,
    get_kwarg,
    has_star_args,
    is_name,
    set_kwarg,
)
from promsec_ci.rewrite.cst_tools import dotted_name


class _Jinja2Autoescape(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or name.split(".")[0] != "jinja2" or name.split(".")[-1] != "Environment":
            return updated
        current = get_kwarg(updated, "autoescape")
        if current is None and has_star_args(updated):
            return updated
        if current is not None and not is_name(current.value, "False"):
            return updated
        select = self._select_autoescape(updated, name)
        return updated if select is None else set_kwarg(updated, "autoescape", select)

    def _select_autoescape(self, call: cst.Call, name: str) -> cst.BaseExpression | None:
        """``jinja2.select_autoescape()`` through the package's module name when there is one
        (only ``jinja2`` has it, not ``jinja2.environment``), else the bare name, imported."""
        func = call.func
        if name == "jinja2.Environment" and isinstance(func, cst.Attribute) and dotted_name(func.value):
            return expr(f"{dotted_name(func.value)}.select_autoescape()")
        module = self.module_alias("jinja2", add=False)
        if (module, "jinja2") in self.modules:
            return expr(f"{module}.select_autoescape()")
        self.add_import("jinja2", "select_autoescape")
        return expr("select_autoescape()")


Jinja2Autoescape = TransformerOperator(
    OperatorMeta(
        name="jinja2-autoescape",
        cwes=(79, 94),
        rule_ids=("B701",),
        directive="Create the Jinja2 Environment with autoescape=select_autoescape() so variables "
        "rendered into HTML and XML templates are escaped.",
        summary="jinja2.Environment without autoescape -> autoescape=select_autoescape()",
        references=(
            "https://cwe.mitre.org/data/definitions/79.html",
            "https://jinja.palletsprojects.com/en/stable/api/#autoescaping",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _Jinja2Autoescape,
)
