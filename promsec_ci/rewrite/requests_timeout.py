"""B113, CWE-400: give every HTTP request a timeout.

Without one, a server that never answers blocks the caller forever::

    r = requests.get(url)                  ->   r = requests.get(url, timeout=30)
    r = requests.post(url, timeout=None)   ->   r = requests.post(url, timeout=30)
    r = httpx.get(url, timeout=None)       ->   r = httpx.get(url, timeout=30)

Refused when the call passes ``**kwargs`` (it may already carry a timeout).
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    get_kwarg,
    has_star_args,
    is_name,
    set_kwarg,
)

TIMEOUT_SECONDS = 30
_VERBS = {"get", "options", "head", "post", "put", "patch", "delete", "request"}
_HTTPX = _VERBS | {"stream", "Client", "AsyncClient"}


class _RequestsTimeout(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or name.count(".") != 1 or has_star_args(updated):
            return updated
        module, function = name.split(".")
        if not (module == "requests" and function in _VERBS or module == "httpx" and function in _HTTPX):
            return updated
        timeout = get_kwarg(updated, "timeout")
        if timeout is not None and not is_name(timeout.value, "None"):
            return updated
        if timeout is None and module == "httpx":
            return updated  # httpx already defaults to a 5 s timeout
        return set_kwarg(updated, "timeout", cst.Integer(str(TIMEOUT_SECONDS)))


RequestsTimeout = TransformerOperator(
    OperatorMeta(
        name="requests-timeout",
        cwes=(400,),
        rule_ids=("B113",),
        directive="Pass an explicit timeout (for example timeout=30) to every requests or httpx call "
        "so an unresponsive server cannot hang the program.",
        summary="HTTP request without timeout -> timeout=30",
        references=(
            "https://cwe.mitre.org/data/definitions/400.html",
            "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",
        ),
        review_guidance=ReviewGuidance.MERGE_WITHOUT_REVIEW,
    ),
    _RequestsTimeout,
)
