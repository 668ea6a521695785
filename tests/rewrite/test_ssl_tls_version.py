"""ssl-tls-version: pinned SSLv2/3 and TLS 1.0/1.1 -> negotiated TLS constants."""

import pytest

from promsec_ci.rewrite.ssl_tls_version import SslTlsVersion
from tests.rewrite.rewrite_check import check


def test_wrap_socket_keyword():
    check(
        SslTlsVersion,
        """\
        import ssl

        # legacy peer
        conn = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLSv1)  # old box
        """,
        4,
        """\
        import ssl

        # legacy peer
        conn = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLS)  # old box
        """,
        "B502",
    )


def test_pyopenssl_method_and_default_argument():
    check(SslTlsVersion, "from OpenSSL import SSL\nctx = SSL.Context(method=SSL.SSLv23_METHOD)\n", 2,
          "from OpenSSL import SSL\nctx = SSL.Context(method=SSL.TLS_METHOD)\n", "B502")
    before = "from OpenSSL import SSL\n\n\ndef open_socket(version=SSL.SSLv3_METHOD):\n    return version\n"
    check(SslTlsVersion, before, 4, before.replace("SSLv3_METHOD", "TLS_METHOD"), "B503")


@pytest.mark.parametrize(
    "source",
    [
        "import ssl\nconn = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLS)\n",
        "import ssl\nconn = ssl.wrap_socket(sock, ssl_version=version)\n",
        "import ssl\nctx = ssl.create_default_context()\n",
    ],
)
def test_refuses(source):
    assert SslTlsVersion.apply(source, 2) is None
