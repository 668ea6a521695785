"""B502 / B503, CWE-327: negotiate a current TLS version instead of pinning SSLv2/3 or TLS 1.0/1.1.

The pinned constants are replaced by the role-agnostic "highest version both sides support"
constants, so client and server code keep working: SSLv2/3 are never negotiated, TLS 1.0/1.1
only where the system's OpenSSL policy still allows them (Debian's default does not).
``ssl.PROTOCOL_TLS`` is deprecated since Python 3.10 in favour of ``PROTOCOL_TLS_CLIENT`` /
``PROTOCOL_TLS_SERVER``, which also switch on certificate checks; choosing one needs the role::

    ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLSv1)
        -> ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLS)
    ctx = SSL.Context(method=SSL.SSLv23_METHOD)    ->   ctx = SSL.Context(method=SSL.TLS_METHOD)
    def open_socket(version=SSL.SSLv3_METHOD):     ->   def open_socket(version=SSL.TLS_METHOD):
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator

_REPLACEMENT = {
    "PROTOCOL_SSLv2": "PROTOCOL_TLS", "PROTOCOL_SSLv3": "PROTOCOL_TLS", "PROTOCOL_TLSv1": "PROTOCOL_TLS",
    "PROTOCOL_TLSv1_1": "PROTOCOL_TLS", "SSLv2_METHOD": "TLS_METHOD", "SSLv23_METHOD": "TLS_METHOD",
    "SSLv3_METHOD": "TLS_METHOD", "TLSv1_METHOD": "TLS_METHOD", "TLSv1_1_METHOD": "TLS_METHOD",
}
_KEYWORDS = {"ssl_version", "method"}


def _safer(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """``ssl.PROTOCOL_TLS`` for ``ssl.PROTOCOL_TLSv1`` (same qualifier), else ``None``."""
    if isinstance(value, cst.Attribute) and value.attr.value in _REPLACEMENT:
        return value.with_changes(attr=cst.Name(_REPLACEMENT[value.attr.value]))
    return None


class _SslTlsVersion(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        args = []
        for arg in updated.args:
            if arg.keyword is not None and arg.keyword.value in _KEYWORDS:
                safer = _safer(arg.value)
                if safer is not None:
                    arg = arg.with_changes(value=safer)
            args.append(arg)
        return updated.with_changes(args=args)

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        if not self.in_target or updated_node.default is None:
            return updated_node
        safer = _safer(updated_node.default)
        return updated_node.with_changes(default=safer) if safer is not None else updated_node


SslTlsVersion = TransformerOperator(
    OperatorMeta(
        name="ssl-tls-version",
        cwes=(327,),
        rule_ids=("B502", "B503"),
        directive="Do not pin SSLv2, SSLv3, TLS 1.0 or TLS 1.1; let the TLS library negotiate the highest "
        "version both sides support (ssl.PROTOCOL_TLS, or SSL.TLS_METHOD in pyOpenSSL).",
        summary="pinned SSLv2/3 or TLS 1.0/1.1 -> negotiated TLS",
        references=(
            "https://cwe.mitre.org/data/definitions/327.html",
            "https://docs.python.org/3/library/ssl.html#ssl.PROTOCOL_TLS",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _SslTlsVersion,
)
