"""jinja2-autoescape: Environment without autoescaping -> autoescape=select_autoescape()."""

import pytest

from promsec_ci.rewrite.jinja2_autoescape import Jinja2Autoescape
from tests.rewrite.rewrite_check import check, rules


def test_module_import_and_layout():
    check(
        Jinja2Autoescape,
        """\
        import jinja2

        # templates live next to the app
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader("templates"),  # html
        )
        """,
        4,
        """\
        import jinja2

        # templates live next to the app
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader("templates"),  # html
            autoescape=jinja2.select_autoescape(),
        )
        """,
        "B701",
    )


def test_explicit_false_and_from_import():
    rewrite = Jinja2Autoescape.apply("from jinja2 import Environment\nenv = Environment(autoescape=False)\n", 2)
    assert rewrite is not None
    assert rewrite.text.endswith("env = Environment(autoescape=select_autoescape())\n")
    assert rewrite.imports == ("from jinja2 import select_autoescape",)
    assert rules(rewrite.text)["B701"] == 0


def test_rewritten_environment_escapes_html():
    rewrite = Jinja2Autoescape.apply("import jinja2\nenv = jinja2.Environment()\n", 2)
    assert rewrite is not None
    namespace: dict = {}
    exec(compile(rewrite.text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output
    assert namespace["env"].from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


@pytest.mark.parametrize(
    "source",
    [
        "import jinja2\nenv = jinja2.Environment(autoescape=True)\n",
        "import jinja2\nenv = jinja2.Environment(autoescape=jinja2.select_autoescape(['html']))\n",
        "import jinja2\nenv = jinja2.Environment(**settings)\n",
        "import jinja2\nt = jinja2.Template(s)\n",
    ],
)
def test_refuses(source):
    assert Jinja2Autoescape.apply(source, 2) is None


def _rendered(text: str) -> str:
    namespace: dict = {}
    exec(compile(text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output
    return namespace["env"].from_string("{{ x }}").render(x="<b>")


@pytest.mark.parametrize(
    ("before", "call"),
    [
        # jinja2.environment has no select_autoescape: the package's is used.
        ("import jinja2.environment\nenv = jinja2.environment.Environment()\n", "jinja2.select_autoescape()"),
        ("from jinja2 import environment\nenv = environment.Environment()\n", "select_autoescape()"),
        # The module's own select_autoescape is left alone: jinja2's is read through the module.
        ("import jinja2\nfrom jinja2 import Environment\n\n\ndef select_autoescape():\n    return False\n\n\n"
         "env = Environment()\n", "jinja2.select_autoescape()"),
    ],
)
def test_select_autoescape_is_jinja2s(before, call):
    line = before.count("\n", 0, before.index("env =")) + 1
    rewrite = Jinja2Autoescape.apply(before, line)
    assert rewrite is not None
    assert f"Environment(autoescape={call})" in rewrite.text
    assert _rendered(rewrite.text) == "&lt;b&gt;"


@pytest.mark.parametrize(
    "source",
    [
        # The name select_autoescape is something else where the call reads it.
        "from jinja2 import Environment\nmake = lambda select_autoescape: Environment()\n",
        "from jinja2 import Environment\nenvs = [Environment() for select_autoescape in range(3)]\n",
        # A star import may bind select_autoescape to the other module's.
        "from jinja2 import Environment\nfrom helpers import *\nenv = Environment()\n",
    ],
)
def test_refuses_when_select_autoescape_is_taken(source):
    assert Jinja2Autoescape.apply(source, source.count("\n", 0, source.index("Environment()")) + 1) is None
