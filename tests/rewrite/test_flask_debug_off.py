"""flask-debug-off: app.run(debug=True) -> debug from FLASK_DEBUG, off by default."""

import pytest

from promsec_ci.rewrite.flask_debug_off import FlaskDebugOff
from tests.rewrite.rewrite_check import check


def test_debug_true_reads_flask_debug():
    check(
        FlaskDebugOff,
        """\
        from flask import Flask

        app = Flask(__name__)

        if __name__ == "__main__":
            # local runs
            app.run(debug=True, port=5000)  # dev server
        """,
        7,
        """\
        from flask import Flask
        import os

        app = Flask(__name__)

        if __name__ == "__main__":
            # local runs
            app.run(debug=os.environ.get("FLASK_DEBUG") == "1", port=5000)  # dev server
        """,
        "B201",
    )


class _App:
    """Stands in for flask.Flask: records what run() was given."""

    def run(self, **options):
        self.options = options


@pytest.mark.parametrize(("env", "debug"), [(None, False), ("0", False), ("1", True)])
def test_rewritten_call_is_off_unless_opted_in(monkeypatch, env, debug):
    rewrite = FlaskDebugOff.apply("import flask\napp.run(debug=True)\n", 2)
    assert rewrite is not None
    if env is None:
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
    else:
        monkeypatch.setenv("FLASK_DEBUG", env)
    app = _App()
    exec(compile(rewrite.text.replace("import flask\n", ""), "rewritten.py", "exec"), {"app": app})  # nosec B102
    assert app.options == {"debug": debug}


@pytest.mark.parametrize(
    "source",
    ["app.run(debug=False)\n", "app.run(debug=flag)\n", "app.run()\n", "runner.start(debug=True)\n"],
)
def test_refuses(source):
    assert FlaskDebugOff.apply("import flask\n" + source, 2) is None


def test_leaves_the_event_loops_debug_mode_alone():
    # Bandit flags asyncio.run(..., debug=True) in a Flask module; the rewrite turned the loop's
    # debug mode off (measured: get_running_loop().get_debug() was True, rewritten False).
    source = ("import asyncio\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n"
              "async def main():\n    return asyncio.get_running_loop().get_debug()\n\n\n"
              "print(asyncio.run(main(), debug=True))\n")
    assert FlaskDebugOff.apply(source, 12) is None
    aliased = source.replace("import asyncio\n", "import asyncio as aio\n").replace("asyncio.", "aio.")
    assert FlaskDebugOff.apply(aliased, 12) is None
