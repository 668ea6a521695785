"""os-popen-to-run: os.popen(command).read() -> subprocess.run([...], stdout=PIPE, text=True).stdout."""

from textwrap import dedent

from promsec_ci.rewrite.os_popen_to_run import OsPopenToRun
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses, run_module


def test_read_becomes_stdout():
    check(
        OsPopenToRun,
        """\
        import os

        def listing(path):
            out = os.popen("ls -l '" + path + "'").read()  # text
            return out
        """,
        4,
        """\
        import os
        import subprocess

        def listing(path):
            out = subprocess.run(["ls", "-l", path], stdout=subprocess.PIPE, text=True, check=False).stdout  # text
            return out
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_readlines_keeps_line_endings():
    run = 'subprocess.run(["grep", "-n", "TODO", str(name)], stdout=subprocess.PIPE, text=True, check=False)'
    check(
        OsPopenToRun,
        """\
        import os
        import subprocess

        def lines(name):
            return os.popen("grep -n TODO %s" % name, "r").readlines()
        """,
        5,
        f"""\
        import os
        import subprocess

        def lines(name):
            return {run}.stdout.splitlines(keepends=True)
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_refuses():
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    return os.popen('cat ' + p + ' | wc').read()\n", 4)
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    pipe = os.popen('cat ' + p)\n    return pipe\n", 4)
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    return os.popen('tee ' + p, 'w').read()\n", 4)


def test_same_output_and_injection_closed(tmp_path):
    source = """\
    import os

    def shout(word):
        return os.popen("echo " + word).read()
    """
    fixed = OsPopenToRun.apply(dedent(source), 4)
    assert fixed is not None
    old = run_module(tmp_path, "before", source)["shout"]
    new = run_module(tmp_path, "after", fixed.text)["shout"]
    assert new("hello") == old("hello") == "hello\n"
    assert old("a; echo injected") == "a\ninjected\n"
    assert new("a; echo injected") == "a; echo injected\n"
