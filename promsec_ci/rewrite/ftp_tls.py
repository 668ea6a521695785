"""B321, CWE-319: talk to FTP servers over TLS.

``ftplib.FTP`` sends the password and data in clear text. ``ftplib.FTP_TLS`` secures the
control connection (its ``login`` calls ``auth()`` first); the data channel is protected once
``prot_p()`` is called. Its default context checks neither the certificate nor the host name
(``ssl._create_stdlib_context``), so a man in the middle would still get the password: the
fix passes ``ssl.create_default_context()``::

    ftp = ftplib.FTP(host, user, password)    ->   ftp = ftplib.FTP_TLS(host, user, password,
                                                                        context=ssl.create_default_context())
    with FTP("ftp.example.com") as ftp:       ->   with FTP_TLS("ftp.example.com",
                                                            context=ssl.create_default_context()) as ftp:

The server must support FTPS (RFC 4217). Refused with more than four positional arguments,
where the two constructors' signatures differ.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, positional, set_kwarg

_SHARED_KEYWORDS = {"host", "user", "passwd", "acct", "timeout", "source_address", "encoding"}


class _FtpTls(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name != "ftplib.FTP" or len(positional(updated)) > 4:
            return updated
        if any(a.star or (a.keyword is not None and a.keyword.value not in _SHARED_KEYWORDS) for a in updated.args):
            return updated
        verified = cst.parse_expression(f"{self.module_alias('ssl')}.create_default_context()")
        updated = set_kwarg(updated, "context", verified)
        func = updated.func
        if isinstance(func, cst.Attribute):
            return updated.with_changes(func=func.with_changes(attr=cst.Name("FTP_TLS")))
        self.add_import("ftplib", "FTP_TLS")
        return updated.with_changes(func=cst.Name("FTP_TLS"))


FtpTls = TransformerOperator(
    OperatorMeta(
        name="ftp-tls",
        cwes=(319,),
        rule_ids=("B321",),
        directive="Connect to FTP servers with ftplib.FTP_TLS and call prot_p() so credentials and "
        "files are not sent in clear text.",
        summary="ftplib.FTP -> ftplib.FTP_TLS",
        references=(
            "https://cwe.mitre.org/data/definitions/319.html",
            "https://docs.python.org/3/library/ftplib.html#ftplib.FTP_TLS",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _FtpTls,
)
