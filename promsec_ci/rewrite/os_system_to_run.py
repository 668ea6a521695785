"""B605 / CWE-78: ``os.system(command)`` -> ``subprocess.run([...], check=False)``, no shell.

The command string is split into its arguments at build time (``shell_argv``), each value its
own argument; a command that needs shell syntax keeps ``/bin/sh`` for its constant text only,
the values passed as the shell's parameters (``shell_script``). The result keeps what the caller
used: nothing when the call is a statement of its own, else ``.returncode`` (zero exactly when
``os.system`` returned zero; the raw wait status ``os.system`` returns is ``returncode << 8``
for a normal exit, so a result used in arithmetic (``>> 8``, ``// 256``), decoded with
``os.WEXITSTATUS``, passed to ``sys.exit``, used as a key or compared with a non-zero number is
refused, directly, through the variables holding it (``rc = ...``, ``rc: int = ...``,
``a = b = ...``, ``(rc := ...)``, also through ``or`` and ``if``/``else``), the attribute or item
it is stored in (``self.rc``, ``codes[k]``), or where the module calls the function that returns
it (two returns deep); so is ``rc |= os.system(c)``, a comparison with a display
holding a non-zero number (``rc in (256, 512)``) and a status a lambda returns).

Sample::

    os.system("ping -c 1 " + host)            ->  subprocess.run(["ping", "-c", "1", host], check=False)
    status = os.system("gzip -k %s" % path)   ->  status = subprocess.run(["gzip", "-k", str(path)],
                                                                          check=False).returncode
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
import libcst.matchers as m
from libcst.metadata import ParentNodeProvider

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.cst_tools import called_name, enclosing_scope, reads_of
from promsec_ci.rewrite.resolve import resolve
from promsec_ci.rewrite.shell_argv import (
    CommandTransformer,
    apply_with_flow,
    kwarg,
    sole_argument,
    stream_kwargs,
    subprocess_call,
    uses_glob,
)

# What reads the wait status as such: decoders, and exit(), whose code is the status & 0xff.
_RETURN_HOPS = 2  # ``main()`` returning ``run(x)``, whose status ``sys.exit(main())`` decodes
_STATUS_DECODERS = frozenset({"os.WEXITSTATUS", "os.WIFEXITED", "os.waitstatus_to_exitcode", "os.WTERMSIG",
                              "sys.exit", "exit", "quit", "os._exit"})


class _Transformer(CommandTransformer):

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.in_target or _command(original_node, self.aliases) is None:
            return updated_node
        streams: dict[str, str] = {}
        command = self.command_list(original_node.args[0].value, streams)
        parent = self.get_metadata(ParentNodeProvider, original_node, None)
        if command is None or self._decodes_status(parent, node=original_node):
            return updated_node
        if uses_glob(command):
            self.add_import("glob")
        run = subprocess_call(self, "run", [cst.Arg(command), *stream_kwargs(self, streams),
                                            kwarg("check", cst.Name("False"))])
        if isinstance(parent, cst.Expr):
            return run.with_changes(lpar=original_node.lpar, rpar=original_node.rpar)
        return cst.Attribute(value=run, attr=cst.Name("returncode"))

    def _decodes_status(self, parent: cst.CSTNode | None, through_variable: bool = True,
                        returns: int = _RETURN_HOPS, node: cst.CSTNode | None = None) -> bool:
        """The caller reads the wait status as such: ``returncode`` would not mean the same.
        ``through_variable``: also look at the reads of the variable ``parent`` assigns (one hop);
        ``returns``: how many times to follow a ``return`` to the module's calls of its function
        (``run(x) >> 8``, ``main()`` returning ``run(x)`` to ``sys.exit``);
        ``node``: the child of ``parent`` holding the status, when known."""
        if isinstance(parent, cst.Return):
            return returns > 0 and any(
                self._decodes_status(self.get_metadata(ParentNodeProvider, call, None), returns=returns - 1)
                for call in self._calls_of_enclosing_function(parent))
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)):
            # ``rc = os.system(c)``, ``rc: int = ...``, ``a = b = ...``, ``(rc := ...)``: the reads
            # of every name it is stored in, and what a walrus's own value is used for.
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            if isinstance(parent, cst.NamedExpr) and self._decodes_status(
                    self.get_metadata(ParentNodeProvider, parent, None), through_variable, returns, parent):
                return True
            return through_variable and any(
                self._decodes_status(self.get_metadata(ParentNodeProvider, use, None), through_variable=False,
                                     returns=returns, node=use)
                for target in targets for use in self._reads_of_target(parent, target))
        if isinstance(parent, cst.BooleanOperation) or isinstance(parent, cst.IfExp) and node is not parent.test:
            # ``a or os.system(c)``, ``os.system(c) if x else 0``: the status is the whole's value
            return self._decodes_status(self.get_metadata(ParentNodeProvider, parent, None), through_variable,
                                        returns, parent)
        if isinstance(parent, (cst.AugAssign, cst.Lambda)):
            # ``rc |= os.system(c)``: arithmetic on the wait status; a lambda's callers are not followed
            return True
        if isinstance(parent, cst.BinaryOperation):
            return True  # ``>> 8``, ``// 256``, ``& 0xff``: arithmetic on the wait status
        if isinstance(parent, (cst.Index, cst.DictElement)):
            return True  # a key: ``codes[status]``, ``{512: ...}``
        if isinstance(parent, cst.Comparison):
            return any(_nonzero_number(target.comparator) for target in parent.comparisons)
        if isinstance(parent, cst.ComparisonTarget):
            return _nonzero_number(parent.comparator) or self._decodes_status(
                self.get_metadata(ParentNodeProvider, parent, None), through_variable=False, returns=0)
        if isinstance(parent, cst.Arg):
            call = self.get_metadata(ParentNodeProvider, parent, None)
            return isinstance(call, cst.Call) and (
                resolve(call.func, self.aliases) in _STATUS_DECODERS  # os.WEXITSTATUS(status)
                or isinstance(call.func, cst.Attribute) and call.func.attr.value == "get")  # codes.get(status)
        return False

    def _calls_of_enclosing_function(self, statement: cst.Return) -> list[cst.Call]:
        """The module's calls of the function holding ``statement`` by its name (``run(x)``,
        ``self.run(x)``, ``tools.run(x)``): the status it returns is read there."""
        function = enclosing_scope(statement, self.metadata[ParentNodeProvider])
        if not isinstance(function, cst.FunctionDef) or self.module is None:
            return []
        name = function.name.value
        return [call for call in m.findall(self.module, m.Call()) if called_name(call) == name]

    def _reads_of_target(self, assignment: cst.CSTNode, target: cst.BaseExpression) -> list[cst.CSTNode]:
        """Where the status stored in ``target`` is read: the variable's reads in its function, an
        attribute's reads anywhere in the module (``self.rc``, read as ``job.rc``), an item's as
        items of the same container (``codes[k]``, read as ``codes[name]``)."""
        if isinstance(target, cst.Name):
            return [use for use in self._reads_nearby(assignment, target.value) if use is not target]
        if self.module is None:
            return []
        if isinstance(target, cst.Attribute):
            return [node for node in m.findall(self.module, m.Attribute(attr=m.Name(target.attr.value)))
                    if node is not target]
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            return [read for read in m.findall(self.module, m.Subscript(value=m.Name(target.value.value)))
                    if read is not target]
        return []

    def _reads_nearby(self, assignment: cst.Assign, name: str) -> list[cst.Name]:
        """Every read of ``name`` in the function (or module) holding ``assignment``; the status
        may be read anywhere in it, so all of them are looked at."""
        parents = self.metadata[ParentNodeProvider]
        scope = enclosing_scope(assignment, parents)
        return reads_of(name, scope, parents) if scope is not None else []


def _nonzero_number(node: cst.BaseExpression) -> bool:
    """A non-zero number, or a display holding one (``rc in (256, 512)``)."""
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return any(isinstance(e, cst.Element) and _nonzero_number(e.value) for e in node.elements)
    return isinstance(node, cst.Integer) and node.evaluated_value != 0


def _command(call: cst.Call, aliases: Mapping[str, str]) -> cst.BaseExpression | None:
    return sole_argument(call, aliases, "os.system")


class OsSystemToRunOperator(Operator):
    """See the module docstring."""

    meta = OperatorMeta(
        name="os-system-to-run",
        cwes=(78,),
        rule_ids=("B605",),
        directive=("Separate user input from the command by passing an argument list to subprocess.run "
                   "without a shell instead of calling os.system."),
        summary="Run the program with subprocess.run and an argument list instead of a shell command string.",
        references=(
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/subprocess.html#replacing-os-system",
            "https://docs.python.org/3/library/subprocess.html#security-considerations",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    )

    def apply(self, source: str, line: int) -> Rewrite | None:
        return apply_with_flow(source, line, _Transformer, _command)


OsSystemToRun = OsSystemToRunOperator()
