"""weak-key-size: short RSA/DSA keys -> 2048 bits, weak EC curves -> SECP256R1."""

import pytest

from promsec_ci.rewrite.weak_key_size import WeakKeySize
from tests.rewrite.rewrite_check import check


def test_cryptography_rsa_positional():
    check(
        WeakKeySize,
        """\
        from cryptography.hazmat.primitives.asymmetric import rsa

        # signing key
        key = rsa.generate_private_key(65537, 1024)  # fast
        """,
        4,
        """\
        from cryptography.hazmat.primitives.asymmetric import rsa

        # signing key
        key = rsa.generate_private_key(65537, 2048)  # fast
        """,
        "B505",
    )


def test_keywords_and_pycryptodome():
    header = "from cryptography.hazmat.primitives.asymmetric import dsa\n"
    check(WeakKeySize, header + "k = dsa.generate_private_key(key_size=1024)\n", 2,
          header + "k = dsa.generate_private_key(key_size=2048)\n", "B505")
    check(WeakKeySize, "from Crypto.PublicKey import RSA\nkey = RSA.generate(bits=1024)\n", 2,
          "from Crypto.PublicKey import RSA\nkey = RSA.generate(bits=2048)\n", "B505")


def test_weak_curve():
    rewrite = WeakKeySize.apply(
        "from cryptography.hazmat.primitives.asymmetric import ec\nk = ec.generate_private_key(ec.SECP192R1())\n", 2)
    assert rewrite is not None and rewrite.text.endswith("k = ec.generate_private_key(ec.SECP256R1())\n")


@pytest.mark.parametrize(
    "source",
    [
        "from cryptography.hazmat.primitives.asymmetric import rsa\nk = rsa.generate_private_key(65537, 4096)\n",
        "from cryptography.hazmat.primitives.asymmetric import rsa\nk = rsa.generate_private_key(65537, size)\n",
        "from cryptography.hazmat.primitives.asymmetric import ec\nk = ec.generate_private_key(ec.SECP384R1())\n",
    ],
)
def test_refuses(source):
    assert WeakKeySize.apply(source, 2) is None


def test_refuses_when_the_module_relies_on_the_old_size():
    # decrypt() cuts the ciphertext in 128-byte blocks (1024 bits): with a 2048-bit key the
    # round trip raised "Ciphertext length must be equal to key size" (measured).
    source = (
        "from cryptography.hazmat.primitives.asymmetric import rsa, padding\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n\n\n"
        "def decrypt(ct):\n"
        "    return b''.join(key.decrypt(ct[i:i + 128], padding.PKCS1v15()) for i in range(0, len(ct), 128))\n"
    )
    assert WeakKeySize.apply(source, 2) is None
    # 117 bytes: the most PKCS#1 v1.5 encrypts with a 1024-bit key.
    assert WeakKeySize.apply(source.replace("128", "117"), 2) is None
    assert WeakKeySize.apply(source.replace("128", "64"), 2) is not None
