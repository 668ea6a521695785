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
    "command",
    [
        '"ls " + d + " | wc -l"', '"cat " + f + " > out.txt"', '"cd " + d + "; make"', '"make && " + target',
        '"echo $HOME/" + name', '"echo $(id) " + x', '"rm -rf \\"%s\\"/*" % d', '"FOO=1 run " + x',
        'editor + " " + path', 'cmd', '"tar xf ~/" + name', '"echo `id`" + x',
    ],
)
def test_refuses_shell_syntax_and_variable_programs(command):
    assert refuses(OsSystemToRun, f"import os\n\ndef f(d, f, target, name, x, editor, path, cmd):\n"
                                  f"    os.system({command})\n", 4)


def test_refuses_when_the_wait_status_is_decoded():
    assert refuses(OsSystemToRun, "import os\n\ndef f(x):\n    return os.system('gzip ' + x) >> 8\n", 4)
    assert refuses(OsSystemToRun, "import os\n\ndef f(x):\n    return os.WEXITSTATUS(os.system('gzip ' + x))\n", 4)


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
        'cmd = "ping " + host + " | head"\n    os.system(cmd)\n',
    ],
    ids=["read-before", "read-after", "extended", "shell-syntax"],
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
    assert refuses(OsSystemToRun, "import os\nfrom glob import glob\n\nos.system('rm *.o ' + d)\n", 4)  # glob rebound


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
