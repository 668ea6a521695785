"""B323, CWE-295: use a verifying SSL context.

``ssl._create_unverified_context()`` turns off certificate and host-name checks;
``ssl.create_default_context()`` keeps both and loads the system CAs::

    ctx = ssl._create_unverified_context()
        -> ctx = ssl.create_default_context()
    urlopen(url, context=ssl._create_unverified_context(cafile=ca))
        -> urlopen(url, context=ssl.create_default_context(cafile=ca))

Refused when the call passes arguments ``create_default_context`` does not take (``protocol``,
``cert_reqs``, ``check_hostname``, ``certfile``, ``keyfile``), and where the user's own option picks
the unverified branch (``if self._ignore_certs:``): that option would silently stop working. Refused
also where the context wraps a socket or BIO without ``server_hostname`` (``ctx.wrap_socket(sock)``):
a context that checks host names raises ``ValueError`` there.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    VERIFICATION_OPTION_WORDS,
    CallTransformer,
    TransformerOperator,
    has_star_args,
    positional,
)
from promsec_ci.rewrite.cst_tools import dotted_name

_ACCEPTED = {"cafile", "capath", "cadata", "purpose"}
# Methods of SSLContext taking server_hostname, and its position among their arguments.
_WRAPS = {"wrap_socket": 4, "wrap_bio": 3}


class _SslDefaultContext(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name != "ssl._create_unverified_context":
            return updated
        if any(a.keyword is None or a.keyword.value not in _ACCEPTED for a in updated.args):
            return updated
        if self.chosen_by_option(original, VERIFICATION_OPTION_WORDS) or self._wraps_without_host_name(original):
            return updated
        func = updated.func
        if isinstance(func, cst.Attribute):
            new_func = func.with_changes(attr=cst.Name("create_default_context"))
        else:
            new_func = cst.Attribute(value=cst.Name(self.module_alias("ssl")), attr=cst.Name("create_default_context"))
        return updated.with_changes(func=new_func)

    def _wraps_without_host_name(self, call: cst.Call) -> bool:
        """Whether the context (the call itself, or the name or attribute the statement assigns it
        to) wraps a socket or BIO without ``server_hostname``: a context that checks host names
        raises ``ValueError`` there, whatever the certificate."""
        parent = self.parent_of(call)
        uses: list[cst.CSTNode] = [call]
        if isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1:
            target = dotted_name(parent.targets[0].target)
            scope: cst.CSTNode | None = self.enclosing_function(call)
            if target is not None and target.startswith("self."):
                while scope is not None and not isinstance(scope, cst.ClassDef):
                    scope = self.parent_of(scope)
            scope = scope or self.module
            if target is not None and scope is not None:
                kind = m.Name(target) if "." not in target else m.Attribute()
                uses += [node for node in m.findall(scope, kind) if dotted_name(node) == target]
        for use in uses:
            method, wrap = self.parent_of(use), self.parent_of(self.parent_of(use))
            if not (isinstance(method, cst.Attribute) and method.value is use and isinstance(wrap, cst.Call)
                    and wrap.func is method and method.attr.value in _WRAPS):
                continue
            position = _WRAPS[method.attr.value]
            keywords = {a.keyword.value for a in wrap.args if a.keyword is not None}
            if not keywords & {"server_hostname", "server_side"} and len(positional(wrap)) <= position \
                    and not has_star_args(wrap):
                return True
        return False


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
