"""B605 / CWE-78: ``subprocess.getoutput(command)`` -> ``subprocess.run([...], ...)``, no shell.

``getoutput`` runs the command through a shell with errors merged into the output and returns
the text without its last newline. The rewrite runs the same program with an argument list
(``shell_argv``; one that needs shell syntax keeps ``/bin/sh`` for its constant text, the values
passed as parameters: ``shell_script``) and keeps all of that:
``stderr=subprocess.STDOUT``, ``text=True``, ``.stdout.removesuffix("\\n")``. A trailing
``2>/dev/null`` becomes ``stderr=subprocess.DEVNULL``; output sent to ``/dev/null`` is refused.

Sample::

    rev = subprocess.getoutput("git -C %s rev-parse HEAD" % repo)
    ->  rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, check=False).stdout.removesuffix("\\n")
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.shell_argv import (
    CommandTransformer,
    apply_with_flow,
    kwarg,
    sole_argument,
    stream_kwargs,
    subprocess_call,
    uses_glob,
)


class _Transformer(CommandTransformer):

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target or _command(original_node, self.aliases) is None:
            return updated_node
        streams: dict[str, str] = {}
        command = self.command_list(original_node.args[0].value, streams)
        if command is None or "stdout" in streams:
            return updated_node
        if uses_glob(command):
            self.add_import("glob")
        streams = {"stdout": "PIPE", "stderr": streams.get("stderr", "STDOUT")}
        run = subprocess_call(self, "run", [cst.Arg(command), *stream_kwargs(self, streams),
                                            kwarg("text", cst.Name("True")), kwarg("check", cst.Name("False"))])
        strip = cst.Attribute(value=cst.Attribute(value=run, attr=cst.Name("stdout")), attr=cst.Name("removesuffix"))
        return cst.Call(func=strip, args=[cst.Arg(cst.SimpleString('"\\n"'))],
                        lpar=original_node.lpar, rpar=original_node.rpar)


def _command(call: cst.Call, aliases: Mapping[str, str]) -> cst.BaseExpression | None:
    return sole_argument(call, aliases, "subprocess.getoutput")


class GetoutputToRunOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="getoutput-to-run",
        cwes=(78,),
        rule_ids=("B605",),
        directive=("Capture the command's output with subprocess.run and an argument list, without a shell, "
                   "instead of subprocess.getoutput."),
        summary="Capture output with subprocess.run and an argument list instead of subprocess.getoutput.",
        references=(
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/subprocess.html#subprocess.getoutput",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        return apply_with_flow(source, line, _Transformer, _command)


GetoutputToRun = GetoutputToRunOperator()
