"""ssl-default-context: ssl._create_unverified_context() -> ssl.create_default_context()."""

import ssl
from collections import Counter
from textwrap import dedent

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.rewrite.ssl_default_context import SslDefaultContext

BANDIT = BanditAnalyzer()


def rules(text: str) -> Counter:
    found = BANDIT.analyze_text(text, "sample.py")
    assert found is not None, "sample does not parse"
    return Counter(f.rule_id for f in found)


def check(operator, before: str, line: int, after: str, rule: str) -> None:
    """The rewrite at ``line`` is exactly ``after``, clears ``rule`` and adds no finding."""
    before, after = dedent(before), dedent(after)
    assert rules(before)[rule] >= 1
    rewrite = operator.apply(before, line)
    assert rewrite is not None
    assert rewrite.text == after
    assert rules(after)[rule] == 0
    assert not rules(after) - rules(before), "the rewrite introduced a finding"


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
