"""B323, CWE-295: use a verifying SSL context.

``ssl._create_unverified_context()`` turns off certificate and host-name checks;
``ssl.create_default_context()`` keeps both and loads the system CAs::

    ctx = ssl._create_unverified_context()
        -> ctx = ssl.create_default_context()
    urlopen(url, context=ssl._create_unverified_context(cafile=ca))
        -> urlopen(url, context=ssl.create_default_context(cafile=ca))

Refused when the call passes arguments ``create_default_context`` does not take (``protocol``,
``cert_reqs``, ``check_hostname``, ``certfile``, ``keyfile``), and where the user's own option picks
the unverified branch (``if self._ignore_certs:``): that option would silently stop working.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import VERIFICATION_OPTION_WORDS, CallTransformer, TransformerOperator

_ACCEPTED = {"cafile", "capath", "cadata", "purpose"}


class _SslDefaultContext(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name != "ssl._create_unverified_context":
            return updated
        if any(a.keyword is None or a.keyword.value not in _ACCEPTED for a in updated.args):
            return updated
        if self.chosen_by_option(original, VERIFICATION_OPTION_WORDS):
            return updated
        func = updated.func
        if isinstance(func, cst.Attribute):
            new_func = func.with_changes(attr=cst.Name("create_default_context"))
        else:
            new_func = cst.Attribute(value=cst.Name(self.module_alias("ssl")), attr=cst.Name("create_default_context"))
        return updated.with_changes(func=new_func)


SslDefaultContext = TransformerOperator(
    OperatorMeta(
        name="ssl-default-context",
        cwes=(295,),
        rule_ids=("B323",),
        directive="Create TLS contexts with ssl.create_default_context() so certificates and host "
        "names are verified; never use ssl._create_unverified_context().",
        summary="ssl._create_unverified_context() -> ssl.create_default_context()",
        references=(
            "https://cwe.mitre.org/data/definitions/295.html",
            "https://docs.python.org/3/library/ssl.html#ssl.create_default_context",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _SslDefaultContext,
)
