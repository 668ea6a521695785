"""B605 / CWE-78: ``os.popen(command).read()`` -> ``subprocess.run([...], ...).stdout``, no shell.

A pipe that is read at once (``.read()``) becomes the output string; ``.readlines()`` reads the
lines of ``subprocess.Popen([...], stdout=PIPE, text=True).stdout`` (``str.splitlines`` would also
split at form feeds and other line boundaries a file does not know). A pipe
used as a file to read (``with os.popen(c) as p: p.readline()``, ``for line in os.popen(c)``,
``p = os.popen(c)`` then only ``read``/``readline``/``readlines``/iteration and a ``close()``
whose result is dropped) becomes ``subprocess.Popen([...], stdout=PIPE, text=True).stdout``: the
same lines, read as the command writes them. A pipe dropped at once (``os.popen(c)`` as
a statement) becomes ``subprocess.Popen([...], stdout=DEVNULL)``: started, not waited for, its
output unread. A pipe closed at once for its exit status
(``os.popen(c).close()``) becomes ``(subprocess.run([...], stdout=DEVNULL).returncode << 8) or
None``, what ``close()`` returns on POSIX. Any other pipe whose ``close()`` result is used, that
is written, or that is handed elsewhere is left alone. The command is split into arguments at
build time (``shell_argv``); one that needs shell syntax keeps ``/bin/sh`` for its constant
text, the values passed as parameters (``shell_script``). Standard error
still goes to the terminal, as with ``os.popen``.

Sample::

    out = os.popen("ls -l " + path).read()   ->  out = subprocess.run(["ls", "-l", path], stdout=subprocess.PIPE,
                                                                      text=True, check=False).stdout
    for line in os.popen("ls " + d):         ->  for line in subprocess.Popen(["ls", d], ...).stdout:
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import ParentNodeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import enclosing_scope, reads_of
from promsec_ci.rewrite.resolve import call_args, resolve
from promsec_ci.rewrite.shell_argv import (
    CommandTransformer,
    apply_with_flow,
    kwarg,
    stream_kwargs,
    subprocess_call,
    uses_glob,
)


class _Transformer(CommandTransformer):

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.in_target and resolve(original_node.func, self.aliases) == "os.popen":
            parent = self.get_metadata(ParentNodeProvider, original_node, None)
            call = self.get_metadata(ParentNodeProvider, parent, None) if parent is not None else None
            if not (isinstance(call, cst.Call) and original_node in (self._read_at_once(call),
                                                                     self._closed_at_once(call))):
                return self._as_file(original_node, updated_node)
            return updated_node
        if self.in_target and self._closed_at_once(original_node) is not None:
            return self._exit_status(original_node, self._closed_at_once(original_node))
        popen = self._read_at_once(original_node)
        if not self.in_target or popen is None:
            return updated_node
        output = self._output(popen)
        if output is None:
            return updated_node
        if original_node.func.attr.value == "readlines":
            # The file's own readlines: str.splitlines also splits at \f, \v, \x1c-\x1e, \x85.
            pipe = output.with_changes(value=_started_not_waited(output.value))
            return updated_node.with_changes(func=updated_node.func.with_changes(value=pipe))
        return output.with_changes(lpar=original_node.lpar, rpar=original_node.rpar)

    def _read_at_once(self, call: cst.Call) -> cst.Call | None:
        """The ``os.popen(...)`` call of ``os.popen(...).read()`` / ``.readlines()``."""
        func = call.func
        if not isinstance(func, cst.Attribute) or call.args or func.attr.value not in ("read", "readlines"):
            return None
        popen = func.value
        if not isinstance(popen, cst.Call) or resolve(popen.func, self.aliases) != "os.popen":
            return None
        return popen

    def _closed_at_once(self, call: cst.Call) -> cst.Call | None:
        """The ``os.popen(...)`` call of ``os.popen(...).close()``."""
        func = call.func
        if not isinstance(func, cst.Attribute) or call.args or func.attr.value != "close":
            return None
        popen = func.value
        if not isinstance(popen, cst.Call) or resolve(popen.func, self.aliases) != "os.popen":
            return None
        return popen

    def _exit_status(self, close: cst.Call, popen: cst.Call) -> cst.BaseExpression:
        """``(subprocess.run([...], stdout=DEVNULL, check=False).returncode << 8) or None``: what
        ``close()`` returns on POSIX (``None`` for success, else the wait status), output unread."""
        output = self._output(popen, "DEVNULL")
        if output is None:
            return close
        status = cst.BinaryOperation(left=cst.Attribute(value=output.value, attr=cst.Name("returncode")),
                                     operator=cst.LeftShift(), right=cst.Integer("8"),
                                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.BooleanOperation(left=status, operator=cst.Or(), right=cst.Name("None"),
                                    lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    def _started(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``subprocess.Popen([...], stdout=DEVNULL)`` for a pipe dropped at once: the command
        runs on in the background and nothing reads its output."""
        output = self._output(original, "DEVNULL")
        if output is None:
            return updated
        return _started_not_waited(output.value)

    def _output(self, popen: cst.Call, stdout: str = "PIPE") -> cst.Attribute | None:
        """``subprocess.run([...], stdout=PIPE, text=True, check=False).stdout`` for a reading popen."""
        args = call_args(popen)
        if args is None or args[1] or not 1 <= len(args[0]) <= 2:
            return None
        if len(args[0]) == 2 and not (isinstance(args[0][1].value, cst.SimpleString)
                                      and args[0][1].value.evaluated_value == "r"):
            return None
        streams: dict[str, str] = {}
        command = self.command_list(args[0][0].value, streams)
        if command is None or streams.get("stdout", stdout) != stdout:
            return None  # reading a pipe whose output went to /dev/null
        if uses_glob(command):
            self.add_import("glob")
        pipe = cst.Attribute(value=cst.Name(self.subprocess_name()), attr=cst.Name(stdout))
        text = [kwarg("text", cst.Name("True"))] if stdout == "PIPE" else []
        errors = stream_kwargs(self, {k: v for k, v in streams.items() if k == "stderr"})
        run = subprocess_call(self, "run", [cst.Arg(command), kwarg("stdout", pipe), *errors, *text,
                                            kwarg("check", cst.Name("False"))])
        return cst.Attribute(value=run, attr=cst.Name("stdout"))

    def _as_file(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``subprocess.Popen([...], stdout=PIPE, text=True).stdout`` for a pipe used only as a
        file to read (never its exit status): read as the command writes, as ``os.popen`` was
        (``for line in os.popen("tail -f " + log)`` never ends)."""
        parents = self.metadata[ParentNodeProvider]
        if isinstance(parents.get(original), cst.Expr):
            return self._started(original, updated)
        if not _read_only_pipe(original, parents):
            return updated
        output = self._output(original)
        if output is None:
            return updated
        return output.with_changes(value=_started_not_waited(output.value), lpar=original.lpar, rpar=original.rpar)


def _started_not_waited(run: cst.Call) -> cst.Call:
    """``subprocess.Popen(...)`` for ``subprocess.run(..., check=False)``: the same command, not
    waited for (``check`` is ``run``'s own)."""
    return run.with_changes(func=run.func.with_changes(attr=cst.Name("Popen")),
                            args=[arg for arg in run.args if arg.keyword is None or arg.keyword.value != "check"])


_READS = frozenset({"read", "readline", "readlines"})


def _read_only_pipe(popen: cst.Call, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether the pipe is only read (``readline``, iteration, ``with``) and closed without looking
    at the exit status ``close()`` returns: then a file over the captured output does the same."""
    parent = parents.get(popen)
    if isinstance(parent, cst.WithItem):
        bound = parent.asname.name if parent.asname is not None else None
        return bound is None or (isinstance(bound, cst.Name) and _reads_only(bound.value, parent, parents))
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return _reads_only(parent.targets[0].target.value, parent, parents)
    return _file_use(popen, parents, close_ok=False)


def _reads_only(name: str, binding: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    scope = enclosing_scope(binding, parents)
    uses = [use for use in (reads_of(name, scope, parents) if scope is not None else [])
            if not isinstance(parents.get(use), cst.AsName)]  # ``as p`` binds, it does not read
    return bool(uses) and all(_file_use(use, parents, close_ok=True) for use in uses)


def _file_use(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode], close_ok: bool) -> bool:
    parent = parents.get(node)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return True
    if isinstance(parent, cst.WithItem) and parent.asname is None:
        return True
    if not (isinstance(parent, cst.Attribute) and parent.value is node):
        return False
    call = parents.get(parent)
    if not isinstance(call, cst.Call) or call.func is not parent:
        return False
    if parent.attr.value == "close":
        return close_ok and not call.args and isinstance(parents.get(call), cst.Expr)
    return parent.attr.value in _READS


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
