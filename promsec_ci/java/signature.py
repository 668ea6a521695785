"""A Java method's signature read from its syntax tree, so a fix can be held to it.

The signature is what callers and overriders depend on: modifiers, annotations, type parameters,
return type, name, parameter types (varargs and array dimensions included) and the declared
exceptions. Parameter names and the body are not part of it; whitespace is ignored.

Sample::

    @Override public ResultSet find(Connection conn, String... names) throws SQLException {
    -> Signature(modifiers=('public',), annotations=('@Override',), type_parameters='',
                 returns='ResultSet', name='find', parameters=('Connection', 'String...'),
                 throws=('SQLException',))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

METHODS = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"})


@dataclass(frozen=True)
class Signature:
    """The parts of a method declaration callers depend on (sorted where order is free)."""

    modifiers: tuple[str, ...]
    annotations: tuple[str, ...]
    type_parameters: str
    returns: str
    name: str
    parameters: tuple[str, ...]
    throws: tuple[str, ...]

    def describe(self) -> str:
        """Java-like text of the signature, for messages and prompts."""
        head = " ".join([*self.annotations, *self.modifiers, self.type_parameters, self.returns, self.name])
        throws = f" throws {', '.join(self.throws)}" if self.throws else ""
        return " ".join(head.split()) + f"({', '.join(self.parameters)}){throws}"


def find_method(root: Node, name: str) -> Node | None:
    """The first method or constructor called ``name`` under ``root`` (classes included), source order."""
    from promsec_ci.java.syntax import text_of, walk

    for node in walk(root):
        if node.type in METHODS:
            name_node = node.child_by_field_name("name")
            if name_node is not None and text_of(name_node) == name:
                return node
    return None


def signature_of(node: Node) -> Signature:
    """The signature of a method or constructor declaration node."""
    from promsec_ci.java.syntax import text_of

    modifiers: list[str] = []
    annotations: list[str] = []
    for child in node.children:
        if child.type == "modifiers":
            for part in child.children:
                target = annotations if "annotation" in part.type else modifiers
                target.append(_squash(text_of(part)))
    parameters_node = node.child_by_field_name("parameters")
    parameters = tuple(_parameter_type(p) for p in parameters_node.named_children
                       if p.type in ("formal_parameter", "spread_parameter")) if parameters_node else ()
    throws = next((c for c in node.named_children if c.type == "throws"), None)
    type_node = node.child_by_field_name("type")
    dimensions = node.child_by_field_name("dimensions")  # int f()[] is legal Java
    type_parameters = node.child_by_field_name("type_parameters")
    name_node = node.child_by_field_name("name")
    return Signature(
        modifiers=tuple(sorted(modifiers)),
        annotations=tuple(sorted(annotations)),
        type_parameters=_squash(text_of(type_parameters)) if type_parameters else "",
        returns=_squash(text_of(type_node) + (text_of(dimensions) if dimensions else "")) if type_node else "",
        name=text_of(name_node) if name_node else "",
        parameters=parameters,
        throws=tuple(sorted(_squash(text_of(t)) for t in throws.named_children)) if throws else (),
    )


def method_signature(source: str, name: str | None = None) -> Signature | None:
    """The signature of method ``name`` (the first method when ``None``) in ``source``; ``None``
    when there is no such method or ``source`` has syntax errors."""
    node = method_node(source, name)
    return signature_of(node) if node is not None else None


def method_node(source: str, name: str | None = None) -> Node | None:
    """The declaration node of method ``name`` (the first when ``None``) in ``source``: a file, a
    class, or a bare method or constructor (parsed inside a class then); ``None`` on syntax errors."""
    from promsec_ci.java.syntax import parse, walk

    for text in (source, f"class PromsecWrapper {{\n{source}\n}}\n"):
        root = parse(text).root_node
        if root.has_error:
            continue
        if name is None:
            node = next((n for n in walk(root) if n.type in METHODS), None)
        else:
            node = find_method(root, name)
        if node is not None:
            return node
    return None


def _parameter_type(parameter: Node) -> str:
    from promsec_ci.java.syntax import text_of

    if parameter.type == "spread_parameter":  # String... names
        kinds = [c for c in parameter.named_children if c.type not in ("modifiers", "variable_declarator")]
        return _squash("".join(text_of(k) for k in kinds)) + "..."
    type_node = parameter.child_by_field_name("type")
    dimensions = parameter.child_by_field_name("dimensions")  # String args[]
    # Parameter annotations matter to frameworks (@RequestParam("id")); ``final`` matters to no caller.
    annotations = [_squash(text_of(part)) for c in parameter.children if c.type == "modifiers"
                   for part in c.children if "annotation" in part.type]
    kind = _squash(text_of(type_node) if type_node else "") + (text_of(dimensions) if dimensions else "")
    return " ".join([*annotations, kind])


def _squash(text: str) -> str:
    """``text`` without whitespace between tokens (``List< String >`` -> ``List<String>``)."""
    return "".join(text.split())
