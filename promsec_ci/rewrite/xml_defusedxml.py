"""B313-B319 / B405-B409, CWE-20 / CWE-611 / CWE-776: parse untrusted XML with defusedxml.

The standard library parsers expand entities (billion laughs) and some fetch external
resources; defusedxml's drop-in functions refuse both. A flagged parse call is redirected, and
a flagged import is swapped when every use of it is something defusedxml provides::

    tree = ET.parse(path)                   ->   tree = defusedxml.ElementTree.parse(path)
    doc = minidom.parseString(data)         ->   doc = defusedxml.minidom.parseString(data)
    import xml.etree.ElementTree as ET      ->   import defusedxml.ElementTree as ET
    from xml.dom import minidom             ->   from defusedxml import minidom

A call that hands in its own parser is left alone: defusedxml's ``fromstring`` has no
``parser`` argument (``TypeError``), and its ``parse`` would use the given, undefused parser.

The rewritten code needs the ``defusedxml`` package (pure Python, PyPI).
"""

from __future__ import annotations

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator
from promsec_ci.rewrite.cst_tools import dotted_name

# stdlib module -> (defusedxml module, names that module provides)
_MODULES: dict[str, tuple[str, frozenset[str]]] = {
    "xml.etree.ElementTree": ("defusedxml.ElementTree", frozenset({
        "ParseError", "XML", "XMLParser", "fromstring", "iterparse", "parse", "tostring"})),
    "xml.etree.cElementTree": ("defusedxml.ElementTree", frozenset({
        "ParseError", "XML", "XMLParser", "fromstring", "iterparse", "parse", "tostring"})),
    "xml.dom.minidom": ("defusedxml.minidom", frozenset({"parse", "parseString"})),
    "xml.dom.pulldom": ("defusedxml.pulldom", frozenset({"parse", "parseString"})),
    "xml.sax": ("defusedxml.sax", frozenset({"parse", "parseString", "make_parser"})),
    "xml.dom.expatbuilder": ("defusedxml.expatbuilder", frozenset({"parse", "parseString"})),
    "xml.sax.expatreader": ("defusedxml.expatreader", frozenset({"create_parser"})),
}
_CALLS = {"parse", "iterparse", "fromstring", "XMLParser", "XML", "parseString", "make_parser", "create_parser"}
# stdlib module -> {function: position of its ``parser`` argument}
_PARSER_POSITION: dict[str, dict[str, int]] = {
    "xml.etree.ElementTree": {"parse": 1, "iterparse": 2, "fromstring": 1, "XML": 1},
    "xml.etree.cElementTree": {"parse": 1, "iterparse": 2, "fromstring": 1, "XML": 1},
    "xml.dom.minidom": {"parse": 1, "parseString": 1},
    "xml.dom.pulldom": {"parse": 1, "parseString": 1},
}


class _XmlDefusedxml(CallTransformer):
    def on_call(self, original: cst.Call, updated: cst.Call, name: str | None) -> cst.BaseExpression:
        if name is None or "." not in name:
            return updated
        module, function = name.rsplit(".", 1)
        if module not in _MODULES or function not in _CALLS or function not in _MODULES[module][1]:
            return updated
        if _passes_parser(original, module, function):
            return updated
        safe = self.module_alias(_MODULES[module][0])
        return updated.with_changes(func=cst.parse_expression(f"{safe}.{function}"))

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        if not self.in_target:
            return updated_node
        names = []
        for alias in updated_node.names:
            module = dotted_name(alias.name)
            if module in _MODULES and alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
                if self._uses_only(original_node, bound, module, _MODULES[module][1]):
                    alias = alias.with_changes(name=cst.parse_expression(_MODULES[module][0]))
            names.append(alias)
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if not self.in_target or isinstance(updated_node.names, cst.ImportStar) or updated_node.relative:
            return updated_node
        package = dotted_name(updated_node.module) if updated_node.module is not None else None
        if package is None:
            return updated_node
        if package in _MODULES:  # from xml.etree.ElementTree import parse
            safe, provided = _MODULES[package]
            names = [dotted_name(a.name) for a in updated_node.names]
            parser_given = any(self._called_with_parser(original_node, alias, package) for alias in updated_node.names)
            if all(name in provided for name in names) and _CALLS.intersection(names) and not parser_given:
                return updated_node.with_changes(module=cst.parse_expression(safe))
            return updated_node
        # from xml.dom import minidom [as md]: every imported module must be fully covered
        replacement = None
        for alias in updated_node.names:
            module = f"{package}.{dotted_name(alias.name)}"
            if module not in _MODULES:
                return updated_node
            safe, provided = _MODULES[module]
            bound = alias.asname.name.value if alias.asname is not None else dotted_name(alias.name)
            parent = safe.rsplit(".", 1)[0]
            if replacement not in (None, parent) or not self._uses_only(original_node, bound, module, provided):
                return updated_node
            replacement = parent
        if replacement is None:
            return updated_node
        return updated_node.with_changes(module=cst.parse_expression(replacement))

    def _called_with_parser(self, statement: cst.ImportFrom, alias: cst.ImportAlias, module: str) -> bool:
        """Some call of the name ``from module import function [as bound]`` hands in a parser."""
        function = dotted_name(alias.name)
        bound = alias.asname.name.value if alias.asname is not None else function
        scope = self.scope_of(statement)
        if scope is None or bound not in scope:
            return False
        for assignment in scope[bound]:
            for access in getattr(assignment, "references", ()):
                call = self.parent_of(access.node)
                if isinstance(call, cst.Call) and call.func is access.node and _passes_parser(call, module, function):
                    return True
        return False

    def _uses_only(self, statement: cst.CSTNode, bound: str, module: str, provided: frozenset[str]) -> bool:
        """Every use of ``bound`` in the module is ``bound.<name>`` with ``name`` in ``provided``,
        and one of them parses. A module that only re-exports the import (``compat.py``) is left
        alone: its importers may use what defusedxml lacks (``ETree.TreeBuilder``)."""
        scope = self.scope_of(statement)
        if scope is None or bound not in scope:
            return False
        parses = False
        for assignment in scope[bound]:
            for access in getattr(assignment, "references", ()):
                parent = self.parent_of(access.node)
                if not (isinstance(parent, cst.Attribute) and parent.value is access.node
                        and parent.attr.value in provided):
                    return False
                call = self.parent_of(parent)
                if isinstance(call, cst.Call) and call.func is parent and _passes_parser(
                        call, module, parent.attr.value):
                    return False
                parses = parses or parent.attr.value in _CALLS
        return parses


def _passes_parser(call: cst.Call, module: str, function: str) -> bool:
    position = _PARSER_POSITION.get(module, {}).get(function)
    if position is None:
        return False
    positional = [arg for arg in call.args if arg.keyword is None]
    return (len(positional) > position or any(arg.star for arg in call.args)
            or any(arg.keyword is not None and arg.keyword.value == "parser" for arg in call.args))


XmlDefusedxml = TransformerOperator(
    OperatorMeta(
        name="xml-defusedxml",
        cwes=(20, 611, 776),
        rule_ids=("B313", "B314", "B315", "B316", "B317", "B318", "B319",
                  "B405", "B406", "B407", "B408", "B409"),
        directive="Parse untrusted XML with the defusedxml equivalents (defusedxml.ElementTree.parse, "
        "defusedxml.minidom.parseString, ...) so entity expansion and external entities are refused.",
        summary="xml.* parser -> defusedxml drop-in",
        references=(
            "https://cwe.mitre.org/data/definitions/776.html",
            "https://github.com/tiran/defusedxml#readme",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_CURSORY_REVIEW,
    ),
    _XmlDefusedxml,
)
