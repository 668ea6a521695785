"""os-popen-to-run: os.popen(command).read() -> subprocess.run([...], stdout=PIPE, text=True).stdout."""

import subprocess
import sys
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
    run = 'subprocess.Popen(["grep", "-n", "TODO", str(name)], stdout=subprocess.PIPE, text=True)'
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
            return {run}.stdout.readlines()
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_readlines_splits_where_the_file_did(tmp_path):
    # A form feed (or \x1c, \x85) inside a line: the pipe's readlines keeps it in the line,
    # str.splitlines split there (measured: ['a\x0cb\n', 'c\n'] became ['a\x0c', 'b\n', 'c\n']).
    (tmp_path / "ff.txt").write_text("a\fb\nc\x1cd\n")
    source = f"import os\n\ndef lines():\n    return os.popen('cat {tmp_path / 'ff.txt'}').readlines()\n"
    fixed = OsPopenToRun.apply(source, 4)
    assert fixed is not None
    before = run_module(tmp_path, "before", source)["lines"]()
    assert before == ["a\fb\n", "c\x1cd\n"]
    assert run_module(tmp_path, "after", fixed.text)["lines"]() == before


def test_pipeline_keeps_the_shell_for_its_text_only():
    fixed = OsPopenToRun.apply("import os\n\ndef f(p):\n    return os.popen('cat ' + p + ' | wc').read()\n", 4)
    assert fixed is not None
    assert fixed.text.splitlines()[-1] == ("""    return subprocess.run(["/bin/sh", "-c", 'cat "$1" | wc', "sh", p], """
                                           "stdout=subprocess.PIPE, text=True, check=False).stdout")


def test_refuses():
    windows = ("import os, sys\n\nWIN = sys.platform == 'win32'\n\n"
               "def f(p):\n    return os.popen('cat ' + p + ' | wc').read()\n")
    assert refuses(OsPopenToRun, windows, 6)
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


def test_pipe_read_as_a_file_in_with_becomes_the_pipe_of_a_popen():
    run = "subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True).stdout"
    check(
        OsPopenToRun,
        """\
        import os

        def command_of(pid):
            cmd = 'ps -p %s -o command=' % (pid,)
            with os.popen(cmd, 'r') as p:
                return p.readline().strip()
        """,
        5,
        f"""\
        import os
        import subprocess

        def command_of(pid):
            cmd = ['ps', '-p', str(pid), '-o', 'command=']
            with {run} as p:
                return p.readline().strip()
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_iterated_pipe_closed_without_its_status():
    run = "subprocess.Popen(['rpm', '-q', '-p', '%s' % path, '-l'], stdout=subprocess.PIPE, text=True)"
    check(
        OsPopenToRun,
        """\
        import os

        pfd = os.popen('rpm -q -p "%s" -l' % path)
        files = [line.strip() for line in pfd]
        pfd.close()
        """,
        3,
        f"""\
        import os
        import subprocess

        pfd = {run}.stdout
        files = [line.strip() for line in pfd]
        pfd.close()
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_file_reads_give_the_same_lines_when_run(tmp_path):
    source = """\
    import os

    def lines(word):
        out = []
        for line in os.popen("printf '%s\\\\n' a " + word):
            out.append(line)
        with os.popen("echo " + word) as p:
            out.append(p.readline())
        return out
    """
    fixed = OsPopenToRun.apply(dedent(source), 5)
    fixed = OsPopenToRun.apply(fixed.text, 8)  # an import added above
    assert fixed is not None and "os.popen" not in fixed.text
    old = run_module(tmp_path, "before", source)["lines"]
    new = run_module(tmp_path, "after", fixed.text)["lines"]
    assert new("b") == old("b") == ["a\n", "b\n", "b\n"]
    assert new("x;id")[-1] == "x;id\n"


def test_refuses_pipes_whose_status_or_object_escapes():
    closes = "import os\n\ndef f(p):\n    fd = os.popen('ls ' + p)\n    lines = fd.readlines()\n    return fd.close()\n"
    assert refuses(OsPopenToRun, closes, 4)
    passed = "import os\n\ndef f(p):\n    fd = os.popen('ls ' + p)\n    consume(fd)\n"
    assert refuses(OsPopenToRun, passed, 4)
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    with os.popen('tee ' + p, 'w') as fd:\n"
                                 "        fd.write('b')\n", 4)
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    return os.popen('ls ' + p).fileno()\n", 4)


def test_exit_status_of_a_pipe_closed_at_once(tmp_path):
    source = """\
    import os

    def status(word):
        return os.popen("test " + word + " = yes").close()
    """
    fixed = OsPopenToRun.apply(dedent(source), 4)
    assert fixed is not None
    assert "(subprocess.run(['test', word, '=', 'yes'], stdout=subprocess.DEVNULL, check=False)" \
           ".returncode << 8) or None" in fixed.text.replace('"', "'")
    old = run_module(tmp_path, "before", source)["status"]
    new = run_module(tmp_path, "after", fixed.text)["status"]
    assert new("no") == old("no") == 256  # exit status 1
    assert new("yes") is old("yes") is None


def test_pipe_dropped_at_once_starts_the_command_in_the_background(tmp_path):
    check(
        OsPopenToRun,
        """\
        import os

        def kill(pid):
            os.popen('taskkill /T /F /PID %d' % pid)
        """,
        4,
        """\
        import os
        import subprocess

        def kill(pid):
            subprocess.Popen(['taskkill', '/T', '/F', '/PID', '%d' % pid], stdout=subprocess.DEVNULL)
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )
    marker = tmp_path / "touched"
    source = f"import os\n\nos.popen({'touch ' + str(marker)!r})\n"
    fixed = OsPopenToRun.apply(source, 3)
    proc = run_module(tmp_path, "after", fixed.text.replace("subprocess.Popen(", "started = subprocess.Popen("))
    proc["started"].wait(timeout=10)
    assert marker.exists()


def test_errors_merged_into_the_output_stay_merged(tmp_path):
    source = """\
    import os

    def listing(path):
        return os.popen("ls " + path + " 2>&1").read()
    """
    fixed = OsPopenToRun.apply(dedent(source), 4)
    assert fixed is not None and "stderr=subprocess.STDOUT" in fixed.text
    old = run_module(tmp_path, "before", source)["listing"]
    new = run_module(tmp_path, "after", fixed.text)["listing"]
    missing = str(tmp_path / "missing")
    assert new(missing) == old(missing) and "missing" in new(missing)
    assert refuses(OsPopenToRun, "import os\n\ndef f(p):\n    return os.popen('ls ' + p + ' >/dev/null').read()\n", 4)


def test_a_pipe_read_as_a_file_is_read_while_the_command_runs(tmp_path):
    source = dedent("""\
        import os

        def first(word):
            for line in os.popen("yes " + word):
                return line
        """)
    fixed = OsPopenToRun.apply(source, 4)
    assert fixed is not None and "os.popen" not in fixed.text
    script = tmp_path / "first.py"
    script.write_text(fixed.text + "\nprint(first('hello'), end='')\n")
    # ``yes`` never ends: reading all its output first would never return
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout == "hello\n"
