"""B103, CWE-732: do not give group or others write or execute rights with ``chmod``.

The mode keeps the owner's bits and drops everything else, the least permissive mode that still
lets the owner do what the original allowed::

    os.chmod(path, 0o777)    ->   os.chmod(path, 0o700)
    os.chmod(path, 0o755)    ->   os.chmod(path, 0o700)
    os.chmod(key_file, 438)  ->   os.chmod(key_file, 0o600)

Refused when the owner would be left with no rights at all (``0o077``).
"""

from __future__ import annotations

import stat

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator

_LOOSE = stat.S_IWOTH | stat.S_IWGRP | stat.S_IXGRP | stat.S_IXOTH


class _ChmodRestrict(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        func = updated.func
        leaf = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if "chmod" not in leaf or len(updated.args) != 2 or any(a.keyword or a.star for a in updated.args):
            return updated
        mode_arg = updated.args[1]
        if not isinstance(mode_arg.value, cst.Integer):
            return updated
        mode = mode_arg.value.evaluated_value
        if not mode & _LOOSE or not mode & stat.S_IRWXU:
            return updated
        new_mode = cst.Integer(oct(mode & stat.S_IRWXU))
        return updated.with_changes(args=[updated.args[0], mode_arg.with_changes(value=new_mode)])


ChmodRestrict = TransformerOperator(
    OperatorMeta(
        name="chmod-restrict",
        cwes=(732,),
        rule_ids=("B103",),
        directive="Set file permissions so that only the owner can write or execute the file "
        "(for example 0o600 or 0o700), never world-writable or group-executable modes.",
        summary="permissive chmod mode -> owner-only bits",
        references=(
            "https://cwe.mitre.org/data/definitions/732.html",
            "https://docs.python.org/3/library/os.html#os.chmod",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _ChmodRestrict,
)
