"""string_build: the literal text and spliced values of a string built at run time."""

import ast

import libcst as cst
import pytest

from promsec_ci.rewrite.string_build import Slot, Text, as_str, constant_build, decompose, fstring_of, render_string


def parts(code: str) -> list[tuple[str, str]]:
    built = decompose(cst.parse_expression(code))
    assert built is not None
    return [("text", p.text) if isinstance(p, Text) else (p.conversion, cst.Module([]).code_for_node(p.node))
            for p in built.parts]


def joined(code: str) -> list[tuple[str, str]]:
    """Adjacent text parts merged (piece boundaries do not matter here)."""
    out: list[tuple[str, str]] = []
    for kind, value in parts(code):
        if kind == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + value)
        else:
            out.append((kind, value))
    return out


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("'a = ' + x + ';'", [("text", "a = "), ("raw", "x"), ("text", ";")]),
        ("\"a = '%s' AND b = %d %%\" % (x, n)",
         [("text", "a = '"), ("str", "x"), ("text", "' AND b = "), ("int", "n"), ("text", " %")]),
        ("'%(k)s!' % {'k': v}", [("str", "v"), ("text", "!")]),
        ("'{} {name} {{x}}'.format(a, name=b)", [("str", "a"), ("text", " "), ("str", "b"), ("text", " {x}")]),
        ("'{0}-{0}'.format(a)", [("str", "a"), ("text", "-"), ("str", "a")]),
        ("'id={id}'.format(**kw)", [("text", "id="), ("str", 'kw["id"]')]),
        ("f'x={x!s}' 'tail'", [("text", "x="), ("str", "x"), ("text", "tail")]),
        ("'p' + ('%s' % v)", [("text", "p"), ("str", "v")]),
        ("'--project {0:s} {1!s:s}'.format(a, b)", [("text", "--project "), ("str", "a"), ("text", " "), ("str", "b")]),
    ],
)
def test_decompose(code, expected):
    assert joined(code) == expected


@pytest.mark.parametrize("code", ["'%5d' % x", "'%r' % x", "'{:>4}'.format(x)", "'{!r}'.format(x)", "f'{x:>3}'",
                                  "'{0:d}'.format(x)", "f'{x=}'", "'{0.attr}'.format(o)", "'{}'.format(*a)",
                                  "'%s %s' % t", "a + b", "b'x' + y", "'constant'", "x"])
def test_decompose_refuses(code):
    assert decompose(cst.parse_expression(code)) is None


def test_implicit_concatenation_keeps_pieces():
    built = decompose(cst.parse_expression("('a ' f'{x}' 'b')"))
    assert built.layout is not None
    assert [p.piece for p in built.parts if isinstance(p, Text)] == [0, 2]


@pytest.mark.parametrize("like", ["'x'", '"x"', "'''x'''", "r'x'", "f'x'"])
@pytest.mark.parametrize("text", ["plain", "it's \"quoted\"", "back\\slash", "two\nlines", "tab\there", "'''"])
def test_render_string_round_trips(like, text):
    rendered = render_string(text, cst.parse_expression(like))
    assert ast.literal_eval(rendered.value) == text


def test_constant_build():
    assert constant_build(cst.parse_expression("'a ' + 'b'"))[0] == "a b"
    assert constant_build(cst.parse_expression("f'no fields'"))[0] == "no fields"
    assert constant_build(cst.parse_expression("'a' + x")) is None
    assert constant_build(cst.parse_expression("'plain'")) is None


def test_fstring_of_falls_back_when_quotes_clash():
    value = cst.parse_expression('d["k"]')
    node = fstring_of([Text("%", 0), Slot(value, "str")], cst.parse_expression('"x"'))
    assert cst.Module([]).code_for_node(node) == '"%" + str(d["k"])'


def test_the_whole_operand_of_percent_is_marked():
    # ``"%s" % row`` formats row's item when row is a 1-tuple: consumers must know the value
    # came without a tuple display.
    assert decompose(cst.parse_expression("'a %s' % row")).slots[0].whole_operand
    assert not decompose(cst.parse_expression("'a %s' % (row,)")).slots[0].whole_operand
    assert not decompose(cst.parse_expression("'a %(k)s' % {'k': row}")).slots[0].whole_operand


@pytest.mark.parametrize(("build", "text"), [
    ("'a %s' % row", "'%s' % row"),  # may be a 1-tuple: % gave its item
    ("'a %d' % row", "'%d' % row"),
    ("'a %s' % (row,)", "str(row)"),
    ("'a %s' % name.strip()", "name.strip()"),
    ("'a %s' % 5", "str(5)"),
])
def test_as_str_keeps_what_percent_spliced(build, text):
    built = decompose(cst.parse_expression(build))
    node = as_str(built.slots[0], built.pieces[0])
    assert cst.Module([]).code_for_node(node) == text
