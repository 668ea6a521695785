"""hash-not-for-security: checksum/cache-key digests get usedforsecurity=False; secrets refused."""

import pytest

from promsec_ci.rewrite.hash_not_for_security import HashNotForSecurity
from promsec_ci.rewrite.hash_sha256 import HashSha256
from tests.rewrite.rewrite_check import check


def test_etag_gets_usedforsecurity_false():
    check(
        HashNotForSecurity,
        """\
        import hashlib


        def etag_for(body):
            etag = hashlib.md5(body).hexdigest()  # weak tag is fine
            return etag
        """,
        5,
        """\
        import hashlib


        def etag_for(body):
            etag = hashlib.md5(body, usedforsecurity=False).hexdigest()  # weak tag is fine
            return etag
        """,
        "B324",
    )


def test_hashlib_new_and_empty_constructor():
    check(
        HashNotForSecurity,
        """\
        import hashlib
        checksum = hashlib.new("sha1", data)
        """,
        2,
        """\
        import hashlib
        checksum = hashlib.new("sha1", data, usedforsecurity=False)
        """,
        "B324",
    )
    source = "import hashlib\n\n\ndef file_md5(fname):\n    hash_md5 = hashlib.md5()\n    return hash_md5\n"
    rewrite = HashNotForSecurity.apply(source, 5)
    assert rewrite is not None and "hashlib.md5(usedforsecurity=False)" in rewrite.text


def test_usedforsecurity_true_is_flipped():
    rewrite = HashNotForSecurity.apply("import hashlib\nh = hashlib.md5(b, usedforsecurity=True)\n", 2)
    assert rewrite is not None and rewrite.text.endswith("h = hashlib.md5(b, usedforsecurity=False)\n")


@pytest.mark.parametrize(
    "source",
    [
        "import hashlib\npassword_hash = hashlib.md5(pw).hexdigest()\n",
        "import hashlib\nsignature = hashlib.sha1(signature).hexdigest()\n",
        "import hashlib\nredis.set('user:password', hashlib.sha1(b'test').hexdigest())\n",
        "from Crypto.Hash import MD5\nh = MD5.new(data)\n",
        "import hashlib\nh = hashlib.md5(*parts)\n",
    ],
)
def test_refuses_security_contexts_and_other_libraries(source):
    assert HashNotForSecurity.apply(source, 2) is None


def test_cut_short_and_handshake_digests_are_marked_not_for_security():
    rewrite = HashNotForSecurity.apply("import hashlib\nlabel = hashlib.sha1(code).hexdigest()[:12]\n", 2)
    assert rewrite is not None and "hashlib.sha1(code, usedforsecurity=False)" in rewrite.text
    source = "import hashlib, base64\naccept = base64.b64encode(hashlib.sha1(key + WS_KEY).digest())\n"
    rewrite = HashNotForSecurity.apply(source, 2)
    assert rewrite is not None and "usedforsecurity=False" in rewrite.text


def test_where_a_hash_objects_digest_goes_names_it():
    source = ("from hashlib import md5\n\n\ndef set_popcon_participation(self):\n    m = md5()\n"
              "    with open('/dev/urandom', 'rb') as f:\n        m.update(f.read(1024))\n    id = m.hexdigest()\n"
              "    return id\n")
    rewrite = HashNotForSecurity.apply(source, 5)
    assert rewrite is not None and "m = md5(usedforsecurity=False)" in rewrite.text
    assert HashSha256.apply(source, 5) is None
    module_level = ("import hashlib\nhasher = hashlib.sha1()\nfor part in chunks:\n    hasher.update(part)\n"
                    "etag = '\"%s\"' % hasher.hexdigest()\n")
    assert HashSha256.apply(module_level, 2) is None  # module-level code: its readers count too
    assert "hashlib.sha1(usedforsecurity=False)" in HashNotForSecurity.apply(module_level, 2).text


def test_a_digest_the_code_names_needs_a_benign_signal():
    source = "import hashlib\n\n\ndef md5_utf8(x):\n    return hashlib.md5(x).hexdigest()\n"
    assert HashNotForSecurity.apply(source, 5) is None


FIPS_FALLBACK = (
    "from hashlib import md5\n\n\ndef tokenize(*args):\n    try:\n        h = md5(str(args).encode())\n"
    "    except ValueError:\n        h = md5(str(args).encode(), usedforsecurity=False)\n    return h.hexdigest()\n"
)
CACHE_KEY_BESIDE_A_SESSION = (
    "import hashlib\n\n\nclass Cache:\n    def _generate_cache_key(self, start_url, session_name):\n"
    "        return hashlib.sha1(start_url.encode()).hexdigest()\n"
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The function's own FIPS fallback already says what the digest is for.
        (FIPS_FALLBACK, "h = md5(str(args).encode(), usedforsecurity=False)\n    except"),
        # The function's name speaks before its parameters.
        (CACHE_KEY_BESIDE_A_SESSION, "sha1(start_url.encode(), usedforsecurity=False)"),
    ],
)
def test_the_code_says_not_for_security(source, expected):
    rewrite = HashNotForSecurity.apply(source, 6)
    assert rewrite is not None and expected in rewrite.text
    assert HashSha256.apply(source, 6) is None
