"""B506 / CWE-20, CWE-502: load YAML with the safe loader.

``yaml.load`` with the default, ``Loader``, ``FullLoader`` or ``UnsafeLoader`` loader can build
arbitrary Python objects from the document; ``yaml.safe_load`` builds only plain data::

    data = yaml.load(stream, Loader=yaml.FullLoader)   ->   data = yaml.safe_load(stream)
    docs = yaml.load_all(stream)                       ->   docs = yaml.safe_load_all(stream)

A call that already passes ``SafeLoader`` or ``CSafeLoader`` is left alone, and so is one
passing any loader that is not PyYAML's own unsafe one: a project's loader class carries
constructors (``!Ref`` tags, ordered mappings) that ``safe_load`` would drop, and so is any call
in a module that teaches loaders tags: a resolver, a constructor on a loader other than
``SafeLoader`` (``yaml.add_multi_constructor("", f)`` teaches ``Loader``, ``FullLoader`` and
``UnsafeLoader`` CloudFormation's tags, not ``SafeLoader``) or of a tag that is not a literal
local one (``!x``), a ``yaml.YAMLObject`` with a ``yaml_tag`` (``class Monster(yaml.YAMLObject):
yaml_tag = "!Monster"``) whose ``yaml_loader`` is not ``SafeLoader``: ``safe_load`` would fail
on those tags, or read plain data differently.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    CallTransformer,
    TransformerOperator,
    has_star_args,
    positional,
    remove_arg,
)
from promsec_ci.rewrite.cst_tools import ModuleMemo, called_name, dotted_name

_SAFE = {"load": "safe_load", "load_all": "safe_load_all", "unsafe_load": "safe_load",
         "unsafe_load_all": "safe_load_all", "full_load": "safe_load", "full_load_all": "safe_load_all"}
_SAFE_LOADERS = {"SafeLoader", "CSafeLoader"}
# Constructor and resolver registrations -> the position of their ``Loader`` argument.
_REGISTRATIONS = {"add_constructor": 2, "add_multi_constructor": 2, "add_implicit_resolver": 3,
                  "add_path_resolver": 3}
# What a registration may target and leave safe_load knowing the tag (SafeConstructor is SafeLoader's).
_SAFE_TARGETS = _SAFE_LOADERS | {"SafeConstructor"}
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
        func = cst.Attribute(value=cst.Name(self.module_alias("yaml")), attr=cst.Name(_SAFE[function]))
        call = updated
        for loader in updated.args[1:]:  # removed one by one, so the comments around them stay
            call = remove_arg(call, loader)
        return call.with_changes(func=func)

    def _extends_unsafe_loaders(self) -> bool:
        """The module teaches loaders other than ``SafeLoader`` tags (``yaml.add_multi_constructor("",
        f)`` adds to ``Loader``, ``FullLoader`` and ``UnsafeLoader``; so does a ``YAMLObject``)."""
        if self.module is None:
            return False
        registrations, classes = _tag_sources(self.module)
        return any(self._registers_off_safe(call) for call in registrations) or any(map(_tags_off_safe, classes))

    def _registers_off_safe(self, call: cst.Call) -> bool:
        """``yaml.add_constructor(tag, f)`` (no ``Loader``: the stock unsafe ones) or one naming a
        loader other than ``SafeLoader``; ``X.add_constructor(...)`` for any ``X`` but it. Also a
        resolver, or a constructor of a tag that is not a literal local one (``!x``), even on
        ``SafeLoader``: it would change what safe_load makes of data the original loader read."""
        function = called_name(call)
        tag = positional(call)[0].value if positional(call) else None
        if not function.endswith("constructor") or not (
                isinstance(tag, cst.SimpleString) and str(tag.evaluated_value).startswith("!")):
            return True
        if self.qualified_name(call.func) == f"yaml.{function}":
            named = [a for a in call.args if a.keyword is not None and a.keyword.value == "Loader"]
            loaders = named or positional(call)[_REGISTRATIONS[function]:_REGISTRATIONS[function] + 1]
            target = loaders[0].value if loaders else None
        else:
            target = call.func.value if isinstance(call.func, cst.Attribute) else None
        return target is None or (dotted_name(target) or "").split(".")[-1] not in _SAFE_TARGETS

    def _stock_unsafe(self, loader: cst.BaseExpression) -> bool:
        """``yaml.FullLoader`` and the like (imported, or spelled so in a fragment)."""
        name = self.qualified_name(loader) or ""
        return name.removeprefix("yaml.") in _STOCK_UNSAFE_LOADERS


def _find_tag_sources(module: cst.Module) -> tuple[list[cst.Call], list[cst.ClassDef]]:
    """The registration calls of a module and its classes that set ``yaml_tag``."""
    calls = [call for call in m.findall(module, m.Call()) if called_name(call) in _REGISTRATIONS]
    classes = [cls for cls in m.findall(module, m.ClassDef()) if _class_assigns(cls, "yaml_tag")]
    return calls, classes


_tag_sources: ModuleMemo[tuple[list[cst.Call], list[cst.ClassDef]]] = ModuleMemo(_find_tag_sources)


def _class_assigns(cls: cst.ClassDef, name: str) -> cst.BaseExpression | None:
    """The value ``cls``'s body assigns to ``name`` (``yaml_tag = "!Monster"``), else ``None``."""
    for line in cls.body.body:
        for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else \
                [small.target] if isinstance(small, cst.AnnAssign) and small.value is not None else []
            if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                return small.value
    return None


def _tags_off_safe(cls: cst.ClassDef) -> bool:
    """A class setting ``yaml_tag`` (a ``YAMLObject``, maybe through a base) registers it on its
    ``yaml_loader``: ``Loader``, ``FullLoader`` and ``UnsafeLoader`` unless it names ``SafeLoader``."""
    tag = _class_assigns(cls, "yaml_tag")
    if tag is None or (isinstance(tag, cst.Name) and tag.value == "None"):
        return False
    loader = _class_assigns(cls, "yaml_loader")
    names = [dotted_name(n) or "" for n in m.findall(loader, m.Name() | m.Attribute())] if loader else []
    return not any(n.split(".")[-1] in _SAFE_LOADERS for n in names)


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
