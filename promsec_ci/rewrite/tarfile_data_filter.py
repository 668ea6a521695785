"""B202, CWE-22: extract tar archives with the ``data`` filter.

Without a filter a member named ``../../etc/cron.d/x``, an absolute path or a link out of the
target directory is written where it points. ``filter="data"`` (Python 3.12, backported to
3.8.17+, 3.9.17+, 3.10.12+, 3.11.4+) refuses those and strips special bits::

    tar.extractall("/srv/unpack")        ->   tar.extractall("/srv/unpack", filter="data")
    tar.extract(member, path=dest)       ->   tar.extract(member, path=dest, filter="data")

Refused when the receiver may be a ``zipfile.ZipFile`` (the module imports zipfile and the name
says nothing about tar), the call passes ``**kwargs``, or the module tests for the feature
(``hasattr(tarfile, "data_filter")``): the unfiltered call is then the path for Pythons without
it, where ``filter=`` is a ``TypeError``.
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    get_kwarg,
    has_star_args,
    literal_value,
    set_kwarg,
)
from promsec_ci.rewrite.cst_tools import dotted_name


class _TarfileDataFilter(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("extractall", "extract"):
            return updated
        current = get_kwarg(updated, "filter")
        if has_star_args(updated) or self.module is None or (current and literal_value(current.value) == "data"):
            return updated
        receiver = (dotted_name(func.value) or "").lower()
        code = self.module.code
        if "tarfile" not in code or ("zipfile" in code and "tar" not in receiver):
            return updated
        if "extraction_filter" in code or "data_filter" in code:
            return updated  # feature-tested: this call is the fallback for Pythons without filters
        return set_kwarg(updated, "filter", cst.SimpleString('"data"'))


TarfileDataFilter = TransformerOperator(
    OperatorMeta(
        name="tarfile-data-filter",
        cwes=(22,),
        rule_ids=("B202",),
        directive="Extract tar archives with filter=\"data\" so members with absolute paths, '..' "
        "components or links outside the destination are rejected.",
        summary="tarfile extract without filter -> filter=\"data\"",
        references=(
            "https://cwe.mitre.org/data/definitions/22.html",
            "https://docs.python.org/3/library/tarfile.html#tarfile-extraction-filter",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _TarfileDataFilter,
)
