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
