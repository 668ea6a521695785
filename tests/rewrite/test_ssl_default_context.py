"""ssl-default-context: ssl._create_unverified_context() -> ssl.create_default_context()."""

import ssl

import pytest

from promsec_ci.rewrite.ssl_default_context import SslDefaultContext
from tests.rewrite.rewrite_check import check


def test_unverified_context_becomes_default():
    check(
        SslDefaultContext,
        """\
        import ssl
        import urllib.request


        def fetch(url):
            # the API host
            ctx = ssl._create_unverified_context()  # self-signed?
            return urllib.request.urlopen(url, context=ctx)
        """,
        7,
        """\
        import ssl
        import urllib.request


        def fetch(url):
            # the API host
            ctx = ssl.create_default_context()  # self-signed?
            return urllib.request.urlopen(url, context=ctx)
        """,
        "B323",
    )


def test_rewritten_context_verifies():
    rewrite = SslDefaultContext.apply("import ssl\nctx = ssl._create_unverified_context(cafile=None)\n", 2)
    assert rewrite is not None
    namespace: dict = {}
    exec(compile(rewrite.text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output
    assert namespace["ctx"].verify_mode == ssl.CERT_REQUIRED and namespace["ctx"].check_hostname


def test_from_import_gets_module_import():
    source = "from ssl import _create_unverified_context\nc = _create_unverified_context()\n"
    rewrite = SslDefaultContext.apply(source, 2)
    assert rewrite is not None and rewrite.text.endswith("c = ssl.create_default_context()\n")


@pytest.mark.parametrize(
    "source",
    [
        "import ssl\nc = ssl._create_unverified_context(ssl.PROTOCOL_TLS_CLIENT)\n",
        "import ssl\nc = ssl._create_unverified_context(certfile='c.pem')\n",
        "import ssl\nc = ssl.create_default_context()\n",
    ],
)
def test_refuses(source):
    assert SslDefaultContext.apply(source, 2) is None


@pytest.mark.parametrize(
    "source",
    [
        "import ssl\n\n\ndef context(self, ca):\n    if self._ignore_certs:\n"
        "        return ssl._create_unverified_context(cafile=ca)\n    return ssl.create_default_context(cafile=ca)\n",
        "import ssl\n\n\ndef context(validate_certificate):\n"
        "    return ssl.create_default_context() if validate_certificate else ssl._create_unverified_context()\n",
    ],
)
def test_an_option_of_the_users_own_is_left_working(source):
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "_create_unverified_context" in text)
    assert SslDefaultContext.apply(source, line) is None
    for test in ("protocol == 'https'", "self.use_ssl"):  # transport security on: the weakness itself
        unconditional = f"import ssl\n\n\ndef context(self, protocol):\n    if {test}:\n" \
                        "        return ssl._create_unverified_context()\n"
        assert SslDefaultContext.apply(unconditional, 6) is not None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # create_default_context() checks host names: wrap_socket without server_hostname raised
        # ValueError even against a server whose certificate verified (measured on 127.0.0.1).
        ("import socket, ssl\n\n\ndef fetch(port):\n    ctx = ssl._create_unverified_context()\n"
         "    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)))\n    return s.recv(5)\n", 5),
        ("import ssl\n\n\ndef wrap(sock):\n    return ssl._create_unverified_context().wrap_socket(sock)\n", 5),
        ("import ssl\nCTX = ssl._create_unverified_context()\n\n\ndef pipe(a, b):\n    return CTX.wrap_bio(a, b)\n", 2),
    ],
)
def test_refuses_a_context_that_wraps_without_a_host_name(source, line):
    assert SslDefaultContext.apply(source, line) is None


def test_a_context_that_wraps_with_a_host_name_is_rewritten():
    source = ("import ssl\n\n\ndef fetch(sock, host):\n    ctx = ssl._create_unverified_context()\n"
              "    return ctx.wrap_socket(sock, server_hostname=host)\n")
    assert SslDefaultContext.apply(source, 5) is not None
