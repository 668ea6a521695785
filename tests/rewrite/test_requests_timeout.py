"""requests-timeout: HTTP calls without a timeout -> timeout=30."""

import pytest

from promsec_ci.rewrite.requests_timeout import RequestsTimeout
from tests.rewrite.rewrite_check import check


def test_one_argument_per_line_layout_is_kept():
    check(
        RequestsTimeout,
        """\
        import requests


        def notify(url, data):
            # post the event
            return requests.post(
                url,
                json=data,  # body
            )
        """,
        6,
        """\
        import requests


        def notify(url, data):
            # post the event
            return requests.post(
                url,
                json=data,  # body
                timeout=30,
            )
        """,
        "B113",
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("r = requests.get(url)\n", "r = requests.get(url, timeout=30)\n"),
        ("r = requests.delete(u, timeout=None)\n", "r = requests.delete(u, timeout=30)\n"),
        ("r = requests.get(\n    url\n)\n", "r = requests.get(\n    url,\n    timeout=30\n)\n"),
        ("r = requests.head()\n", "r = requests.head(timeout=30)\n"),
    ],
)
def test_shapes(before, after):
    check(RequestsTimeout, "import requests\n" + before, 2, "import requests\n" + after, "B113")


def test_from_import_and_httpx_none():
    rewrite = RequestsTimeout.apply("from requests import get\nr = get(url)\n", 2)
    assert rewrite is not None and rewrite.text.endswith("r = get(url, timeout=30)\n")
    check(RequestsTimeout, "import httpx\nr = httpx.get(u, timeout=None)\n", 2,
          "import httpx\nr = httpx.get(u, timeout=30)\n", "B113")


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nr = requests.get(url, timeout=5)\n",
        "import requests\nr = requests.get(url, **kwargs)\n",
        "import httpx\nr = httpx.get(url)\n",
        "import requests\nr = session.get(url)\n",
    ],
)
def test_refuses(source):
    assert RequestsTimeout.apply(source, 2) is None
