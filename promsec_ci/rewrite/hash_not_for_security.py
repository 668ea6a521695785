"""B324, CWE-327 / CWE-328: mark MD5/SHA-1 digests that are not security controls.

Where the names around the call say the digest is a checksum, cache key, ETag or file
fingerprint, the algorithm is fine and changing it would change every stored digest; saying
``usedforsecurity=False`` documents that and lets FIPS builds run it. Refuses passwords,
tokens, signatures (see ``hash-sha256``)::

    etag = hashlib.md5(body).hexdigest()
        -> etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
    checksum = hashlib.new("sha1", data)
        -> checksum = hashlib.new("sha1", data, usedforsecurity=False)
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, expr, has_star_args, set_kwarg
from promsec_ci.rewrite.weak_hash import pinned, purpose, weak_hash


class _HashNotForSecurity(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        found = weak_hash(original, name)
        if found is None or found.kind not in ("hashlib", "hashlib.new") or has_star_args(updated):
            return updated
        found_purpose = purpose(self, original)
        if found_purpose == "security" or found_purpose is None and pinned(self, original, found):
            return updated  # a protocol's digest with nothing saying it protects nothing
        return set_kwarg(updated, "usedforsecurity", expr("False"))


HashNotForSecurity = TransformerOperator(
    OperatorMeta(
        name="hash-not-for-security",
        cwes=(327, 328),
        rule_ids=("B324",),
        directive="Where an MD5 or SHA-1 digest is only a checksum, cache key or file fingerprint, "
        "pass usedforsecurity=False to hashlib to state that it protects nothing.",
        summary="MD5/SHA-1 checksum or cache key -> usedforsecurity=False",
        references=(
            "https://cwe.mitre.org/data/definitions/328.html",
            "https://docs.python.org/3/library/hashlib.html#hashlib.new",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _HashNotForSecurity,
)
