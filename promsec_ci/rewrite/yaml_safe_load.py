"""B506 / CWE-20, CWE-502: load YAML with the safe loader.

``yaml.load`` with the default, ``Loader``, ``FullLoader`` or ``UnsafeLoader`` loader can build
arbitrary Python objects from the document; ``yaml.safe_load`` builds only plain data::

    data = yaml.load(stream, Loader=yaml.FullLoader)   ->   data = yaml.safe_load(stream)
    docs = yaml.load_all(stream)                       ->   docs = yaml.safe_load_all(stream)

A call that already passes ``SafeLoader`` or ``CSafeLoader`` is left alone, and so is one
passing any loader that is not PyYAML's own unsafe one: a project's loader class carries
constructors (``!Ref`` tags, ordered mappings) that ``safe_load`` would drop, and so is any call
in a module that registers constructors on the stock loaders (``yaml.add_multi_constructor("",
f)`` teaches ``Loader`` CloudFormation's tags, not ``SafeLoader``).
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, has_star_args, positional
from promsec_ci.rewrite.cst_tools import dotted_name

_SAFE = {"load": "safe_load", "load_all": "safe_load_all", "unsafe_load": "safe_load",
         "unsafe_load_all": "safe_load_all", "full_load": "safe_load", "full_load_all": "safe_load_all"}
_SAFE_LOADERS = {"SafeLoader", "CSafeLoader"}
# A constructor or resolver registration, up to the end of its line.
_REGISTRATION = re.compile(r"\badd_(multi_)?(constructor|implicit_resolver|path_resolver)\s*\([^\n]*")
_STOCK_UNSAFE_LOADERS = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}


class _YamlSafeLoad(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or not name.startswith("yaml.") or name.count(".") != 1:
            return updated
        function = name.split(".")[1]
        if function not in _SAFE or has_star_args(updated):
            return updated
        args = positional(updated)
        loaders = [a for a in updated.args if a.keyword is not None and a.keyword.value == "Loader"]
        loaders += args[1:2]
        if any((dotted_name(a.value) or "").split(".")[-1] in _SAFE_LOADERS for a in loaders):
            return updated
        if not all(self._stock_unsafe(a.value) for a in loaders) or self._extends_unsafe_loaders():
            return updated
        if len(args) not in (1, 2) or any(a.keyword is not None and a.keyword.value != "Loader" for a in updated.args):
            return updated  # unknown extra arguments: safe_load takes the stream only
        stream = args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        func = cst.Attribute(value=cst.Name(self.module_alias("yaml")), attr=cst.Name(_SAFE[function]))
        return updated.with_changes(func=func, args=[stream])

    def _extends_unsafe_loaders(self) -> bool:
        """The module teaches the stock loaders tags (``yaml.add_multi_constructor("", f)`` adds to
        ``Loader``, ``FullLoader`` and ``UnsafeLoader``, never to ``SafeLoader``)."""
        code = self.module.code if self.module is not None else ""
        return any(not re.search(r"Safe\w*Loader", match.group(0))
                   for match in _REGISTRATION.finditer(code))

    def _stock_unsafe(self, loader: cst.BaseExpression) -> bool:
        """``yaml.FullLoader`` and the like (imported, or spelled so in a fragment)."""
        name = self.qualified_name(loader) or ""
        return name.removeprefix("yaml.") in _STOCK_UNSAFE_LOADERS


YamlSafeLoad = TransformerOperator(
    OperatorMeta(
        name="yaml-safe-load",
        cwes=(20, 502),
        rule_ids=("B506",),
        directive="Parse YAML with yaml.safe_load (or yaml.safe_load_all) so the document can only "
        "produce plain data, never arbitrary Python objects.",
        summary="yaml.load with an unsafe loader -> yaml.safe_load",
        references=(
            "https://cwe.mitre.org/data/definitions/502.html",
            "https://pyyaml.org/wiki/PyYAMLDocumentation",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _YamlSafeLoad,
)
