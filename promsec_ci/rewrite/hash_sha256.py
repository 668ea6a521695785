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
recomputed, which is the point for credentials. Refused where that breaks the code at hand: the
digest (or the name it is assigned to) is compared (``== ADMIN_DIGEST``, ``compare_digest``) or
fed to a call that may need its length (a Fernet key, a CBC IV, ``uuid.UUID(bytes=...)``), or the
module computes the same weak hash in another function (``login`` would check the digests
``register`` stores with the old algorithm).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    get_kwarg,
    is_name,
    positional,
    remove_arg,
)
from promsec_ci.rewrite.cst_tools import enclosing_scope, reads_of
from promsec_ci.rewrite.weak_hash import WeakHash, pinned, purpose, weak_hash

_DIGESTS = ("digest", "hexdigest")
_ALIASES = {"sha": "sha1"}
_HARMLESS = frozenset({"print", "str", "repr"})  # calls that only show a digest


class _HashSha256(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        found = weak_hash(original, name)
        if found is None or purpose(self, original) == "benign" or pinned(self, original, found):
            return updated
        if self._digest_relied_on(original) or self._computed_elsewhere(found):
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

    def _chain(self, node: cst.CSTNode) -> tuple[cst.CSTNode, cst.CSTNode | None, bool]:
        """The outermost expression of the attribute/call chain ``node`` starts (``md5(x).hexdigest()
        .encode()``), its parent, and whether the chain reads a digest."""
        digest, parent = False, self.parent_of(node)
        while isinstance(parent, cst.Attribute) and parent.value is node or \
                isinstance(parent, cst.Call) and parent.func is node:
            digest = digest or isinstance(parent, cst.Attribute) and parent.attr.value in _DIGESTS
            node, parent = parent, self.parent_of(parent)
        return node, parent, digest

    def _relied_on(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
        """Whether the digest ``node`` is compared or passed to a call (other than to show it)."""
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return True
        if isinstance(parent, cst.Arg):
            call = self.parent_of(parent)
            return not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in _HARMLESS)
        return False

    def _digest_relied_on(self, call: cst.Call) -> bool:
        """Whether the digest of ``call``, directly or through the one name the statement assigns
        it (or the hash object) to, is compared or fed to a call: a digest of another length or
        value breaks that code."""
        node, parent, digest = self._chain(call)
        if digest and self._relied_on(node, parent):
            return True
        if not (isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node):
            return False
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        if len(targets) != 1 or not isinstance(targets[0], cst.Name):
            return False
        scope = self.enclosing_function(call) or self.module
        if scope is None:
            return False
        for read in reads_of(targets[0].value, scope, self.parents):
            outer, outer_parent, read_digest = self._chain(read)
            if (digest or read_digest) and self._relied_on(outer, outer_parent):
                return True
        return False

    def _computed_elsewhere(self, found: WeakHash) -> bool:
        """Whether the module computes the same weak hash outside the statement's function (not
        said to be ``usedforsecurity=False``): one side of a store/check pair would change alone.
        Calls in the same function are the same unit's findings, fixed with it."""
        if self.module is None or self.target is None:
            return False
        algorithm = _ALIASES.get(found.algorithm, found.algorithm)
        function = enclosing_scope(self.target, self.parents)
        unit = function if isinstance(function, cst.FunctionDef) else self.target
        inside = {id(node) for node in m.findall(unit, m.Call())}
        for call in m.findall(self.module, m.Call()):
            if id(call) in inside:
                continue
            other = weak_hash(call, self.qualified_name(call.func))
            if other is None or _ALIASES.get(other.algorithm, other.algorithm) != algorithm:
                continue
            flag = get_kwarg(call, "usedforsecurity")
            if flag is None or not is_name(flag.value, "False"):
                return True
        return False

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
