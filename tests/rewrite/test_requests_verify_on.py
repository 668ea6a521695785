"""requests-verify-on: verify=False -> the libraries' default certificate verification."""

import pytest

from promsec_ci.rewrite.requests_verify_on import RequestsVerifyOn
from tests.rewrite.rewrite_check import check


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


def test_an_insecure_option_of_the_users_own_is_left_working():
    source = ("import requests\n\n\ndef fetch(url, args):\n    if args.insecure:\n"
              "        return requests.get(url, verify=False, timeout=5)\n    return requests.get(url, timeout=5)\n")
    assert RequestsVerifyOn.apply(source, 6) is None
    debug = source.replace("args.insecure", "args.debug")
    assert RequestsVerifyOn.apply(debug, 6) is not None  # debugging is no reason to trust any server


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("requests.get(url,\n    verify=False,  # self-signed\n    timeout=5)",
         "requests.get(url,  # self-signed\n    timeout=5)"),
        ("requests.get(url, verify=False,  # self-signed\n    timeout=5)",
         "requests.get(url,  # self-signed\n    timeout=5)"),
        ("requests.get(\n    url,\n    timeout=5,\n    verify=False,  # self-signed\n)",
         "requests.get(\n    url,\n    timeout=5,  # self-signed\n)"),
        ("requests.get(url,  # the host\n    verify=False)", "requests.get(url  # the host\n)"),
        ("requests.get(\n    url,  # the host\n    verify=False,  # self-signed\n    timeout=5,\n)",
         "requests.get(\n    url,  # the host\n    # self-signed\n    timeout=5,\n)"),
    ],
    ids=["middle", "middle-same-line", "last", "comment-before", "both"],
)
def test_comments_on_the_removed_argument_and_around_it_are_kept(call, fixed):
    check(RequestsVerifyOn, f"import requests\nr = {call}\n", 2, f"import requests\nr = {fixed}\n", "B501")
