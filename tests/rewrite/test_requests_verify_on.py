"""requests-verify-on: verify=False -> the libraries' default certificate verification."""

from collections import Counter
from textwrap import dedent

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.rewrite.requests_verify_on import RequestsVerifyOn

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


def test_verify_false_removed_keeping_other_arguments():
    check(
        RequestsVerifyOn,
        """\
        import requests

        # fetch the report
        r = requests.get(url, verify=False, timeout=5)  # internal host
        """,
        4,
        """\
        import requests

        # fetch the report
        r = requests.get(url, timeout=5)  # internal host
        """,
        "B501",
    )


def test_last_argument_and_multiline():
    check(RequestsVerifyOn, "import requests\nr = requests.post(u, timeout=5, verify=False)\n", 2,
          "import requests\nr = requests.post(u, timeout=5)\n", "B501")
    check(RequestsVerifyOn, "import requests\nr = requests.post(\n    u,\n    timeout=5,\n    verify=False,\n)\n", 3,
          "import requests\nr = requests.post(\n    u,\n    timeout=5,\n)\n", "B501")
    check(RequestsVerifyOn, "import httpx\nc = httpx.Client(verify=False)\n", 2,
          "import httpx\nc = httpx.Client()\n", "B501")


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nr = requests.get(url, verify=True, timeout=5)\n",
        "import requests\nr = requests.get(url, verify=ca_bundle, timeout=5)\n",
        "import requests\nr = session.get(url, verify=False, timeout=5)\n",
    ],
)
def test_refuses(source):
    assert RequestsVerifyOn.apply(source, 2) is None
