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
