"""B605 / CWE-78: ``os.popen(command).read()`` -> ``subprocess.run([...], ...).stdout``, no shell.

Only a pipe that is read at once is rewritten (``.read()``, ``.readlines()``): then the output
string is all the caller used. The command is split into arguments at build time
(``shell_argv``); commands that use shell syntax are left alone. Standard error still goes to
the terminal, as with ``os.popen``; the exit status is ignored, as ``.read()`` ignored it.

Sample::

    out = os.popen("ls -l " + path).read()   ->  out = subprocess.run(["ls", "-l", path], stdout=subprocess.PIPE,
                                                                      text=True, check=False).stdout
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import StatementTransformer
from promsec_ci.rewrite.resolve import call_args, import_aliases, resolve
from promsec_ci.rewrite.shell_argv import apply_with_flow, command_list, kwarg, module_alias, subprocess_call


class _Transformer(StatementTransformer):
    def __init__(self, line: int, list_names: frozenset[str] = frozenset()) -> None:
        super().__init__(line)
        self.list_names = list_names
        self.aliases: dict[str, str] = {}

    def visit_Module(self, node: cst.Module) -> bool:
        self.aliases = import_aliases(node)
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not self.in_target or not isinstance(func, cst.Attribute) or original_node.args:
            return updated_node
        if func.attr.value not in ("read", "readlines") or not isinstance(func.value, cst.Call):
            return updated_node
        popen = func.value
        if resolve(popen.func, self.aliases) != "os.popen":
            return updated_node
        args = call_args(popen)
        if args is None or args[1] or not 1 <= len(args[0]) <= 2:
            return updated_node
        if len(args[0]) == 2 and not (isinstance(args[0][1].value, cst.SimpleString)
                                      and args[0][1].value.evaluated_value == "r"):
            return updated_node
        command = command_list(args[0][0].value, self.list_names)
        if command is None:
            return updated_node
        pipe = cst.Attribute(value=cst.Name(module_alias(self.aliases, "subprocess") or "subprocess"),
                             attr=cst.Name("PIPE"))
        run = subprocess_call(self, "run", [
            cst.Arg(command), kwarg("stdout", pipe), kwarg("text", cst.Name("True")),
            kwarg("check", cst.Name("False")),
        ])
        output = cst.Attribute(value=run, attr=cst.Name("stdout"))
        if func.attr.value == "readlines":
            return cst.Call(func=cst.Attribute(value=output, attr=cst.Name("splitlines")),
                            args=[kwarg("keepends", cst.Name("True"))])
        return output.with_changes(lpar=original_node.lpar, rpar=original_node.rpar)


def _command(call: cst.Call, aliases: Mapping[str, str]) -> cst.BaseExpression | None:
    if resolve(call.func, aliases) != "os.popen" or not call.args:
        return None
    return call.args[0].value


class OsPopenToRunOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="os-popen-to-run",
        cwes=(78,),
        rule_ids=("B605",),
        directive=("Read the command's output with subprocess.run and an argument list, without a shell, "
                   "instead of os.popen."),
        summary="Capture output with subprocess.run and an argument list instead of os.popen and a shell.",
        references=(
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/subprocess.html#replacing-os-popen",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        return apply_with_flow(source, line, _Transformer, _command)


OsPopenToRun = OsPopenToRunOperator()
