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
        routine_down = "surface_down"
        routine_up = "surface_up"
        # the routine's result
        cmd = 'sw_down = self.' + routine_down
        exec(cmd)

        cmd = 'sw_up = self.' + routine_up
        exec(cmd)
        """,
        5,
        """\
        routine_down = "surface_down"
        routine_up = "surface_up"
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
        def pack(vals):
            data = []
            for t in ("NODE", "SESSION"):
                data.append((eval("coreapi.TLV_%s" % t), vals[t]))
            return data
        """,
        4,
        """\
        def pack(vals):
            data = []
            for t in ("NODE", "SESSION"):
                data.append((getattr(coreapi, "TLV_%s" % t), vals[t]))
            return data
        """,
        "B307",
    )


def test_fstring_template_and_operator_precedence_kept():
    check(
        ExecToGetattr,
        """\
        def sizes(config):
            return [eval(f"config.size_{unit}") * 2 for unit in ["kb", "mb"]]
        """,
        2,
        """\
        def sizes(config):
            return [getattr(config, f"size_{unit}") * 2 for unit in ["kb", "mb"]]
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
        kind = "A"
        found = eval("box.TLV_%s" % kind)
        """
    rewritten = dedent(before)
    for line in (11, 9, 6):  # bottom-up, so earlier lines keep their numbers
        rewrite = ExecToGetattr.apply(rewritten, line)
        assert rewrite is not None, line
        rewritten = rewrite.text
    assert "exec" not in rewritten and "eval" not in rewritten
    old, new = run_module(tmp_path, "before", before), run_module(tmp_path, "after", rewritten)
    assert [vars(new["box"]), new["first"], new["found"]] == [vars(old["box"]), old["first"], old["found"]]


def test_a_value_holding_code_is_refused(tmp_path):
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
    assert refuses(ExecToGetattr, source, 6)  # not an identifier: it may hold dots, or code


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
        "dist = 'norm'\nppf = eval('distributions.%s.ppf' % dist)\nval = eval('vtk.Get%s()' % (method,))\n",
        2,
        "dist = 'norm'\nppf = getattr(distributions, str(dist)).ppf\nval = eval('vtk.Get%s()' % (method,))\n",
        "B307",
    )
    fixed = ExecToGetattr.apply("method = 'Bounds'\nval = eval('vtk.Get%s()' % (method,))\n", 2)
    assert fixed is not None and fixed.text == "method = 'Bounds'\nval = getattr(vtk, 'Get%s' % (method,))()\n"


def test_a_value_that_may_be_a_dotted_path_is_refused(tmp_path):
    source = """\
        import types
        cfg = types.SimpleNamespace(db=types.SimpleNamespace(host="a"))
        name = "db.host"
        value = "b"
        exec("cfg.%s = value" % name)
        """
    # exec walks the dots; setattr(cfg, "db.host", value) would add an attribute named "db.host".
    assert run_module(tmp_path, "before", source)["cfg"].db.host == "b"
    assert refuses(ExecToGetattr, source, 5)
    assert refuses(ExecToGetattr, "found = eval('config.' + key)\n", 1)
    assert refuses(ExecToGetattr, "found = eval(f'api.TLV_{kind}')\n", 1)


def test_a_private_name_written_out_inside_a_class_is_refused(tmp_path):
    # Code run by exec is compiled outside the class: self.__parts is not mangled there, but it
    # would be once written out in the method (self._Box__parts).
    source = """\
        import types


        class Box:
            def __init__(self):
                self.__parts = types.SimpleNamespace()

            def fill(self, i):
                exec("self.__parts.p%d = i" % i)
        """
    assert refuses(ExecToGetattr, source, 9)
    assert refuses(ExecToGetattr, "class Box:\n    for i in range(2):\n        exec('__last = obj.p%d' % i)\n", 3)
    # A private name built into the string stays a string, unmangled like exec's.
    dynamic = dedent(source).replace('"self.__parts.p%d = i"', '"self.__p%d = i"') + "\n\nbox = Box()\nbox.fill(1)\n"
    rewritten = ExecToGetattr.apply(dynamic, 9)
    assert rewritten is not None and 'setattr(self, "__p%d" % i, i)' in rewritten.text
    assert vars(run_module(tmp_path, "after", rewritten.text)["box"]).keys() == \
        vars(run_module(tmp_path, "before", dynamic)["box"]).keys()
