"""B303 / B324, CWE-327 / CWE-328: hash secrets with SHA-256, not MD5 or SHA-1.

Applies where the names around the call say the digest protects something (password, token,
signature, session, salt, ...) or say nothing; refuses checksums, cache keys, ETags and cut-short
digests (see ``hash-not-for-security``), and code that names the algorithm it relies on
(``md5_digest``, ``if algorithm == "MD5"``: a protocol or format needs that very digest)::

    token = hashlib.md5(seed).hexdigest()     ->   token = hashlib.sha256(seed).hexdigest()
    h = hashlib.new("sha1", secret)           ->   h = hashlib.new("sha256", secret)
    digest = MD5.new(signature)               ->   digest = SHA256.new(signature)
    algorithm = hashes.SHA1()                 ->   algorithm = hashes.SHA256()

The digest gets longer (64 hex characters instead of 32 or 40): stored digests must be
recomputed, which is the point for credentials.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    get_kwarg,
    is_name,
    positional,
    remove_arg,
)
from promsec_ci.rewrite.weak_hash import pinned, purpose, weak_hash


class _HashSha256(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        found = weak_hash(original, name)
        if found is None or purpose(self, original) == "benign" or pinned(self, original, found):
            return updated
        flag = get_kwarg(updated, "usedforsecurity")
        if flag is not None and is_name(flag.value, "False"):
            return updated  # the author already said it protects nothing
        if found.kind == "hashlib":
            func = cst.Attribute(value=cst.Name(self.module_alias("hashlib")), attr=cst.Name("sha256"))
            flag = get_kwarg(updated, "usedforsecurity")
            call = remove_arg(updated, flag) if flag is not None else updated
            return call.with_changes(func=func)
        if found.kind == "hashlib.new":
            args = positional(updated)
            algo = args[0] if args else next(a for a in updated.args if a.keyword and a.keyword.value == "name")
            quote = algo.value.quote if isinstance(algo.value, cst.SimpleString) else '"'
            new_algo = algo.with_changes(value=cst.SimpleString(f"{quote}sha256{quote}"))
            flag = get_kwarg(updated, "usedforsecurity")
            call = remove_arg(updated, flag) if flag is not None else updated
            return call.with_changes(args=[new_algo if a is algo else a for a in call.args])
        if found.kind == "pycrypto":
            func = updated.func
            if not isinstance(func, cst.Attribute):
                return updated
            return updated.with_changes(func=func.with_changes(value=self._swap(func.value, found.package, "SHA256")))
        return updated.with_changes(func=self._swap(updated.func, found.package, "SHA256"))

    def _swap(self, node: cst.BaseExpression, package: str, new: str) -> cst.BaseExpression:
        """``MD5`` -> ``SHA256`` (imported from ``package``), ``Hash.MD5`` -> ``Hash.SHA256``."""
        if isinstance(node, cst.Name):
            self.add_import(package, new)
            return cst.Name(new)
        if not isinstance(node, cst.Attribute):
            return node
        if package.endswith(".Hash"):
            self.add_import(f"{package}.{new}")
        return node.with_changes(attr=cst.Name(new))


HashSha256 = TransformerOperator(
    OperatorMeta(
        name="hash-sha256",
        cwes=(327, 328),
        rule_ids=("B303", "B324"),
        directive="Hash passwords, tokens and signatures with SHA-256 (hashlib.sha256) instead of "
        "MD5 or SHA-1, which are broken for security use.",
        summary="MD5/SHA-1 protecting a secret -> SHA-256",
        references=(
            "https://cwe.mitre.org/data/definitions/328.html",
            "https://docs.python.org/3/library/hashlib.html",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _HashSha256,
)
