"""B103, CWE-732: do not let group or others write a file with ``chmod``.

A mode that lets group or others write keeps the owner's bits and drops everything else, the
least permissive mode that still lets the owner do what the original allowed::

    os.chmod(path, 0o777)    ->   os.chmod(path, 0o700)
    os.chmod(key_file, 438)  ->   os.chmod(key_file, 0o600)

Refused when the owner would be left with no rights at all (``0o077``), and for modes that let
nobody but the owner write (``0o755``, the mode of a program others run: Bandit flags its group
execute bit, but taking it away breaks the others, a venv's ``python`` say, and protects nothing).
"""

from __future__ import annotations

import stat

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator

_WRITABLE_BY_OTHERS = stat.S_IWOTH | stat.S_IWGRP


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
        if not mode & _WRITABLE_BY_OTHERS or not mode & stat.S_IRWXU:
            return updated
        new_mode = cst.Integer(oct(mode & stat.S_IRWXU))
        return updated.with_changes(args=[updated.args[0], mode_arg.with_changes(value=new_mode)])


ChmodRestrict = TransformerOperator(
    OperatorMeta(
        name="chmod-restrict",
        cwes=(732,),
        rule_ids=("B103",),
        directive="Set file permissions so that only the owner can write the file "
        "(for example 0o600 or 0o700), never group- or world-writable modes.",
        summary="permissive chmod mode -> owner-only bits",
        references=(
            "https://cwe.mitre.org/data/definitions/732.html",
            "https://docs.python.org/3/library/os.html#os.chmod",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _ChmodRestrict,
)
