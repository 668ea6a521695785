"""B202, CWE-22: extract tar archives with the ``data`` filter.

Without a filter a member named ``../../etc/cron.d/x``, an absolute path or a link out of the
target directory is written where it points. ``filter="data"`` (Python 3.12, backported to
3.8.17+, 3.9.17+, 3.10.12+, 3.11.4+) refuses those and strips special bits::

    tar.extractall("/srv/unpack")        ->   tar.extractall("/srv/unpack", filter="data")
    tar.extract(member, path=dest)       ->   tar.extract(member, path=dest, filter="data")

The receiver must provably be a ``TarFile``: a ``tarfile.open(...)``/``tarfile.TarFile(...)`` call
itself, or a name every binding of which is ``name = <that call>`` or ``with <that call> as name``.
Anything else is refused: a parameter, an attribute (``self.archive``), what another function
returned, a name also bound to something else. It may be a ``zipfile.ZipFile``, whose
``extractall`` has no ``filter`` (``TypeError``). Refused too when the call passes ``**kwargs``, or
the module tests for the feature (``hasattr(tarfile, "data_filter")``): the unfiltered call is
then the path for Pythons without it, where ``filter=`` is a ``TypeError``.
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


class _TarfileDataFilter(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("extractall", "extract"):
            return updated
        current = get_kwarg(updated, "filter")
        if has_star_args(updated) or self.module is None or (current and literal_value(current.value) == "data"):
            return updated
        if not self._is_tarfile(original.func.value):
            return updated
        code = self.module.code
        if "extraction_filter" in code or "data_filter" in code:
            return updated  # feature-tested: this call is the fallback for Pythons without filters
        return set_kwarg(updated, "filter", cst.SimpleString('"data"'))

    def _is_tarfile(self, receiver: cst.BaseExpression) -> bool:
        """Whether ``receiver`` (an original node) is a ``TarFile`` wherever it is read."""
        if isinstance(receiver, cst.Call):
            return self.qualified_name(receiver.func) in _TARFILE_CONSTRUCTORS
        scope = self.scope_of(receiver)
        if not isinstance(receiver, cst.Name) or scope is None:
            return False
        bindings = scope[receiver.value]
        return bool(bindings) and all(self._binds_tarfile(binding.node) for binding in bindings)

    def _binds_tarfile(self, bound: cst.CSTNode) -> bool:
        """Whether the binding at ``bound`` is ``name = <constructor>`` or ``with <constructor> as name``."""
        parent = self.parent_of(bound)
        if isinstance(parent, cst.AsName):
            item = self.parent_of(parent)
            return isinstance(item, cst.WithItem) and self._is_tarfile_call(item.item)
        if isinstance(parent, cst.AssignTarget):
            assign = self.parent_of(parent)
            return isinstance(assign, cst.Assign) and len(assign.targets) == 1 and self._is_tarfile_call(assign.value)
        if isinstance(parent, cst.AnnAssign) and parent.target is bound and parent.value is not None:
            return self._is_tarfile_call(parent.value)
        return False

    def _is_tarfile_call(self, value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and self.qualified_name(value.func) in _TARFILE_CONSTRUCTORS


_TARFILE_CONSTRUCTORS = frozenset({
    "tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open", "tarfile.TarFile.taropen",
    "tarfile.TarFile.gzopen", "tarfile.TarFile.bz2open", "tarfile.TarFile.xzopen",
})


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
