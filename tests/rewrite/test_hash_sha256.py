"""hash-sha256: MD5/SHA-1 protecting a secret -> SHA-256; refuses checksum contexts."""

import pytest

from promsec_ci.rewrite.hash_sha256 import HashSha256
from tests.rewrite.rewrite_check import check


def test_password_digest_becomes_sha256():
    check(
        HashSha256,
        """\
        import hashlib


        def store(user, password):
            # hash before saving
            digest = hashlib.md5(password.encode()).hexdigest()  # legacy
            return digest
        """,
        6,
        """\
        import hashlib


        def store(user, password):
            # hash before saving
            digest = hashlib.sha256(password.encode()).hexdigest()  # legacy
            return digest
        """,
        "B324",
    )


def test_hashlib_new_keeps_quote_style():
    check(
        HashSha256,
        """\
        import hashlib
        token = hashlib.new('sha1', seed).hexdigest()
        """,
        2,
        """\
        import hashlib
        token = hashlib.new('sha256', seed).hexdigest()
        """,
        "B324",
    )


def test_from_import_gets_module_import():
    rewrite = HashSha256.apply("from hashlib import md5\nsignature = md5(payload).hexdigest()\n", 2)
    assert rewrite is not None
    assert rewrite.text == (
        "import hashlib\n\nsignature = hashlib.sha256(payload).hexdigest()\n"
    )
    assert rewrite.imports == ("import hashlib",)


def test_pycryptodome_and_cryptography_hashes():
    crypto = HashSha256.apply("from Crypto.Hash import MD5\nsig = MD5.new(secret)\n", 2)
    assert crypto is not None
    assert crypto.text == "from Crypto.Hash import SHA256\nsig = SHA256.new(secret)\n"
    check(
        HashSha256,
        """\
        from cryptography.hazmat.primitives import hashes
        algorithm = hashes.SHA1()
        """,
        2,
        """\
        from cryptography.hazmat.primitives import hashes
        algorithm = hashes.SHA256()
        """,
        "B303",
    )


def test_neutral_context_is_allowed():
    rewrite = HashSha256.apply("import hashlib\nm = hashlib.sha1()\n", 2)
    assert rewrite is not None and rewrite.text.endswith("m = hashlib.sha256()\n")


def test_a_client_nonce_is_any_hash_of_random_bytes():
    source = ("import hashlib, os\n\n\ndef encode(self, nonce_bytes):\n"
              "    cnonce = hashlib.sha1(nonce_bytes + os.urandom(8)).hexdigest()\n")
    rewrite = HashSha256.apply(source, 5)
    assert rewrite is not None and "cnonce = hashlib.sha256(" in rewrite.text


def test_function_name_gives_the_context():
    source = "import hashlib\n\n\ndef hash_password(p):\n    return hashlib.md5(p).hexdigest()\n"
    rewrite = HashSha256.apply(source, 5)
    assert rewrite is not None and "hashlib.sha256(p)" in rewrite.text


@pytest.mark.parametrize(
    "source",
    [
        "import hashlib\netag = hashlib.md5(body).hexdigest()\n",
        "import hashlib\nfile_checksum = hashlib.sha1(data).hexdigest()\n",
        "import hashlib\ncache_key = hashlib.md5(url.encode()).hexdigest()\n",
        "import hashlib\nx = hashlib.sha256(data).hexdigest()\n",
        "import hashlib\nx = hashlib.new('sha512', data)\n",
        "import hashlib\ntoken = hashlib.md5(seed, usedforsecurity=False).hexdigest()\n",
    ],
)
def test_refuses_checksums_and_strong_hashes(source):
    assert HashSha256.apply(source, 2) is None


DIGEST_AUTH = """\
import hashlib


def build_digest_header(algorithm, a1):
    if algorithm == "MD5":
        return hashlib.md5(a1).hexdigest()
    return None
"""


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # A cut-short digest names something (an index, a cache file): a new algorithm renames it.
        ("import hashlib\n\n\ndef make_index_name(name):\n    h = hashlib.md5(name.encode()).hexdigest()\n"
         "    return name[:56] + h[:7]\n", 5),
        ("import hashlib\nlabel = hashlib.sha1(code).hexdigest()[:12]\n", 2),
        # The code names its algorithm: HTTP digest auth, a field of a package index upload.
        (DIGEST_AUTH, 6),
        ("import hashlib\n\n\ndef md5_utf8(x):\n    return hashlib.md5(x).hexdigest()\n", 5),
        ("import hashlib\nmd5_digest = hashlib.md5(data).hexdigest()\n", 2),
        # RFC 6455 fixes SHA-1 for the WebSocket handshake.
        ("import hashlib, base64\naccept = base64.b64encode(hashlib.sha1(key + WS_KEY).digest())\n", 2),
        ("import hashlib\n\n\ndef _validate(headers, key):\n    result = headers.get('sec-websocket-accept')\n"
         "    value = (key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode('utf-8')\n"
         "    hashed = base64encode(hashlib.sha1(value).digest()).strip().lower()\n", 7),
        # A condition picks the algorithm: a protocol version or a caller's choice.
        ("from cryptography.hazmat.primitives import hashes\n\n\ndef sign(version):\n"
         "    algo = hashes.SHA256() if version == '2' else hashes.SHA1()\n", 5),
        ("import hashlib\n\n\ndef compute(alg, data):\n    if alg == Algorithm.SHA_256:\n"
         "        return hashlib.sha256(data)\n    elif alg == Algorithm.SHA_1:\n"
         "        return hashlib.sha1(data)\n", 8),
        ("import hashlib\n\n\ndef digest(alg, data):\n    if alg == Algorithm.MD5:\n"
         "        return hashlib.md5(data)\n", 6),
        # Authenticator apps compute TOTP with HMAC-SHA1.
        ("from cryptography.hazmat.primitives.hashes import SHA1\n\n\ndef cognito_totp(key):\n"
         "    return TOTP(key, 6, algorithm=SHA1(), time_step=30)\n", 5),
        # RFC 1939: the APOP answer is the MD5 of the server's timestamp and the secret.
        ("import hashlib\n\n\ndef apop(self, user, secret):\n    digest = m.group(1) + secret\n"
         "    digest = hashlib.md5(digest).hexdigest()\n    return self._shortcmd('APOP %s %s' % (user, digest))\n", 6),
        # WS-Security's UsernameToken digest and OAuth 1's body hash are SHA-1 by their specs.
        ("import hashlib\n\n\ndef _wsse_username_token(cnonce, iso_now, password):\n"
         "    return hashlib.sha1(cnonce + iso_now + password).digest()\n", 5),
        ("import hashlib\nparams.append(('oauth_body_hash', hashlib.sha1(body).digest()))\n", 2),
        # A table of named algorithms: RFC 7518 fixes SHA-1 for RSA-OAEP.
        ("from cryptography.hazmat.primitives import hashes\nALGS = [\n"
         "    Alg('RSA-OAEP', OAEP(MGF1(hashes.SHA1()), hashes.SHA1(), None)),\n"
         "    Alg('RSA-OAEP-256', OAEP(MGF1(hashes.SHA256()), hashes.SHA256(), None)),\n]\n", 3),
    ],
)
def test_refuses_digests_fixed_by_a_protocol_or_format(source, line):
    assert HashSha256.apply(source, line) is None


def test_an_import_at_the_top_of_the_function_serves_the_rewrite():
    local = "def key(config):\n    import hashlib\n    return hashlib.md5(config['password']).digest()\n"
    rewrite = HashSha256.apply(local, 3)
    assert rewrite is not None and rewrite.imports == ()
    assert rewrite.text == local.replace("md5", "sha256")
    nested = ("import hashlib as h\n\n\ndef key(config):\n    def helper():\n        import hashlib\n"
              "    return h.md5(config['password']).digest()\n")
    assert HashSha256.apply(nested, 7).imports == ()  # the module's own alias, not the helper's import
    assert "h.sha256(" in HashSha256.apply(nested, 7).text


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # Compared with a digest computed before: True became False for the right password.
        ("import hashlib\n\n\ndef check(password):\n"
         "    return hashlib.md5(password.encode()).hexdigest() == '5f4dcc3b5aa765d61d8327deb882cf99'\n", 5),
        ("import hashlib\nADMIN = '5f4dcc3b5aa765d61d8327deb882cf99'\n\n\ndef check(password):\n"
         "    digest = hashlib.md5(password.encode()).hexdigest()\n    return hmac.compare_digest(digest, ADMIN)\n", 6),
        # Fed where its length is fixed: Fernet wants 32 bytes, a CBC IV 16, a UUID 16 (ValueError).
        ("import base64, hashlib\nfrom cryptography.fernet import Fernet\n\n\ndef encrypt(secret, data):\n"
         "    key = hashlib.md5(secret.encode()).hexdigest()\n"
         "    return Fernet(base64.urlsafe_b64encode(key.encode())).encrypt(data)\n", 6),
        ("import hashlib\n\n\ndef encrypt(password, key, data):\n    iv = hashlib.md5(password.encode()).digest()\n"
         "    return Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor().update(data)\n", 5),
        ("import hashlib, uuid\n\n\ndef session_uuid(user):\n"
         "    return uuid.UUID(bytes=hashlib.md5(user.encode()).digest())\n", 5),
        ("import hashlib\n\n\ndef session_key(user):\n    m = hashlib.md5()\n    m.update(user)\n"
         "    return derive(m.digest())\n", 5),
    ],
)
def test_refuses_a_digest_compared_or_fed_where_its_length_matters(source, line):
    assert HashSha256.apply(source, line) is None


def test_refuses_when_the_module_computes_the_same_digest_elsewhere():
    # register() would store SHA-256 digests that login() compares with MD5 ones: login failed.
    source = ("import hashlib\n\n\ndef register(db, user, password):\n"
              "    db[user] = hashlib.md5(password.encode()).hexdigest()\n\n\n"
              "def login(db, user, password):\n    return db[user] == hashlib.md5(password.encode()).hexdigest()\n")
    assert HashSha256.apply(source, 5) is None
    assert HashSha256.apply(source.replace("hashlib.md5(password.encode()).hexdigest()\n\n",
                                           "hashlib.sha1(password.encode()).hexdigest()\n\n"), 5) is not None


def test_the_same_digest_twice_in_one_function_is_fixed_there():
    # Both are the unit's findings: the search rewrites them together.
    source = ("import hashlib\n\n\ndef activation_key(seed, user):\n"
              "    salt = hashlib.sha1(seed.encode()).hexdigest()[:5]\n"
              "    return hashlib.sha1((salt + user).encode()).hexdigest()\n")
    first = HashSha256.apply(source, 5)
    assert first is not None and "salt = hashlib.sha256(seed.encode())" in first.text
    second = HashSha256.apply(first.text, 6)
    assert second is not None and "return hashlib.sha256((salt + user).encode())" in second.text
