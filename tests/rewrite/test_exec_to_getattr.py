"""exec-to-getattr: exec/eval of code whose dynamic parts are attribute names -> getattr/setattr."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.exec_to_getattr import ExecToGetattr
from tests.rewrite.injection_check import check, refuses, run_module


def test_dynamic_attribute_assignment_becomes_setattr():
    check(
        ExecToGetattr,
        """\
        for i in range(2):
            exec("ruby_system.dma_cntrl%d = dma_cntrl" % i)
        """,
        2,
        """\
        for i in range(2):
            setattr(ruby_system, "dma_cntrl%d" % i, dma_cntrl)
        """,
        "B102",
    )


def test_assignment_through_a_dynamic_attribute_reads_it_with_getattr():
    check(
        ExecToGetattr,
        """\
        exec("ruby_system.dma_cntrl%d.dma_sequencer.slave = dma_port" % (i,))
        """,
        1,
        """\
        getattr(ruby_system, "dma_cntrl%d" % (i,)).dma_sequencer.slave = dma_port
        """,
        "B102",
    )


def test_code_held_in_a_variable_goes_with_the_exec_at_module_level():
    check(
        ExecToGetattr,
        """\
        # the routine's result
        cmd = 'sw_down = self.' + routine_down
        exec(cmd)

        cmd = 'sw_up = self.' + routine_up
        exec(cmd)
        """,
        3,
        """\
        # the routine's result
        sw_down = getattr(self, routine_down)

        cmd = 'sw_up = self.' + routine_up
        exec(cmd)
        """,
        "B102",
    )


def test_eval_of_a_constant_with_a_dynamic_suffix():
    check(
        ExecToGetattr,
        """\
        def pack(types, vals):
            data = []
            for t, v in zip(types, vals):
                data.append((eval("coreapi.TLV_%s" % t), v))
            return data
        """,
        4,
        """\
        def pack(types, vals):
            data = []
            for t, v in zip(types, vals):
                data.append((getattr(coreapi, "TLV_%s" % t), v))
            return data
        """,
        "B307",
    )


def test_fstring_template_and_operator_precedence_kept():
    check(
        ExecToGetattr,
        """\
        def size(config, n):
            return eval(f"config.size_{n}") * 2
        """,
        2,
        """\
        def size(config, n):
            return getattr(config, f"size_{n}") * 2
        """,
        "B307",
    )


def test_same_results_when_run(tmp_path):
    before = """\
        class Box:
            TLV_A = 7

        box = Box()
        for i in range(3):
            exec("box.slot%d = i * 10" % i)
        part = "slot1"
        cmd = 'first = box.' + part
        exec(cmd)
        found = eval("box.TLV_%s" % part[:0] + "A")
        """
    rewritten = dedent(before)
    for line in (10, 9, 6):  # bottom-up, so earlier lines keep their numbers
        rewrite = ExecToGetattr.apply(rewritten, line)
        assert rewrite is not None, line
        rewritten = rewrite.text
    assert "exec" not in rewritten and "eval" not in rewritten
    old, new = run_module(tmp_path, "before", before), run_module(tmp_path, "after", rewritten)
    assert [vars(new["box"]), new["first"], new["found"]] == [vars(old["box"]), old["first"], old["found"]]


def test_injected_text_is_only_an_attribute_name_after_the_rewrite(tmp_path):
    source = """\
        import types
        obj = types.SimpleNamespace(a=1)
        name = "a; hit = True"
        hit = False
        try:
            exec("value = obj." + name)
        except Exception:
            pass
        """
    assert run_module(tmp_path, "before", source)["hit"] is True
    rewritten = ExecToGetattr.apply(dedent(source), 6).text
    assert run_module(tmp_path, "after", rewritten)["hit"] is False


@pytest.mark.parametrize("source, line", [
    ("exec('%s = 1' % name)\n", 1),  # a dynamic variable name
    ("eval('{0}.__doc__'.format(module))\n", 1),  # a dynamic object, not an attribute
    ("eval('self.m.%s(%s)' % (name, ', '.join(args)))\n", 1),  # dynamic arguments are code
    ("exec('obj.{}_{} = {}'.format(a, b, c))\n", 1),  # the assigned value is code
    ("exec('obj.x%d = 1' % i, ns)\n", 1),  # explicit namespace
    ("exec(code)\n", 1),  # nothing known about the code
    ("exec('obj.a = 1')\n", 1),  # constant: nothing dynamic to rewrite
    ("exec('obj.%s = 1; y = 2' % n)\n", 1),  # more than one statement
    ("exec('obj.s%s = 1' % n)\nfrom x import exec\n", 1),  # not the builtin
    ("def f(self, name):\n    exec('x = self.' + name)\n    return x\n", 2),  # cannot bind a local
    ("cmd = 'x = o.' + n\nexec(cmd)\nprint(cmd)\n", 2),  # the code string has another reader
    ("cmd = 'x = o.' + n\nn = 'b'\nexec(cmd)\n", 3),  # its parts change before the exec
    ("y = [exec('o.%s = 1' % n)]\n", 1),  # exec's None result is used
])
def test_refuses(source, line):
    assert refuses(ExecToGetattr, source, line)


def test_whole_attribute_name_from_a_value_is_its_str():
    check(
        ExecToGetattr,
        "ppf = eval('distributions.%s.ppf' % dist)\nval = eval('vtk.Get%s()' % (method,))\n",
        1,
        "ppf = getattr(distributions, str(dist)).ppf\nval = eval('vtk.Get%s()' % (method,))\n",
        "B307",
    )
    fixed = ExecToGetattr.apply("val = eval('vtk.Get%s()' % (method,))\n", 1)
    assert fixed is not None and fixed.text == "val = getattr(vtk, 'Get%s' % (method,))()\n"
