"""eval-literal-eval: eval of literal-shaped data -> ast.literal_eval."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.eval_literal_eval import EvalLiteralEval
from tests.rewrite.injection_check import check, refuses


def test_subscripted_result_of_a_read_line():
    check(
        EvalLiteralEval,
        """\
        import json

        def last_seq(f):
            last = f.readline()
            if last.startswith('['):
                seq = eval(last)[1]  # [id, seq]
            return seq
        """,
        6,
        """\
        import json
        import ast

        def last_seq(f):
            last = f.readline()
            if last.startswith('['):
                seq = ast.literal_eval(last)[1]  # [id, seq]
            return seq
        """,
        "B307",
    )


def test_constant_literal_and_existing_alias():
    check(
        EvalLiteralEval,
        """\
        import ast as a

        DEFAULTS = eval("{'retries': 3, 'hosts': ['a', 'b']}")
        """,
        3,
        """\
        import ast as a

        DEFAULTS = a.literal_eval("{'retries': 3, 'hosts': ['a', 'b']}")
        """,
        "B307",
    )


def test_named_data_used_as_mapping():
    check(
        EvalLiteralEval,
        """\
        def load(text):
            config = eval(text)
            return config.get("name"), len(config)
        """,
        2,
        """\
        import ast

        def load(text):
            config = ast.literal_eval(text)
            return config.get("name"), len(config)
        """,
        "B307",
    )


def test_value_guarded_to_literal_strings():
    check(
        EvalLiteralEval,
        """\
        import os

        def debug():
            flag = os.getenv('DEBUG', 'False')
            if flag in ('True', 'False'):
                return eval(flag)
            raise RuntimeError(flag)
        """,
        6,
        """\
        import os
        import ast

        def debug():
            flag = os.getenv('DEBUG', 'False')
            if flag in ('True', 'False'):
                return ast.literal_eval(flag)
            raise RuntimeError(flag)
        """,
        "B307",
    )


def test_value_guarded_by_an_equality_chain_in_an_elif():
    source = """\
        def level(s):
            if s == "x":
                return 0
            elif s == "1" or "2" == s:
                return eval(s)
        """
    rewrite = EvalLiteralEval.apply(dedent(source), 5)
    assert rewrite is not None and "ast.literal_eval(s)" in rewrite.text


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("def f(s):\n    if s in ('True', 'os.system'):\n        return eval(s)\n", 3),
        ("def f(s):\n    if s in ('True', 'False'):\n        s = s + '()'\n        return eval(s)\n", 4),
        ("def f(s):\n    if s in ('True', 'False'):\n        pass\n    else:\n        return eval(s)\n", 5),
        ("def f(s, t):\n    if t in ('True', 'False'):\n        return eval(s)\n", 3),
        ("def f(s):\n    if s == 'True' and s:\n        return eval(s)\n", 3),
    ],
    ids=["code-among-the-values", "rebound", "else-branch", "other-name", "and"],
)
def test_refuses_guards_that_do_not_hold(source, line):
    assert refuses(EvalLiteralEval, source, line)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("def f(code, ctx):\n    return eval(code, ctx)\n", 2),
        ("def f(s):\n    return eval(s)\n", 2),
        ("x = eval('1 + 2')\n", 1),
        ("x = eval('__import__(\"os\").getcwd()')\n", 1),
        ("def f(expression):\n    result = eval(expression)\n    return round(result)\n", 2),
        ("def f(name):\n    return eval('{0}.__doc__'.format(name))\n", 2),
        # eval("foo") raised NameError, handled here; literal_eval raises ValueError (measured: None
        # became an uncaught ValueError).
        ("def parse(raw):\n    try:\n        data = eval(raw)\n    except (SyntaxError, NameError):\n"
         "        data = None\n    return data\n", 3),
    ],
    ids=["globals", "no-evidence", "arithmetic-constant", "code-constant", "arithmetic-names", "attribute-code",
         "handles-name-error"],
)
def test_refuses(source, line):
    assert refuses(EvalLiteralEval, source, line)


def test_refuses_repr_round_trip():
    source = "from collections import defaultdict\n\ndef t(d1):\n    assert eval(repr(d1)) == d1\n"
    assert refuses(EvalLiteralEval, source, 4)


@pytest.mark.parametrize(
    "source",
    [
        "from flask import request\n\ndef items():\n    data = eval(request.data)\n    return len(data)\n",
        "def load(sock):\n    rows = eval(sock.recv(4096))\n    return rows[0]\n",
        "def load(path):\n    with open(path, 'rb') as fh:\n        rows = eval(fh.read())\n    return rows[0]\n",
        "import subprocess\n\ndef load():\n    out = subprocess.check_output(['cat', 'x'])\n"
        "    rows = eval(out)\n    return rows[0]\n",
        "import requests\n\ndef load(url):\n    rows = eval(requests.get(url).content)\n    return rows[0]\n",
    ],
    ids=["request-data", "recv", "binary-file", "check-output", "response-content"],
)
def test_refuses_text_that_may_be_bytes(source):
    # eval decodes bytes; literal_eval raises ValueError for them (measured: a Flask view doing
    # eval(request.data) answered 200, rewritten 500 "malformed node or string: b'[1, 2, 3]'").
    assert eval(b"[1, 2, 3]") == [1, 2, 3]  # nosec B307
    with pytest.raises(ValueError):
        __import__("ast").literal_eval(b"[1, 2, 3]")
    line = next(n for n, text in enumerate(dedent(source).splitlines(), 1) if "eval(" in text)
    assert refuses(EvalLiteralEval, source, line)


def test_text_file_read_is_still_fixed():
    source = "def load(path):\n    with open(path) as fh:\n        rows = eval(fh.read())\n    return rows[0]\n"
    rewrite = EvalLiteralEval.apply(source, 3)
    assert rewrite is not None and "ast.literal_eval(fh.read())" in rewrite.text


@pytest.mark.parametrize(
    "definition",
    ["def eval(loader):\n    return {'accuracy': 1.0}\n", "class eval:\n    pass\n", "eval = evaluate\n",
     "def run(data, eval=print):\n    return eval(data)\n"],
    ids=["function", "class", "assigned", "parameter"],
)
def test_refuses_the_modules_own_eval(definition):
    # Training code's eval(loader) returns metrics; as literal_eval(loader) it raised ValueError
    # (measured: report() returned 0.5, rewritten "malformed node or string: [(1, 1), (2, 3)]").
    source = definition + ("\n\ndef report(val_loader):\n    metrics = eval(val_loader)\n"
                           "    return metrics['accuracy']\n")
    line = source.splitlines().index("    metrics = eval(val_loader)") + 1
    assert refuses(EvalLiteralEval, source, line)
