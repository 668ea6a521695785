"""shell_text: the text a value spliced into a command may hold, and what the shell made of it."""

import libcst as cst
import pytest

from promsec_ci.rewrite.shell_text import ShellText

MODULE = cst.parse_module(
    "opts = '-l -a'\n"
    "flag = '-d' if verbose else ''\n"
    "pattern = '*.txt'\n"
    "name = 'report'\n"
    "def f(path, sep='/'):\n"
    "    pass\n"
)


@pytest.mark.parametrize(("value", "state", "parsed"), [
    ("opts", "plain", True),  # two words for the shell
    ("opts", "double", False),  # one word in double quotes
    ("pattern", "plain", True),  # the matching files
    ("name", "plain", False),
    ("path", "plain", False),  # nothing known of it
    ("os.environ.get('OPTS', '-a -b')", "plain", True),
    ("'$HOME/x'", "double", True),
    ("\"it's\"", "single", True),
    ("name + '.log'", "plain", False),
])
def test_parsed(value, state, parsed):
    assert ShellText(MODULE).parsed(cst.parse_expression(value), state) is parsed


@pytest.mark.parametrize(("value", "empty"), [
    ("flag", True), ("opts", False), ("path", False), ("os.environ.get('OPTS', '')", True),
])
def test_may_be_empty(value, empty):
    assert ShellText(MODULE).may_be_empty(cst.parse_expression(value)) is empty


UNPACKED = cst.parse_module(
    "a, b = '-l -a', 'x'\n"
    "[c] = ['-l -a']\n"
    "OPTS = {'k': '-l -a'}\n"
    "class C:\n"
    "    LEVEL = '-l -a'\n"
    "    def __init__(self):\n"
    "        self.opts = '-l -a'\n"
    "def f():\n"
    "    joined = ' '.join(['-l', '-a'])\n"
    "    stripped = '-l -a'.strip()\n"
    "    item = ['-l -a'][0]\n"
    "    for first, second in [('-l -a', 1)]:\n"
    "        pass\n"
)


@pytest.mark.parametrize("value", [
    "a", "c", "OPTS['k']", "self.opts", "C.LEVEL", "self.LEVEL", "joined", "stripped", "item", "first",
])
def test_parsed_through_unpacking_items_attributes_and_methods(value):
    # Each held '-l -a' (two words for the shell), but its binding was not read: os.system('ls ' + a)
    # became subprocess.run(['ls', a]) and ls got one argument '-l -a' ("invalid option -- ' '").
    assert ShellText(UNPACKED).parsed(cst.parse_expression(value), "plain") is True
    assert ShellText(UNPACKED).parsed(cst.parse_expression("b"), "plain") is False


@pytest.mark.parametrize("value", ["opts()", "self.flags()"])
def test_parsed_through_what_a_module_function_returns(value):
    # os.system("ls " + opts()) with def opts(): return "-l -a" became run(["ls", opts()]):
    # ls exited 2 ("invalid option -- ' '") where the original listed the folder.
    module = cst.parse_module("def opts():\n    return '-l -a'\n\n\nclass C:\n    def flags(self):\n"
                              "        return '-l -a'\n\n\ndef get(k, d):\n    return 'x'\n")
    assert ShellText(module).parsed(cst.parse_expression(value), "plain") is True
    # A function of the same name does not hide the default a .get() may give.
    assert ShellText(module).may_be_empty(cst.parse_expression("os.environ.get('OPTS', '')")) is True


@pytest.mark.parametrize(("value", "parsed"), [
    ("url.replace(' ', '')", False),  # spaces taken out, not put in
    ("url.strip(' ')", False),
    ("url.replace('_', ' ')", True),
    ("opts.strip()", True),
])
def test_text_a_method_takes_out_is_not_in_the_value(value, parsed):
    assert ShellText(MODULE).parsed(cst.parse_expression(value), "plain") is parsed
