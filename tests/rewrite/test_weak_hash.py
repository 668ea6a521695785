"""weak_hash: weak-hash calls are recognised through imports; the purpose comes from names."""

import pytest

from promsec_ci.rewrite.call_edit import CallTransformer
from promsec_ci.rewrite.cst_tools import rewrite_at
from promsec_ci.rewrite.weak_hash import purpose, weak_hash


class _Probe(CallTransformer):
    """Records (kind, algorithm, purpose) for each weak-hash call of the target statement."""

    def on_call(self, original, updated, name):
        found = weak_hash(original, name)
        if found is not None:
            self.seen.append((found.kind, found.algorithm, purpose(self, original)))
        return updated


def probe(source: str, line: int) -> list:
    transformer = _Probe(line)
    transformer.seen = []
    rewrite_at(source, transformer)
    return transformer.seen


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import hashlib\ntoken = hashlib.md5(x)\n", [("hashlib", "md5", "security")]),
        ("from hashlib import sha1\netag = sha1(body)\n", [("hashlib", "sha1", "benign")]),
        ("import hashlib\nh = hashlib.new('MD5')\n", [("hashlib.new", "md5", None)]),
        ("import hashlib\nh = hashlib.new('sha256')\n", []),
        ("from Crypto.Hash import MD5\nh = MD5.new(data)\n", [("pycrypto", "md5", None)]),
        ("from cryptography.hazmat.primitives import hashes\nh = hashes.SHA1()\n", [("cryptography", "sha1", None)]),
    ],
)
def test_recognises_weak_hashes(source, expected):
    assert probe(source, 2) == expected


def test_function_context_when_the_statement_says_nothing():
    source = "import hashlib\n\n\ndef file_digest(path):\n    m = hashlib.md5()\n    return m\n"
    assert probe(source, 5) == [("hashlib", "md5", "benign")]
    source = "import hashlib\n\n\ndef check_login(user, pw):\n    m = hashlib.md5()\n    return m\n"
    assert probe(source, 5) == [("hashlib", "md5", "security")]
