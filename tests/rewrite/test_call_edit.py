"""call_edit: argument edits keep the call's layout and comments; names resolve through imports."""

import libcst as cst
import pytest

from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    append_arg,
    classify,
    drop_orphaned_imports,
    env_lookup,
    get_kwarg,
    kwarg,
    remove_arg,
    split_words,
)
from promsec_ci.rewrite.cst_tools import rewrite_at


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("f()", "f(timeout=30)"),
        ("f(a)", "f(a, timeout=30)"),
        ("f(a )", "f(a, timeout=30 )"),
        ("f(a, b, )", "f(a, b, timeout=30, )"),
        ("f(\n    url,\n    json=data,  # body\n)", "f(\n    url,\n    json=data,  # body\n    timeout=30,\n)"),
        ("f(\n    url  # u\n)", "f(\n    url,  # u\n    timeout=30\n)"),
        ("f(url,\n  data=d\n)", "f(url,\n  data=d,\n  timeout=30\n)"),
    ],
)
def test_append_arg_follows_layout(before, after):
    call = cst.parse_expression(before)
    assert code(append_arg(call, kwarg("timeout", cst.Integer("30")))) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("f(u, verify=False)", "f(u)"),
        ("f(u, verify=False, t=1)", "f(u, t=1)"),
        ("f(verify=False)", "f()"),
        ("f(u, verify=False, )", "f(u, )"),
        ("f(\n    u,  # the url\n    verify=False\n)", "f(\n    u  # the url\n)"),
        ("f(\n    u,  # the url\n    verify=False,  # bad\n)", "f(\n    u,  # the url\n    # bad\n)"),
        ("f(\n    u,\n    verify=False,\n    t=1,\n)", "f(\n    u,\n    t=1,\n)"),
        # Comments before a comma (comma-first layout) were dropped: "# c" and "# the url" went.
        ("f(u, verify=False  # c\n  , t=1)", "f(u,  # c\n  t=1)"),
        ("f(u  # the url\n  , verify=False)", "f(u  # the url\n  )"),
        ("f(u  # the url\n  , verify=False, )", "f(u  # the url\n  , )"),
        ("f( u  # a\n    ,  # b\n    verify=False  # c\n)", "f( u  # a\n    # b\n    # c\n)"),
    ],
)
def test_remove_arg_keeps_neighbours(before, after):
    call = cst.parse_expression(before)
    assert code(remove_arg(call, get_kwarg(call, "verify"))) == after


def test_env_lookup_forms():
    assert code(env_lookup("os", "DB_PASSWORD")) == 'os.environ["DB_PASSWORD"]'
    assert code(env_lookup("os", "HOST", "127.0.0.1")) == 'os.environ.get("HOST", "127.0.0.1")'
    assert code(env_lookup("o", "X", 'a"b')) == 'o.environ.get("X", "a\\"b")'


def test_split_words_and_classify():
    assert split_words("adminPassword_hash") == ["admin", "password", "hash"]
    assert classify(["file", "password"], frozenset({"password"}), frozenset({"file"})) == "security"
    assert classify(["file", "md5"], frozenset({"password"}), frozenset({"file"})) == "benign"
    assert classify(["user_secret_x"], frozenset(), frozenset()) == "security"  # stem match
    assert classify(["md5"], frozenset({"password"}), frozenset({"file"})) is None


class _Names(CallTransformer):
    """Records the resolved name of every call in the target statement."""

    seen: list

    def on_call(self, original, updated, name):
        self.seen.append(name)
        return updated


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import yaml as y\ny.load(s)\n", "yaml.load"),
        ("from xml.dom import minidom\nminidom.parse(f)\n", "xml.dom.minidom.parse"),
        ("requests.get(u)\n", "requests.get"),  # fragment without imports: dotted text
        ("def f(random):\n    random.randint(1, 2)\n", None),  # a local value, not the module
    ],
)
def test_qualified_name(source, expected):
    transformer = _Names(source.count("\n"))
    transformer.seen = []
    assert rewrite_at(source, transformer) is None  # nothing rewritten
    assert transformer.seen == [expected]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # the rewrite removed the only use: the import goes
        ("import random\nx = random.random()\n", "import random\nx = 1\n", "x = 1\n"),
        ("from hashlib import md5\nh = md5(b)\n", "from hashlib import md5\nh = 2\n", "h = 2\n"),
        ("import xml.etree.ElementTree as ET\nt = ET.parse(f)\n", "import xml.etree.ElementTree as ET\nt = 3\n",
         "t = 3\n"),
        # still used elsewhere, or unused already before: left alone
        ("import random\nx = random.random()\ny = random.random()\n", "import random\nx = 1\ny = random.random()\n",
         "import random\nx = 1\ny = random.random()\n"),
        ("import os\nimport random\nx = random.random()\n", "import os\nimport random\nx = 1\n", "import os\nx = 1\n"),
    ],
)
def test_drop_orphaned_imports(before, after, expected):
    assert drop_orphaned_imports(before, after) == expected
