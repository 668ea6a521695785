"""B501, CWE-295: keep TLS certificate verification on for HTTP requests.

``verify=False`` accepts any certificate, so anyone on the path can impersonate the server.
The keyword is removed (the libraries verify by default)::

    r = requests.get(url, verify=False, timeout=5)   ->   r = requests.get(url, timeout=5)
    client = httpx.Client(verify=False)              ->   client = httpx.Client()

A comment on the removed argument's line moves to the line before (``remove_arg``). Refused
where the user's own option picks the unverified call (``if args.insecure:``).
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    VERIFICATION_OPTION_WORDS,
    CallTransformer,
    TransformerOperator,
    get_kwarg,
    is_name,
    remove_arg,
)

_VERBS = {"get", "options", "head", "post", "put", "patch", "delete", "request"}
_HTTPX = _VERBS | {"stream", "Client", "AsyncClient"}


class _RequestsVerifyOn(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or name.count(".") != 1:
            return updated
        module, function = name.split(".")
        if not (module == "requests" and function in _VERBS or module == "httpx" and function in _HTTPX):
            return updated
        verify = get_kwarg(updated, "verify")
        if verify is None or not is_name(verify.value, "False"):
            return updated
        if self.chosen_by_option(original, VERIFICATION_OPTION_WORDS):
            return updated
        return remove_arg(updated, verify)


RequestsVerifyOn = TransformerOperator(
    OperatorMeta(
        name="requests-verify-on",
        cwes=(295,),
        rule_ids=("B501",),
        directive="Keep TLS certificate verification enabled in requests and httpx calls: never pass "
        "verify=False; point verify at a CA bundle if the server uses a private CA.",
        summary="verify=False -> default certificate verification",
        references=(
            "https://cwe.mitre.org/data/definitions/295.html",
            "https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _RequestsVerifyOn,
)
