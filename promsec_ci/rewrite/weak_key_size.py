"""B505, CWE-326: generate RSA and DSA keys of at least 2048 bits, EC keys on a 256-bit curve.

Keys of 1024 bits and below are within reach of well-funded attackers; NIST SP 800-131A
disallows them for new keys. Refused where the module spells the old size elsewhere (its bits,
its bytes, the most PKCS#1 v1.5 or OAEP encrypts with it): code cutting ciphertexts in 128-byte
blocks breaks with a 2048-bit key::

    key = rsa.generate_private_key(65537, 1024)          ->   key = rsa.generate_private_key(65537, 2048)
    key = RSA.generate(bits=1024)                        ->   key = RSA.generate(bits=2048)
    key = ec.generate_private_key(ec.SECP192R1())        ->   key = ec.generate_private_key(ec.SECP256R1())
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, get_kwarg, positional

MIN_BITS = 2048
_SIZED = {  # qualified name -> (position of the size argument, its keyword)
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": (1, "key_size"),
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key": (0, "key_size"),
    "Crypto.PublicKey.RSA.generate": (0, "bits"),
    "Crypto.PublicKey.DSA.generate": (0, "bits"),
    "Cryptodome.PublicKey.RSA.generate": (0, "bits"),
    "Cryptodome.PublicKey.DSA.generate": (0, "bits"),
}
_EC = "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key"
_WEAK_CURVES = {"SECP192R1", "SECT163K1", "SECT163R2"}


class _WeakKeySize(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name in _SIZED:
            position, keyword = _SIZED[name]
            args = positional(updated)
            size = get_kwarg(updated, keyword) or (args[position] if len(args) > position else None)
            if size is None or not isinstance(size.value, cst.Integer) or size.value.evaluated_value >= MIN_BITS:
                return updated
            if self._size_relied_on(original.args[updated.args.index(size)].value, size.value.evaluated_value):
                return updated
            bigger = size.with_changes(value=cst.Integer(str(MIN_BITS)))
            return updated.with_changes(args=[bigger if a is size else a for a in updated.args])
        if name == _EC:
            curve = get_kwarg(updated, "curve") or next(iter(positional(updated)), None)
            if curve is None:
                return updated
            value = curve.value.func if isinstance(curve.value, cst.Call) else curve.value
            if isinstance(value, cst.Attribute) and value.attr.value in _WEAK_CURVES:
                stronger_func: cst.BaseExpression = value.with_changes(attr=cst.Name("SECP256R1"))
            elif isinstance(value, cst.Name) and value.value in _WEAK_CURVES:
                self.add_import("cryptography.hazmat.primitives.asymmetric.ec", "SECP256R1")
                stronger_func = cst.Name("SECP256R1")
            else:
                return updated
            stronger = curve.value.with_changes(func=stronger_func) if isinstance(curve.value, cst.Call) \
                else stronger_func
            new_curve = curve.with_changes(value=stronger)
            return updated.with_changes(args=[new_curve if a is curve else a for a in updated.args])
        return updated

    def _size_relied_on(self, literal: cst.BaseExpression, bits: int) -> bool:
        """Whether the module spells the old size elsewhere: its bits, its bytes (a ciphertext or
        signature block), or the most PKCS#1 v1.5 / OAEP (SHA-1, SHA-256) padding encrypts with it.
        Code cutting data in those blocks would break with a longer key."""
        if self.module is None:
            return False
        size = bits // 8
        sizes = {bits, size, size - 11, size - 42, size - 66}
        return any(node is not literal and node.evaluated_value in sizes
                   for node in m.findall(self.module, m.Integer()))


WeakKeySize = TransformerOperator(
    OperatorMeta(
        name="weak-key-size",
        cwes=(326,),
        rule_ids=("B505",),
        directive="Generate RSA and DSA keys with at least 2048 bits and EC keys on a curve of at least "
        "256 bits (SECP256R1).",
        summary="RSA/DSA key < 2048 bits or weak EC curve -> 2048 bits / SECP256R1",
        references=(
            "https://cwe.mitre.org/data/definitions/326.html",
            "https://cryptography.io/en/latest/hazmat/primitives/asymmetric/rsa/#generation",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _WeakKeySize,
)
