"""B306, CWE-377: create temporary files with ``mkstemp``, not ``mktemp``.

``mktemp`` only returns a name; between choosing it and opening it another process can create
that file (or a symlink). ``mkstemp`` creates the file atomically with mode 0600; its
descriptor is closed at once so the rest of the code keeps using the path as before::

    path = tempfile.mktemp(suffix=".txt")
        -> fd, path = tempfile.mkstemp(suffix=".txt")
           os.close(fd)

Applies to ``name = tempfile.mktemp(...)`` statements; the file now exists (empty) afterwards.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, has_star_args


class _MktempToMkstemp(CallTransformer):
    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if original_node is not self.target or len(original_node.body) != 1:
            return updated_node
        assign = original_node.body[0]
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return updated_node
        target = assign.targets[0].target
        call = assign.value
        if not isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)) or not isinstance(call, cst.Call):
            return updated_node
        if self.qualified_name(call.func) != "tempfile.mktemp" or has_star_args(call):
            return updated_node
        fd = self._free_name(original_node, ("fd", "tmp_fd", "temp_fd"))
        if fd is None:
            return updated_node
        func = call.func
        new_func = func.with_changes(attr=cst.Name("mkstemp")) if isinstance(func, cst.Attribute) else \
            cst.Attribute(value=cst.Name(self.module_alias("tempfile")), attr=cst.Name("mkstemp"))
        targets = cst.Tuple(
            elements=[cst.Element(cst.Name(fd), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                      cst.Element(target)],
            lpar=[], rpar=[],
        )
        new_assign = assign.with_changes(targets=[assign.targets[0].with_changes(target=targets)],
                                         value=call.with_changes(func=new_func))
        close = cst.parse_statement(f"{self.module_alias('os')}.close({fd})\n")
        first = updated_node.with_changes(body=[new_assign])
        return cst.FlattenSentinel([first, close])

    def _free_name(self, node: cst.CSTNode, candidates: tuple[str, ...]) -> str | None:
        scope = self.scope_of(node.body[0])
        for name in candidates:
            if scope is None or name not in scope:
                return name
        return None


MktempToMkstemp = TransformerOperator(
    OperatorMeta(
        name="mktemp-to-mkstemp",
        cwes=(377,),
        rule_ids=("B306",),
        directive="Create temporary files atomically with tempfile.mkstemp (or NamedTemporaryFile) "
        "instead of tempfile.mktemp, which only picks a name another process can claim first.",
        summary="tempfile.mktemp() -> tempfile.mkstemp() with the descriptor closed",
        references=(
            "https://cwe.mitre.org/data/definitions/377.html",
            "https://docs.python.org/3/library/tempfile.html#tempfile.mkstemp",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _MktempToMkstemp,
)
