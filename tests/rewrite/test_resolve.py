"""resolve: import-resolved call names, statement lookup, node swapping."""

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from promsec_ci.rewrite.resolve import (
    NodeSwapper,
    call_args,
    import_aliases,
    imported_modules,
    imported_name,
    resolve,
    statement_at,
)

SOURCE = """\
import subprocess as sp
import mysql.connector
from os import system as run_it

def f(x):
    if x:
        run_it("a")
    sp.run(["b"])
"""


def test_import_aliases_and_resolve():
    module = cst.parse_module(SOURCE)
    aliases = import_aliases(module)
    assert resolve(cst.parse_expression("sp.run"), aliases) == "subprocess.run"
    assert resolve(cst.parse_expression("run_it"), aliases) == "os.system"
    assert resolve(cst.parse_expression("other.call"), aliases) == "other.call"
    assert resolve(cst.parse_expression("f()"), aliases) is None
    assert {"mysql", "mysql.connector", "subprocess", "os"} <= imported_modules(aliases)


def test_statement_at_header_and_simple_lines():
    module = cst.parse_module(SOURCE)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert isinstance(statement_at(module, positions, 6), cst.If)
    inner = statement_at(module, positions, 7)
    assert isinstance(inner, cst.SimpleStatementLine) and "run_it" in cst.Module([inner]).code
    assert statement_at(module, positions, 4) is None


def test_node_swapper_and_call_args():
    module = cst.parse_module("f(a, b=1)\n")
    call = module.body[0].body[0].value
    positional, keywords = call_args(call)
    assert len(positional) == 1 and set(keywords) == {"b"}
    assert call_args(cst.parse_expression("f(*a)")) is None
    swapped = module.visit(NodeSwapper({call: cst.parse_expression("g()")}))
    assert swapped.code == "g()\n"


def test_imported_name_is_module_wide_or_at_the_top_of_the_function():
    module = cst.parse_module(
        "import os\ntry:\n    import yaml as y\nexcept ImportError:\n    y = None\n\n\n"
        "def f():\n    import subprocess as sp\n    if x:\n        import glob as g\n\n\nclass C:\n    import ast\n\n\n"
        "if TYPE_CHECKING:\n    import tempfile\n"
    )
    assert imported_name(module, "os") == "os" and imported_name(module, "yaml") == "y"
    assert [imported_name(module, name) for name in ("subprocess", "ast", "tempfile", "glob")] == [None] * 4
    function_body = module.body[2].body.body
    assert imported_name(module, "subprocess", function_body) == "sp"
    assert imported_name(module, "glob", function_body) is None  # imported under a condition
    assert import_aliases(module)["sp"] == "subprocess"
