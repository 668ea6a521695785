"""subprocess-shell-false: subprocess.*(built string, shell=True) -> argument list, no shell."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.subprocess_shell_false import SubprocessShellFalse
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses, run_module


def test_call_keeps_return_value_use():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def build(backdoor):
            if subprocess.call("javac -cp tmp/ tmp/%s" % backdoor, shell=True) != 0:
                print("failed")
        """,
        4,
        """\
        import subprocess

        def build(backdoor):
            if subprocess.call(["javac", "-cp", "tmp/", "tmp/%s" % backdoor]) != 0:
                print("failed")
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_multiline_call_keeps_other_keywords_and_layout():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def log(rev):
            out = subprocess.check_output(
                f"git log --oneline {rev}",
                cwd="repo",
                shell=True,
                stderr=subprocess.STDOUT,
            )
            return out
        """,
        4,
        """\
        import subprocess

        def log(rev):
            out = subprocess.check_output(
                ["git", "log", "--oneline", str(rev)],
                cwd="repo",
                stderr=subprocess.STDOUT,
            )
            return out
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_popen_with_shell_last():
    check(
        SubprocessShellFalse,
        """\
        from subprocess import PIPE, Popen

        def fetch(url, email):
            return Popen("wget -q -O /dev/null " + url + "/unsubscribe/" + email, stdout=PIPE, shell=True)
        """,
        4,
        """\
        from subprocess import PIPE, Popen

        def fetch(url, email):
            return Popen(["wget", "-q", "-O", "/dev/null", url + "/unsubscribe/" + email], stdout=PIPE)
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_pipeline_keeps_the_shell_for_its_text_only():
    source = "import subprocess\n\ndef f(d):\n    subprocess.run('ls ' + d + ' | wc', shell=True)\n"
    fixed = SubprocessShellFalse.apply(source, 4)
    assert fixed is not None
    assert fixed.text.splitlines()[-1] == """    subprocess.run(["/bin/sh", "-c", 'ls "$1" | wc', "sh", d])"""


@pytest.mark.parametrize(
    "call",
    [
        'subprocess.run("ls | " + d, shell=True)',
        'subprocess.run("ls " + d, shell=flag)',
        'subprocess.run("ls " + d, shell=True, executable="/bin/bash")',
        'subprocess.run(d, shell=True)',
        'subprocess.run("ls -l", shell=True)',
        'subprocess.run(*args, shell=True)',
    ],
    ids=["value-as-command", "shell-variable", "executable", "no-literal", "constant", "star-args"],
)
def test_refuses(call):
    assert refuses(SubprocessShellFalse, f"import subprocess\n\ndef f(d, flag, args):\n    {call}\n", 4)


def test_output_bytes_kept_and_injection_closed(tmp_path):
    source = """\
    import subprocess

    def shout(word):
        return subprocess.check_output("echo " + word, shell=True)
    """
    fixed = SubprocessShellFalse.apply(dedent(source), 4)
    assert fixed is not None
    old = run_module(tmp_path, "before", source)["shout"]
    new = run_module(tmp_path, "after", fixed.text)["shout"]
    assert new("hello") == old("hello") == b"hello\n"
    assert new("a && echo injected") == b"a && echo injected\n"


def test_command_variable_becomes_a_list():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def check(url):
            CMD = 'ping -c 1 %s' % url
            ping = subprocess.Popen(CMD, shell = True, stdout = subprocess.PIPE)
            return ping.communicate()
        """,
        5,
        """\
        import subprocess

        def check(url):
            CMD = ['ping', '-c', '1', str(url)]
            ping = subprocess.Popen(CMD, stdout = subprocess.PIPE)
            return ping.communicate()
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_joined_word_list_variable_is_the_argument_list():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def exit_code(job):
            args = ["bacct", "-l", str(job)]
            log("checking " + str(job))
            process = subprocess.Popen(" ".join(args), shell=True, stdout=subprocess.PIPE)
            return process.communicate()
        """,
        6,
        """\
        import subprocess

        def exit_code(job):
            args = ["bacct", "-l", str(job)]
            log("checking " + str(job))
            process = subprocess.Popen(args, stdout=subprocess.PIPE)
            return process.communicate()
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_joined_list_display_and_one_item_list_are_split():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def f(d, name):
            subprocess.call(" ".join(["ls", "-l", d + "/x"]), shell=True)
            subprocess.call(["gzip -k " + name], shell=True)
        """,
        4,
        """\
        import subprocess

        def f(d, name):
            subprocess.call(["ls", "-l", d + "/x"])
            subprocess.call(["gzip -k " + name], shell=True)
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )
    fixed = SubprocessShellFalse.apply(dedent("""\
        import subprocess

        def f(name):
            subprocess.call(["gzip -k " + name], shell=True)
        """), 4)
    assert fixed is not None and 'subprocess.call(["gzip", "-k", name])' in fixed.text


@pytest.mark.parametrize(
    "source",
    [
        'args = ["ls -l", d]\nsubprocess.call(" ".join(args), shell=True)',  # an item of two words
        'args = ["ls", "*.py", d]\nsubprocess.call(" ".join(args), shell=True)',  # a glob
        'args = ["ls", d]\nargs.append("|wc")\nsubprocess.call(" ".join(args), shell=True)',  # changed later
        'args = [d, "-v"]\nsubprocess.call(" ".join(args), shell=True)',  # the program is a value
        'args = ["ls", d]\nsubprocess.call(",".join(args), shell=True)',  # not a space join
        'subprocess.call(["ls " + d, "x"], shell=True)',  # "x" would be the shell's $0
    ],
    ids=["two-words", "glob", "mutated", "value-program", "comma", "shell-args"],
)
def test_refuses_joins_that_need_the_shell(source):
    text = "import subprocess\n\ndef f(d):\n" + "".join(f"    {line}\n" for line in source.splitlines())
    assert refuses(SubprocessShellFalse, text, 3 + len(source.splitlines()))


def test_parenthesized_multiline_command_variable_in_a_loop():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        for name in names:
            cmd = (
                'gcloud --project {0:s} functions deploy {1:s} '
                '--runtime nodejs14'.format(project, name))
            print(subprocess.check_call(cmd, shell=True))
        """,
        7,
        """\
        import subprocess

        for name in names:
            cmd = ['gcloud', '--project', str(project), 'functions', 'deploy', str(name), '--runtime', 'nodejs14']
            print(subprocess.check_call(cmd))
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )


def test_values_in_a_file_name_pattern_match_literally(tmp_path):
    for name in ("b.txt", "a.txt", "c.log"):
        (tmp_path / name).write_text("x")
    (tmp_path / "[x]").mkdir()
    source = """\
    import subprocess

    def listing(folder):
        return subprocess.check_output("printf '%%s\\n' %s/*.txt" % folder, shell=True)
    """
    fixed = SubprocessShellFalse.apply(dedent(source), 4)
    assert fixed is not None
    assert "glob.glob(glob.escape(str(folder)) + '/*.txt')" in fixed.text.replace('"', "'")
    old = run_module(tmp_path, "before", source)["listing"]
    new = run_module(tmp_path, "after", fixed.text)["listing"]
    assert new(str(tmp_path)) == old(str(tmp_path)) == f"{tmp_path}/a.txt\n{tmp_path}/b.txt\n".encode()
    assert new(str(tmp_path) + " /etc") == f"{tmp_path} /etc/*.txt\n".encode()  # one word, no match
    assert new(str(tmp_path / "[x]")) == f"{tmp_path}/[x]/*.txt\n".encode()  # [x] is not a pattern there


def test_redirections_become_stream_arguments_unless_the_call_sets_them():
    check(
        SubprocessShellFalse,
        """\
        import subprocess

        def view(bam):
            return subprocess.check_output('samtools view %s 2>/dev/null' % bam, shell=True)
        """,
        4,
        """\
        import subprocess

        def view(bam):
            return subprocess.check_output(['samtools', 'view', str(bam)], stderr=subprocess.DEVNULL)
        """,
        "B602",
        SUBPROCESS_MARKERS,
    )
    body = ["subprocess.check_output('cat %s >/dev/null' % f, shell=True)",  # no stdout for check_output
            "subprocess.call('cat %s >/dev/null' % f, shell=True, stdout=None)",  # set already
            "subprocess.run('cat %s 2>&1' % f, shell=True, capture_output=True)"]
    for line in body:
        assert refuses(SubprocessShellFalse, f"import subprocess\n\ndef f(f):\n    {line}\n", 4), line


def test_a_planted_file_name_starting_with_a_dash_does_not_become_an_option(tmp_path, monkeypatch):
    # Wildcard injection (CWE-155): `tar cf out.tar *` in a folder holding a file named
    # "--checkpoint-action=exec=sh x.sh" runs it. The expansion names such a file ./--...
    work = tmp_path / "work"
    work.mkdir()
    for name in ("b.txt", "a.txt", "--checkpoint-action=exec=sh x.sh", "-rf"):
        (work / name).write_text("x")
    source = """\
    import subprocess

    def listing(flags):
        return subprocess.check_output("ls " + flags + " *", shell=True)
    """
    fixed = SubprocessShellFalse.apply(dedent(source), 4)
    assert fixed is not None
    new = run_module(tmp_path, "after", fixed.text)["listing"]
    monkeypatch.chdir(work)
    assert new("-1d").decode().splitlines() == ["./--checkpoint-action=exec=sh x.sh", "./-rf", "a.txt", "b.txt"]
    anchored = source.replace(' *"', ' logs/*"')
    assert "startswith" not in SubprocessShellFalse.apply(dedent(anchored), 4).text  # logs/... never starts with -
