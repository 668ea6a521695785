"""B602 / B604 / CWE-78: ``subprocess.*(built command, shell=True)`` -> argument list, no shell.

The command string is split into its arguments at build time (``shell_argv``), every value its
own argument, and ``shell=True`` is dropped; the function, its other keyword arguments and so
its return value (exit status, output bytes, ``CompletedProcess``, ``Popen``) stay as they were.
A command that needs shell syntax keeps ``/bin/sh`` for its constant text only, the values
passed as the shell's parameters (``shell_script``). A value as the program, ``executable=``,
or ``shell`` set from a variable are left alone. The constant-command case is ``subprocess-shell-literal``.

Sample::

    subprocess.call("javac -cp tmp/ tmp/%s" % name, shell=True)
    ->  subprocess.call(["javac", "-cp", "tmp/", f"tmp/{name}"])
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.resolve import resolve
from promsec_ci.rewrite.shell_argv import (
    CommandTransformer,
    apply_with_flow,
    stream_kwargs,
    uses_glob,
)

SUBPROCESS_FUNCTIONS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                                  "subprocess.check_output", "subprocess.Popen"})


class ShellCommandTransformer(CommandTransformer):
    """Turns ``shell=True`` calls of the target statement into argument-list calls.

    Args:
        line: the target statement's line.
        constant: rewrite constant commands (``True``) or built ones (``False``).
    """

    def __init__(self, line: int, constant: bool, list_names: frozenset[str] = frozenset()) -> None:
        super().__init__(line, list_names)
        self.constant = constant

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target or resolve(original_node.func, self.aliases) not in SUBPROCESS_FUNCTIONS:
            return updated_node
        if any(arg.star for arg in updated_node.args):
            return updated_node
        keywords = {arg.keyword.value: arg for arg in updated_node.args if arg.keyword is not None}
        shell = keywords.get("shell")
        if shell is None or not (isinstance(shell.value, cst.Name) and shell.value.value == "True"):
            return updated_node
        if "executable" in keywords:
            return updated_node
        command = next((a for a in updated_node.args if a.keyword is None), keywords.get("args"))
        if command is None or _is_constant(shell_string(command.value)) != self.constant:
            return updated_node
        streams: dict[str, str] = {}
        argv = self.command_list(shell_string(command.value), streams)
        if argv is None or not self._streams_fit(original_node, keywords, streams):
            return updated_node
        if uses_glob(argv):
            self.add_import("glob")
        args = [arg.with_changes(value=argv) if arg is command else arg for arg in updated_node.args]
        return updated_node.with_changes(args=_with_extra(_without(args, shell), stream_kwargs(self, streams)))

    def _streams_fit(self, call: cst.Call, keywords: dict[str, cst.Arg], streams: dict[str, str]) -> bool:
        """Whether the command's redirections can become keyword arguments of this call."""
        if any(stream in keywords for stream in streams) or (streams and "capture_output" in keywords):
            return False
        return not ("stdout" in streams and resolve(call.func, self.aliases) == "subprocess.check_output")


def shell_string(node: cst.BaseExpression) -> cst.BaseExpression:
    """The command string the shell runs: ``["ls -l"]`` with ``shell=True`` runs ``ls -l`` (the
    items after the first would be the shell's own ``$0``, ``$1``, so only one item is unwrapped)."""
    if isinstance(node, (cst.List, cst.Tuple)) and len(node.elements) == 1 \
            and isinstance(node.elements[0], cst.Element):
        return node.elements[0].value
    return node


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _with_extra(args: list[cst.Arg], extra: list[cst.Arg]) -> list[cst.Arg]:
    """``args`` followed by ``extra``, separated by commas."""
    if not extra:
        return args
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args = [*args[:-1], args[-1].with_changes(comma=comma)]
    return [*args, *(arg.with_changes(comma=comma) for arg in extra[:-1]), extra[-1]]


def _without(args: list[cst.Arg], target: cst.Arg) -> list[cst.Arg]:
    """Drop ``target``, keeping the separators of the arguments around it."""
    index = args.index(target)
    rest = args[:index] + args[index + 1:]
    if rest and index == len(rest):
        # The last argument went: the new last one takes its comma (or lack of one).
        rest[-1] = rest[-1].with_changes(comma=target.comma)
    return rest


def apply_shell_transformer(source: str, line: int, constant: bool) -> Rewrite | None:
    """Rewrite the ``shell=True`` call at ``line`` (constant or built commands), following a
    command built into a variable first (``prepare_flow``)."""
    def transformer(at: int, list_names: frozenset[str] = frozenset()) -> ShellCommandTransformer:
        return ShellCommandTransformer(at, constant, list_names)

    return apply_with_flow(source, line, transformer, _command)


def _command(call: cst.Call, aliases: Mapping[str, str]) -> cst.BaseExpression | None:
    if resolve(call.func, aliases) not in SUBPROCESS_FUNCTIONS:
        return None
    shell = next((a for a in call.args if a.keyword is not None and a.keyword.value == "shell"), None)
    command = next((a for a in call.args if a.keyword is None and not a.star), None)
    if shell is None or command is None or not (isinstance(shell.value, cst.Name) and shell.value.value == "True"):
        return None
    return shell_string(command.value)


class SubprocessShellFalseOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="subprocess-shell-false",
        cwes=(78,),
        rule_ids=("B602", "B604"),
        directive=("Separate user input from the command by passing an argument list to the subprocess "
                   "function and dropping shell=True."),
        summary="Pass the command as an argument list and drop shell=True.",
        references=(
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/subprocess.html#security-considerations",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        return apply_shell_transformer(source, line, constant=False)


SubprocessShellFalse = SubprocessShellFalseOperator()
