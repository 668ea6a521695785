"""os-system-to-run: os.system(command string) -> subprocess.run(argument list), no shell."""

import pytest

from promsec_ci.rewrite.os_system_to_run import OsSystemToRun
from tests.rewrite.injection_check import SUBPROCESS_MARKERS, check, refuses, run_module


def test_statement_call_keeps_comment_and_adds_import():
    check(
        OsSystemToRun,
        """\
        import os

        def ping(host):
            os.system("ping -c 1 " + host)  # one probe
            return True
        """,
        4,
        """\
        import os
        import subprocess

        def ping(host):
            subprocess.run(["ping", "-c", "1", host], check=False)  # one probe
            return True
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_used_result_becomes_returncode_and_quoted_words_stay_whole():
    check(
        OsSystemToRun,
        """\
        import os
        import subprocess as sp

        def notify(word):
            if os.system('notify-send "Cant find |%s| on dictionary.com!"' % word) != 0:
                print("failed")
        """,
        5,
        """\
        import os
        import subprocess as sp

        def notify(word):
            if sp.run(['notify-send', 'Cant find |%s| on dictionary.com!' % word], check=False).returncode != 0:
                print("failed")
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_numbers_keep_their_conversion():
    check(
        OsSystemToRun,
        """\
        from os import system

        def stop(pid):
            status = system("kill -TERM %d" % pid)
            return status
        """,
        4,
        """\
        from os import system
        import subprocess

        def stop(pid):
            status = subprocess.run(["kill", "-TERM", "%d" % pid], check=False).returncode
            return status
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


@pytest.mark.parametrize(
    ("command", "script"),
    [
        ('"ls " + d + " | wc -l"', """'ls "$1" | wc -l', "sh", d"""),
        ('"cat " + f + " > out.txt"', """'cat "$1" > out.txt', "sh", f"""),
        ('"cd " + d + "; make"', """'cd "$1"; make', "sh", d"""),
        ('"echo $HOME/" + name', """'echo $HOME/"$1"', "sh", name"""),
        ('"FOO=1 run " + x', """'FOO=1 run "$1"', "sh", x"""),
        ('"tar xf ~/" + name', """'tar xf ~/"$1"', "sh", name"""),
    ],
)
def test_shell_syntax_stays_with_the_shell_and_values_become_its_parameters(command, script):
    fixed = OsSystemToRun.apply(f"import os\n\ndef f(d, f, name, x):\n    os.system({command})\n", 4)
    assert fixed is not None
    assert fixed.text.splitlines()[-1] == f'    subprocess.run(["/bin/sh", "-c", {script}], check=False)'


@pytest.mark.parametrize(
    "command",
    ['"make && " + target', '"echo $(id) " + x', 'editor + " " + path', 'cmd', '"echo `id`" + x'],
)
def test_refuses_values_as_commands_and_substitutions(command):
    assert refuses(OsSystemToRun, f"import os\n\ndef f(target, x, editor, path, cmd):\n    os.system({command})\n", 4)


def test_refuses_shell_syntax_where_windows_may_run_it():
    source = "import os\n\nWINDOWS = os.name == 'nt'\n\ndef f(d):\n    os.system('find ' + d + ' | more')\n"
    assert refuses(OsSystemToRun, source, 6)
    assert OsSystemToRun.apply(source.replace(" | more", ""), 6) is not None  # no shell needed: runs anywhere


def test_pipeline_behaviour_kept_and_injection_closed(tmp_path):
    source = """\
    import os

    def count(directory):
        return os.system("ls " + directory + " | grep -q made")
    """
    from textwrap import dedent

    fixed = OsSystemToRun.apply(dedent(source), 4)
    assert fixed is not None
    old = run_module(tmp_path, "before", source)["count"]
    new = run_module(tmp_path, "after", fixed.text)["count"]
    assert old(str(tmp_path)) != 0 and new(str(tmp_path)) != 0
    (tmp_path / "made.txt").touch()
    assert old(str(tmp_path)) == new(str(tmp_path)) == 0
    hostile = f"{tmp_path}; touch {tmp_path}/pwned; echo"
    new(hostile)
    assert not (tmp_path / "pwned").exists()
    old(hostile)
    assert (tmp_path / "pwned").exists()  # the original ran it


@pytest.mark.parametrize("use", [
    "return os.system('gzip ' + x) >> 8", "return os.WEXITSTATUS(os.system('gzip ' + x))",
    "return os.system('gzip ' + x) // 256", "sys.exit(os.system('gzip ' + x))",
    "return CODES.get(os.system('gzip ' + x))", "return CODES[os.system('gzip ' + x)]",
])
def test_refuses_when_the_wait_status_is_decoded(use):
    assert refuses(OsSystemToRun, f"import os\nimport sys\n\ndef f(x):\n    {use}\n", 5)


@pytest.mark.parametrize("caller", [
    "def main():\n    return compress('a') >> 8\n",
    "class Job:\n    def run(self):\n        sys.exit(self.compress('a'))\n",
    "def main():\n    status = compress('a')\n    return os.WEXITSTATUS(status)\n",
])
@pytest.mark.parametrize("body", [
    "    return os.system('gzip ' + x)\n",
    "    status = os.system('gzip ' + x)\n    return status\n",
])
def test_refuses_when_a_caller_in_the_module_decodes_the_returned_status(caller, body):
    source = f"import os\nimport sys\n\ndef compress(x):\n{body}\n\n{caller}"
    assert refuses(OsSystemToRun, source, 5)
    untouched_caller = "def main():\n    if compress('a') != 0:\n        print('failed')\n"
    fixed = OsSystemToRun.apply(f"import os\nimport sys\n\ndef compress(x):\n{body}\n\n{untouched_caller}", 5)
    assert fixed is not None and ").returncode" in fixed.text


def test_behaviour_kept_and_injection_closed(tmp_path):
    source = """\
    import os

    def touch(directory, name):
        return os.system("touch " + directory + "/" + name)
    """
    from textwrap import dedent

    fixed = OsSystemToRun.apply(dedent(source), 4)
    assert fixed is not None
    new = run_module(tmp_path, "after", fixed.text)["touch"]
    assert new(str(tmp_path), "made.txt") == 0
    assert (tmp_path / "made.txt").exists()
    assert new(str(tmp_path), "x; touch pwned") == 0
    assert (tmp_path / "x; touch pwned").exists()  # one file with an odd name, no second command
    assert not (tmp_path / "pwned").exists()
    assert new(str(tmp_path / "missing-dir"), "y") != 0  # failure still reads as non-zero


def test_command_built_into_a_variable_first():
    check(
        OsSystemToRun,
        """\
        import os

        def ping(host):
            command = "ping -c 1 " + host
            # run it
            result = os.system(command)
            return result
        """,
        6,
        """\
        import os
        import subprocess

        def ping(host):
            command = ["ping", "-c", "1", host]
            # run it
            result = subprocess.run(command, check=False).returncode
            return result
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


@pytest.mark.parametrize(
    "body",
    [
        'cmd = "ping " + host\n    print(cmd)\n    os.system(cmd)\n',
        'cmd = "ping " + host\n    os.system(cmd)\n    log(cmd)\n',
        'cmd = "ping " + host\n    cmd = cmd + " -c 1"\n    os.system(cmd)\n',
        'cmd = "ping " + host + " && " + host\n    os.system(cmd)\n',
    ],
    ids=["read-before", "read-after", "extended", "value-as-command"],
)
def test_refuses_a_variable_with_other_readers(body):
    source = f"import os\n\ndef f(host):\n    {body}"
    line = source.splitlines().index(next(x for x in source.splitlines() if "os.system" in x)) + 1
    assert refuses(OsSystemToRun, source, line)


def test_file_name_pattern_in_a_built_command_expands_like_the_shell():
    expand = "*(sorted(glob.glob('./temp/*.jpg')) or ['./temp/*.jpg'])"
    check(
        OsSystemToRun,
        """\
        import os

        os.system('montage ./temp/*.jpg -tile ' + str(cols) + 'x' + str(rows) + ' out.png')
        """,
        3,
        f"""\
        import os
        import glob
        import subprocess

        subprocess.run(['montage', {expand}, '-tile', str(cols) + 'x' + str(rows), 'out.png'], check=False)
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )
    # With ``glob`` bound to the function, the shell keeps expanding the pattern.
    rebound = OsSystemToRun.apply("import os\nfrom glob import glob\n\nos.system('rm *.o ' + d)\n", 4)
    assert rebound is not None and """["/bin/sh", "-c", 'rm *.o "$1"', "sh", d]""" in rebound.text


def test_output_sent_to_dev_null_stays_silent():
    streams = "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL"
    check(
        OsSystemToRun,
        """\
        import os

        def clean(path):
            return os.system("rm -rf " + path + " >/dev/null 2>&1")
        """,
        4,
        f"""\
        import os
        import subprocess

        def clean(path):
            return subprocess.run(["rm", "-rf", path], {streams}, check=False).returncode
        """,
        "B605",
        SUBPROCESS_MARKERS,
    )


def test_refuses_when_a_variable_holding_the_wait_status_is_decoded_later():
    shifted = "import os\n\ndef f(x):\n    status = os.system('gzip ' + x)\n    log(x)\n    return status >> 8\n"
    assert refuses(OsSystemToRun, shifted, 4)
    compared = "import os\n\ndef f(x):\n    rc = os.system('gzip ' + x)\n    if rc == 256:\n        retry()\n"
    assert refuses(OsSystemToRun, compared, 4)
    decoded = "import os\n\ndef f(x):\n    rc = os.system('gzip ' + x)\n    return os.WEXITSTATUS(rc)\n"
    assert refuses(OsSystemToRun, decoded, 4)


def test_a_status_variable_only_tested_against_zero_is_rewritten():
    source = "import os\n\ndef f(x):\n    rc = os.system('gzip ' + x)\n    if rc != 0:\n        raise OSError(rc)\n"
    rewrite = OsSystemToRun.apply(source, 4)
    assert rewrite is not None
    assert "rc = subprocess.run(['gzip', x], check=False).returncode" in rewrite.text


def test_variables_copied_back_and_forth_are_followed_one_hop():
    source = "import os\n\ndef f(cmd):\n    rc = os.system('ls ' + cmd)\n    prev = rc\n    rc = prev\n    return rc\n"
    assert OsSystemToRun.apply(source, 4) is not None


def test_subprocess_imported_at_the_top_of_the_function_is_used():
    source = "import os\n\n\ndef f(x):\n    import subprocess as sp\n    os.system('ls ' + x)\n"
    fixed = OsSystemToRun.apply(source, 6)
    assert fixed is not None
    assert fixed.text == source.replace("os.system('ls ' + x)", "sp.run(['ls', x], check=False)")


def test_a_row_operand_gives_its_item_as_before(tmp_path):
    source = "import os\n\ndef touch(rows):\n    for name in rows:\n        os.system('touch %s' % name)\n"
    fixed = OsSystemToRun.apply(source, 5)
    assert fixed is not None and "'%s' % name" in fixed.text
    run_module(tmp_path, "after", fixed.text)["touch"]([(str(tmp_path / "made"),)])
    assert (tmp_path / "made").exists()
    plain = OsSystemToRun.apply("import os\n\ndef touch(name):\n    os.system('touch %s' % name)\n", 4)
    assert plain is not None and "str(name)" in plain.text  # a parameter is one value


@pytest.mark.parametrize("body", [
    "rc: int = os.system('ls ' + x)\n    return rc >> 8\n",
    "rc = 0\n    rc |= os.system('ls ' + x)\n    return rc >> 8\n",
    "if (rc := os.system('ls ' + x)) != 0:\n        return rc >> 8\n    return 0\n",
    "rc = last = os.system('ls ' + x)\n    return last >> 8\n",
    "rc = os.system('ls ' + x)\n    return 'missing' if rc in (512, 256) else 'ok'\n",
    "rc = os.system('ls ' + x) or os.system('ls -d ' + x)\n    return rc >> 8\n",
], ids=["annotated", "augmented", "walrus", "chained", "in-tuple", "or"])
def test_refuses_when_the_status_reaches_a_decoder_another_way(tmp_path, body):
    # Each returned 2 (ls's exit code for a missing file) before; with .returncode, 0 or 'ok'.
    source = f"import os\n\ndef f(x):\n    {body}"
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "os.system" in text)
    assert OsSystemToRun.apply(source, line) is None
    lam = "import os\n\nrun = lambda x: os.system('ls ' + x)\n\ndef f(x):\n    return run(x) >> 8\n"
    assert OsSystemToRun.apply(lam, 3) is None


def test_a_walrus_status_only_tested_against_zero_is_rewritten():
    source = "import os\n\ndef f(x):\n    if (rc := os.system('gzip ' + x)) != 0:\n        raise OSError(rc)\n"
    fixed = OsSystemToRun.apply(source, 4)
    assert fixed is not None and "(rc := subprocess.run(['gzip', x], check=False).returncode)" in fixed.text


@pytest.mark.parametrize("body", [
    "opts = '-d' if v else ''\n    return os.system('ls ' + opts + ' ' + path)\n",
    "opts = '-l -d'\n    return os.system('ls %s %s' % (opts, path))\n",
    "return os.system('ls ' + os.environ.get('LS_OPTS', '') + ' ' + path)\n",
    "pattern = '*.txt'\n    return os.system('cd ' + path + ' && ls ' + pattern)\n",
    "home = '~'\n    return os.system('ls ' + home + ' && ls ' + path)\n",
    "q = 'a\"b'\n    return os.system('echo \"%s\" > %s' % (q, path))\n",
    "opts = '-d' if v else ''\n    args = ['ls', opts, path]\n    return os.system(' '.join(args))\n",
], ids=["empty", "two-words", "env-default", "glob", "tilde", "double-quote", "joined-list"])
def test_refuses_values_whose_text_the_shell_parsed(tmp_path, body):
    # The original spliced this text into the command: "" was no word, '-l -d' two, '*.txt' the
    # matching files. As an argument or "$1" it is passed as it is: ls exited 2 where it had 0.
    source = f"import os\n\ndef f(path, v=False):\n    {body}"
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "os.system" in text)
    assert OsSystemToRun.apply(source, line) is None
    kept = ("import os\n\ndef f(path, v=False):\n    opts = '-d' if v else '-l'\n"
            "    os.system('ls ' + opts + ' ' + path)\n")
    fixed = OsSystemToRun.apply(kept, 5)
    assert fixed is not None and "['ls', opts, path]" in fixed.text


@pytest.mark.parametrize(("store", "decode"), [
    ("    self.rc = os.system('gzip ' + x)\n", "def report(job):\n    return job.rc >> 8\n"),
    ("    codes[x] = os.system('gzip ' + x)\n", "def report(name):\n    return os.WEXITSTATUS(codes[name])\n"),
    ("    return os.system('gzip ' + x)\n", "def main():\n    return run('a')\n\n\ndef cli():\n    sys.exit(main())\n"),
], ids=["attribute", "item", "two-returns"])
def test_refuses_a_status_stored_or_returned_on_to_a_decoder(store, decode):
    source = f"import os\nimport sys\n\ncodes = {{}}\n\n\ndef run(self, x):\n{store}\n\n{decode}"
    assert refuses(OsSystemToRun, source, 8)
    kept = source.replace(decode, "def report(job):\n    return job.rc == 0\n")
    assert OsSystemToRun.apply(kept, 8) is not None


@pytest.mark.parametrize(("setup", "value"), [
    ("a, b = '-1 -a', 'x'\n", "a"),
    ("OPTS = {'k': '-1 -a'}\n", "OPTS['k']"),
    ("class C:\n    a = '-1 -a'\n", "C.a"),
], ids=["unpacked", "dict-item", "class-attribute"])
def test_refuses_text_reached_through_unpacking_items_and_attributes(setup, value):
    # Measured: ls printed the folder with the original; after the rewrite it exited 2 with
    # "invalid option -- ' '": the two words had become one argument.
    source = f"import os\n{setup}\n\ndef f():\n    os.system('ls ' + {value})\n"
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "os.system" in text)
    assert OsSystemToRun.apply(source, line) is None
