"""Recognise a weak-hash call (MD4/MD5/SHA-1 through hashlib, PyCryptodome or cryptography) and
read what its digest is for from the names around it. Shared by ``hash-sha256`` (a security
purpose: passwords, signatures, tokens) and ``hash-not-for-security`` (a checksum, cache key,
ETag or file fingerprint), which refuse each other's contexts so the choice is informative::

    token = hashlib.md5(seed).hexdigest()      -> hash-sha256
    etag = hashlib.md5(body).hexdigest()       -> hash-not-for-security
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from promsec_ci.rewrite.call_edit import CallTransformer, classify, function_words, literal_value, positional, words_in

WEAK = frozenset({"md4", "md5", "sha", "sha1", "md2"})

SECURITY_WORDS = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "sign", "signature", "signed",
    "auth", "authenticate", "authentication", "login", "credential", "credentials", "salt", "hmac",
    "enckey", "encrypt", "encryption", "decrypt", "cipher", "crypt", "private", "privkey", "session",
    "nonce", "otp", "pin", "verify", "verification", "activation", "reset", "csrf", "apikey", "jwt",
    "cookie", "admin",
})
BENIGN_WORDS = frozenset({
    "checksum", "cache", "cached", "etag", "fingerprint", "file", "files", "filename", "fname", "path",
    "content", "contents", "css", "js", "html", "label", "chunk", "block", "bucket", "shard", "dedup",
    "url", "uri", "asset", "static", "image", "img", "version", "download", "upload", "blob", "buffer",
    "stream", "integrity", "color", "colour", "md5sum", "sha1sum", "partition", "memo", "lookup",
})


@dataclass(frozen=True)
class WeakHash:
    """A weak-hash call. ``kind``: ``hashlib`` (``hashlib.md5(...)``), ``hashlib.new``
    (``hashlib.new("md5", ...)``), ``pycrypto`` (``MD5.new(...)``) or ``cryptography``
    (``hashes.MD5()``)."""

    kind: str
    algorithm: str
    package: str


def weak_hash(call: cst.Call, name: str | None) -> WeakHash | None:
    """The weak hash ``call`` computes, resolved through imports, or ``None``."""
    if name is None:
        return None
    parts = name.split(".")
    if len(parts) == 2 and parts[0] == "hashlib" and parts[1] in WEAK:
        return WeakHash("hashlib", parts[1], "hashlib")
    if name == "hashlib.new":
        args = positional(call)
        algo = args[0].value if args else next((a.value for a in call.args if a.keyword and
                                                 a.keyword.value == "name"), None)
        value = literal_value(algo) if algo is not None else None
        if isinstance(value, str) and value.lower() in WEAK:
            return WeakHash("hashlib.new", value.lower(), "hashlib")
    if len(parts) == 4 and parts[0] in ("Crypto", "Cryptodome") and parts[1] == "Hash" and parts[3] == "new" \
            and parts[2] in ("MD2", "MD4", "MD5", "SHA"):
        return WeakHash("pycrypto", parts[2].lower(), f"{parts[0]}.Hash")
    if name in ("cryptography.hazmat.primitives.hashes.MD5", "cryptography.hazmat.primitives.hashes.SHA1"):
        return WeakHash("cryptography", parts[-1].lower(), "cryptography.hazmat.primitives.hashes")
    return None


def purpose(transformer: CallTransformer, call: cst.Call) -> str | None:
    """``"security"``, ``"benign"`` or ``None`` (no signal) for the digest ``call`` computes:
    names and short literals of the statement first, then the enclosing function's name and
    parameters."""
    statement = [transformer.target] if transformer.target is not None else [call]
    found = classify(words_in(statement), SECURITY_WORDS, BENIGN_WORDS)
    if found is None:
        found = classify(function_words(transformer.enclosing_function(call)), SECURITY_WORDS, BENIGN_WORDS)
    return found
