"""shell_argv: a shell command string -> the argument list, or None when it needs a shell."""

import shlex

import libcst as cst
import pytest

from promsec_ci.rewrite.shell_argv import argv_for, command_argv


def argv(code: str) -> list[str] | None:
    nodes = argv_for(cst.parse_expression(code))
    return None if nodes is None else [cst.Module([]).code_for_node(n) for n in nodes]


@pytest.mark.parametrize(
    "command",
    ["ls -l", "git log -1 --format='%H %s'", 'echo "a b" c\\ d', "printf '%s\\n' x", "tar -x -f a.tgz",
     'grep -e "x\\"y" file', "env a=b", "echo ''"],
)
def test_constant_commands_split_like_shlex(command):
    nodes = argv_for(cst.SimpleString(repr(command)))
    assert nodes is not None
    assert [cst.ensure_type(n, cst.SimpleString).evaluated_value for n in nodes] == shlex.split(command)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('"ping -c 1 " + host', ['"ping"', '"-c"', '"1"', "host"]),
        ("'cp \"%s\" /tmp/%s.bak' % (src, name)", ["'cp'", "str(src)", "'/tmp/%s.bak' % (name,)"]),
        ('f"kill -9 {pid}"', ['"kill"', '"-9"', "str(pid)"]),
        ('"--user=" + user', None),  # the program would be the value's word: "--user=..." is first
        ('"scp " + src + " host:" + dst', ['"scp"', "src", '"host:" + dst']),
        ('"sleep %d; x=%.1f" % (n, f)', None),
        ('"head -n %d %s.log" % (n, name)', ['"head"', '"-n"', '"%d" % (n,)', '"%s.log" % (name,)']),
        # A quoted program value is one word for the shell too; an unquoted one may be several.
        ("'\"' + vmd + '\" -dispdev text'", ["vmd", "'-dispdev'", "'text'"]),
        ("'\"%s/bin/tool\" %s' % (d, path)", ["'%s/bin/tool' % (d,)", "str(path)"]),
        ('editor + " " + path', None),
    ],
)
def test_values_stay_inside_their_word(code, expected):
    assert argv(code) == expected


@pytest.mark.parametrize(
    "code",
    ['"ls " + d + " | wc"', '"a; b " + x', '"a && b " + x', '"cat < " + f', '"echo $X " + x', '"echo `id` " + x',
     '"ls *" + x', '"ls ?" + x', '"ls [ab]" + x', '"cd ~/" + x', '"X=1 cmd " + x', '"echo \\"$(id)\\" " + x',
     "prog + ' -v'", '"ls # " + x', '"echo \'unterminated " + x', '"echo {a,b} " + x'],
)
def test_shell_syntax_is_refused(code):
    assert argv(code) is None


@pytest.mark.parametrize("code", ['"cls"', '"cd " + d', '"source " + env_file', '"CLS"', "'type ' + name"])
def test_shell_builtins_are_refused(code):
    assert argv(code) is None


@pytest.mark.parametrize(
    ("code", "expected", "streams"),
    [
        ('"rm -rf " + d + " >/dev/null 2>&1"', ['"rm"', '"-rf"', "d"], {"stdout": "DEVNULL", "stderr": "DEVNULL"}),
        ('"make -C %s 2>&1" % d', ['"make"', '"-C"', '"%s" % d'], {"stderr": "STDOUT"}),
        ("'ls 2> /dev/null'", ["'ls'"], {"stderr": "DEVNULL"}),
        ('"ls " + d + " 2>&1 >/dev/null"', None, {}),  # errors to the old output: no subprocess equivalent
        ('"ls " + d + " > out.txt"', None, {}),  # a real file
        ('"echo \'>/dev/null\'"', ['"echo"', '">/dev/null"'], {}),  # quoted: an argument
    ],
)
def test_trailing_redirections_become_streams(code, expected, streams):
    found: dict[str, str] = {}
    nodes = argv_for(cst.parse_expression(code), streams=found)
    assert (None if nodes is None else [cst.Module([]).code_for_node(n) for n in nodes]) == expected
    if expected is not None:
        assert found == streams
    assert argv(code) is None or not streams  # refused when the caller takes no streams


@pytest.mark.parametrize(
    "code",
    [
        '"ls -1 " + " ".join(files)',  # the shell split the joined names into several arguments
        '"cp {0} {0}.bak".format(next(names))',  # one call, needed twice
        '"echo " + text',  # sh's echo reads backslash escapes in the value; /bin/echo does not
        '"echo -e " + "\\\\t"',
    ],
)
def test_values_whose_words_or_text_would_change_get_no_argument_list(code):
    assert command_argv(cst.parse_expression(code), scripts=False) is None
