"""Recognise a weak-hash call (MD4/MD5/SHA-1 through hashlib, PyCryptodome or cryptography) and
read what its digest is for from the names around it. Shared by ``hash-sha256`` (a security
purpose: passwords, signatures, tokens) and ``hash-not-for-security`` (a checksum, cache key,
ETag or file fingerprint), which refuse each other's contexts so the choice is informative::

    token = hashlib.md5(seed).hexdigest()      -> hash-sha256
    etag = hashlib.md5(body).hexdigest()       -> hash-not-for-security

A digest that names something is benign: cut short (``hexdigest()[:8]``), or said to be a name,
id or template key; so is one in a function that already passes ``usedforsecurity=False``. Code
that names the algorithm it uses (``md5_digest = ...``, ``def md5_utf8``, ``if algorithm ==
"MD5"``), picks it beside a strong one (``SHA256() if v2 else SHA1()``, a table of algorithms) or
feeds it to HMAC/TOTP or a challenge-response login (APOP) speaks a protocol fixed outside the
unit: changing the algorithm would break it, so ``hash-sha256`` refuses it, and
``hash-not-for-security`` needs a benign signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    classify,
    function_words,
    literal_value,
    positional,
    split_words,
    words_in,
)
from promsec_ci.rewrite.cst_tools import dotted_name, reads_of, string_literals

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
    "websocket", "ws", "handshake", "git", "name", "id", "identifier", "template", "tmpl", "module",
})
# Constructions whose hash the other side fixes: keyed ones where SHA-1 is not broken (RFC
# 4226/6238: authenticator apps compute HMAC-SHA1), and challenge-response logins that define
# MD5/MD4/SHA-1 (POP3 APOP, CRAM-MD5, HTTP digest auth's realm/qop/HA1, NTLM, WS-Security's
# UsernameToken digest, OAuth 1's body hash and signatures, the WebSocket handshake's
# Sec-WebSocket-Accept). Not a client nonce: it is opaque to the server, any hash makes one.
_FIXED_BY_PEER = frozenset({"hmac", "totp", "hotp", "apop", "cram", "ntlm", "realm", "qop", "ha1", "ha2",
                            "wsse", "oauth", "websocket"})
_STRONG = frozenset({"sha224", "sha256", "sha384", "sha512", "sha3", "blake2b", "blake2s"})
# How code spells the algorithm it relies on, in names and literals, for each weak algorithm.
_SPELLINGS = {"md5": {"md5", "md5sess"}, "md4": {"md4"}, "md2": {"md2"},
              "sha": {"sha", "sha1"}, "sha1": {"sha", "sha1"}}


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
    names and short literals of the statement first, then a cut-short digest or a function that
    already says ``usedforsecurity=False``, then the enclosing function's name, then its
    parameters."""
    found = classify(transformer.statement_words(call), SECURITY_WORDS, BENIGN_WORDS)
    function = transformer.enclosing_function(call)
    if found is None:
        # A hash object fed later: where its digest goes names it (m = md5(); ...; id = m.hexdigest())
        found = classify(_digest_reader_words(transformer, function), SECURITY_WORDS, BENIGN_WORDS)
    if found is None and (_truncated(transformer, call, function) or _declared_not_for_security(function)):
        return "benign"
    if found is None and function is not None:
        # The function's name before its parameters: _generate_cache_key(self, url, session_name)
        found = classify(split_words(function.name.value), SECURITY_WORDS, BENIGN_WORDS)
    if found is None:
        found = classify(function_words(function), SECURITY_WORDS, BENIGN_WORDS)
    return found


def _digest_reader_words(transformer: CallTransformer, function: cst.FunctionDef | None) -> list[str]:
    """Words of the statements of ``function`` (of the module, for module-level code) that read
    the digest of the hash object the statement being rewritten assigns (``m.hexdigest()``)."""
    names = [name for name in _targets(transformer.target) if "." not in name]
    scope = function if function is not None else transformer.module
    if scope is None or len(names) != 1:
        return []
    parents = transformer.parents
    readers: list[cst.CSTNode] = []
    for use in reads_of(names[0], scope, parents):
        method, call = parents.get(use), parents.get(parents.get(use))
        if not (isinstance(method, cst.Attribute) and method.attr.value in ("hexdigest", "digest")
                and isinstance(call, cst.Call) and call.func is method):
            continue
        statement = parents.get(call)
        while statement is not None and not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            statement = parents.get(statement)
        if isinstance(statement, cst.SimpleStatementLine):
            readers.append(statement)
    return words_in(list(dict.fromkeys(readers)))


def pinned(transformer: CallTransformer, call: cst.Call, found: WeakHash) -> bool:
    """Whether the code names the algorithm it computes: a name assigned by the statement, the
    enclosing function's name or parameters, or a string literal in that function (``"MD5"``,
    ``"SHA-1"``); the call's own spelling (``hashlib.md5``) does not count. Or it feeds an HMAC,
    TOTP or HOTP, or answers a challenge (APOP, CRAM-MD5, digest auth, a WebSocket handshake),
    by the words of the statement or of the function's names and string literals: the other
    side fixes the algorithm."""
    spellings = _SPELLINGS[found.algorithm]
    function = transformer.enclosing_function(call)
    names = function_words(function) + [w for target in _targets(transformer.target) for w in split_words(target)]
    if spellings & set(names):
        return True
    literal_words = [w for text in string_literals(function) for w in split_words(text)] if function is not None else []
    if _FIXED_BY_PEER & set(names + transformer.statement_words(call) + literal_words):
        return True
    scope = function if function is not None else transformer.target
    if scope is not None and any("".join(split_words(text)) in spellings for text in _spelled(scope, call)):
        return True
    return _chosen_beside_a_strong_hash(transformer, call)


def _chosen_beside_a_strong_hash(transformer: CallTransformer, call: cst.Call) -> bool:
    """Whether a condition or a table picks between this weak hash and a strong one (``SHA256() if
    version == "2" else SHA1()``, an ``if``/``elif`` per algorithm, a list of named algorithms): a
    protocol decides, not us."""
    node, parent = call, transformer.parent_of(call)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Module)):
        branches: list[cst.CSTNode | None] = []
        if isinstance(parent, (cst.IfExp, cst.If)):
            branches = [parent.body, parent.orelse]
        elif isinstance(parent, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            branches = list(parent.elements)  # a table of algorithms: RFC 7518's RSA-OAEP is SHA-1
        others = [branch for branch in branches if branch is not None and branch is not node]
        if len(others) < len(branches) and any(_STRONG & set(words_in([branch])) for branch in others):
            return True
        node, parent = parent, transformer.parent_of(parent)
    return False


def _targets(statement: cst.CSTNode | None) -> list[str]:
    """The names an assignment statement binds (``md5_digest`` for ``md5_digest = ...``)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    small = statement.body[0]
    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
        [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else [])
    return [name for name in map(dotted_name, targets) if name]


def _spelled(node: cst.CSTNode, call: cst.Call) -> list[str]:
    """Short string literals and names in ``node`` that are not called (``algorithm == "MD5"``,
    ``alg == HashAlgorithm.SHA_1``), outside ``call`` (``hashlib.new("md5")`` names its own)."""
    texts: list[str] = []

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, visited: cst.Call) -> bool:
            if visited is call:
                return False
            for arg in visited.args:
                arg.visit(self)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            texts.append(name.value)

        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            if isinstance(value, str) and len(value) <= 10:
                texts.append(value)

    node.visit(_Visitor())
    return texts


def _declared_not_for_security(function: cst.FunctionDef | None) -> bool:
    """Whether the enclosing function already hashes with ``usedforsecurity=False`` (a FIPS
    fallback, say): its author said what the digest is for."""
    declared = False

    class _Visitor(cst.CSTVisitor):
        def visit_Arg(self, arg: cst.Arg) -> None:
            nonlocal declared
            declared = declared or (arg.keyword is not None and arg.keyword.value == "usedforsecurity"
                                    and literal_value(arg.value) is False)

    if function is not None:
        function.visit(_Visitor())
    return declared


def _truncated(transformer: CallTransformer, call: cst.Call, function: cst.FunctionDef | None) -> bool:
    """Whether the digest is cut short: ``md5(x).hexdigest()[:8]``, or ``h = md5(x).hexdigest()``
    and later ``h[:12]`` in the same function."""
    node, parent = call, transformer.parent_of(call)
    while isinstance(parent, (cst.Attribute, cst.Call)):
        node, parent = parent, transformer.parent_of(parent)
    if isinstance(parent, cst.Subscript) and parent.value is node and _is_slice(parent):
        return True
    names = _targets(transformer.target)
    scope = function if function is not None else transformer.module
    if len(names) != 1 or scope is None:
        return False
    sliced = False

    class _Visitor(cst.CSTVisitor):
        def visit_Subscript(self, subscript: cst.Subscript) -> None:
            nonlocal sliced
            sliced = sliced or dotted_name(subscript.value) == names[0] and _is_slice(subscript)

    scope.visit(_Visitor())
    return sliced


def _is_slice(subscript: cst.Subscript) -> bool:
    return len(subscript.slice) == 1 and isinstance(subscript.slice[0].slice, cst.Slice)
