"""B201, CWE-94: never hard-code Flask's debug mode on.

The Werkzeug debugger runs arbitrary Python for whoever reaches it. Debug mode becomes an
opt-in through Flask's own ``FLASK_DEBUG`` variable, off by default::

    app.run(debug=True)
        -> app.run(debug=os.environ.get("FLASK_DEBUG") == "1")

``asyncio.run(main(), debug=True)`` (Bandit flags it in a module that imports Flask) is the event
loop's debug mode, not a debugger, and is left alone.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, expr, get_kwarg, is_name, set_kwarg

# ``run(coro, debug=True)`` of an event loop turns on asyncio's debug checks, not a debugger.
_EVENT_LOOPS = frozenset({"asyncio", "uvloop"})


class _FlaskDebugOff(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "run":
            return updated
        if name is not None and name.partition(".")[0] in _EVENT_LOOPS:
            return updated  # asyncio.run(main(), debug=True): the event loop's debug mode, no debugger
        debug = get_kwarg(updated, "debug")
        if debug is None or not is_name(debug.value, "True"):
            return updated
        os_name = self.module_alias("os")
        return set_kwarg(updated, "debug", expr(f'{os_name}.environ.get("FLASK_DEBUG") == "1"'))


FlaskDebugOff = TransformerOperator(
    OperatorMeta(
        name="flask-debug-off",
        cwes=(94,),
        rule_ids=("B201",),
        directive="Do not run the Flask app with debug=True; enable debug mode only from an "
        "environment variable such as FLASK_DEBUG, off by default.",
        summary="app.run(debug=True) -> debug from FLASK_DEBUG, off by default",
        references=(
            "https://cwe.mitre.org/data/definitions/94.html",
            "https://flask.palletsprojects.com/en/latest/debugging/",
        ),
        review_guidance=ReviewGuidance.MERGE_WITHOUT_REVIEW,
    ),
    _FlaskDebugOff,
)
