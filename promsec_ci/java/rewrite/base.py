"""What a Java rewrite operator is, and the tree-sitter helpers every operator shares.

A Java operator has the Python operators' contract (``rewrite/base.py``): metadata plus
``apply(source, line) -> Rewrite | None`` rewriting the statement at ``line`` and returning the
whole new file. Edits are byte-range splices on the tree-sitter tree, so formatting and comments
outside the edit are kept. Fully qualified names (``java.sql.PreparedStatement``) are used
instead of new imports, so a rewrite never clashes with the file's own imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promsec_ci.rewrite.base import Operator, OperatorMeta, Rewrite

if TYPE_CHECKING:
    from tree_sitter import Node

_CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_BLOCK_PARENTS = frozenset({"block", "constructor_body", "switch_block_statement_group", "switch_rule"})


@dataclass(frozen=True)
class JavaOperatorMeta(OperatorMeta):
    """``OperatorMeta`` for Java: ids read ``promsec:java/<name>``."""

    @property
    def id(self) -> str:
        return f"promsec:java/{self.name}"


class JavaOperator(Operator):
    """Base class of the Java operators: subclasses set ``meta`` and implement ``rewrite``."""

    meta: JavaOperatorMeta

    def apply(self, source: str, line: int) -> Rewrite | None:
        """Rewrite the statement of ``source`` holding ``line``; ``None`` when the precondition
        fails there or the result would not parse."""
        from promsec_ci.java.syntax import parse, parses

        data = source.encode("utf-8")
        tree = parse(source)
        try:
            edits = self.rewrite(tree.root_node, data, line)
        except (ValueError, IndexError):
            return None
        if not edits:
            return None
        text = splice(data, edits)
        if text == source or not parses(text):
            return None
        return Rewrite(text=text, line=line)

    def rewrite(self, root: Node, data: bytes, line: int) -> list[tuple[int, int, str]] | None:
        """Byte-range edits ``(start, end, replacement)`` for the statement at ``line``."""
        raise NotImplementedError


def splice(data: bytes, edits: Iterable[tuple[int, int, str]]) -> str:
    """Apply non-overlapping byte-range replacements and decode the result."""
    out = bytearray(data)
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        out[start:end] = replacement.encode("utf-8")
    return out.decode("utf-8")


def text(node: Node) -> str:
    return node.text.decode("utf-8") if node.text is not None else ""


def descendants(node: Node, types: Iterable[str] | str) -> list[Node]:
    """Named descendants of ``node`` (itself included) of the given types, in source order."""
    from promsec_ci.java.syntax import walk

    wanted = {types} if isinstance(types, str) else set(types)
    return [n for n in walk(node) if n.type in wanted]


def on_line(root: Node, types: Iterable[str] | str, line: int) -> list[Node]:
    """Nodes of the given types whose lines include ``line`` (1-based), innermost last."""
    row = line - 1
    found = [n for n in descendants(root, types) if n.start_point[0] <= row <= n.end_point[0]]
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


def ancestor(node: Node, types: Iterable[str] | str) -> Node | None:
    wanted = {types} if isinstance(types, str) else set(types)
    current = node.parent
    while current is not None and current.type not in wanted:
        current = current.parent
    return current


def enclosing_method(node: Node) -> Node | None:
    return ancestor(node, ("method_declaration", "constructor_declaration", "lambda_expression"))


def statement_in_block(node: Node) -> Node | None:
    """The statement holding ``node`` whose parent is a block (where new lines can go before it)."""
    current = node
    while current.parent is not None and current.parent.type not in _BLOCK_PARENTS:
        if current.parent.type in ("method_declaration", "class_body", "lambda_expression", "program"):
            return None
        current = current.parent
    return current if current.parent is not None else None


def indentation(data: bytes, node: Node) -> str:
    """The whitespace before ``node`` on its first line."""
    line_start = data.rfind(b"\n", 0, node.start_byte) + 1
    prefix = data[line_start : node.start_byte].decode("utf-8")
    return prefix if prefix.strip() == "" else re.match(r"\s*", prefix).group(0)  # type: ignore[union-attr]


def insert_before(data: bytes, statement: Node, lines: Sequence[str]) -> tuple[int, int, str]:
    """An edit inserting ``lines`` (no indentation, no newline) before ``statement``."""
    indent = indentation(data, statement)
    at = statement.start_byte
    return at, at, "".join(f"{line}\n{indent}" for line in lines)


def call_name(call: Node) -> str:
    name = call.child_by_field_name("name")
    return text(name) if name is not None else ""


def call_object(call: Node) -> Node | None:
    return call.child_by_field_name("object")


def arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def concat_parts(node: Node) -> list[Node] | None:
    """The operands of a ``+`` chain (parentheses looked through); ``None`` when not a ``+``."""
    node = unparen(node)
    if node.type != "binary_expression" or text(node.child_by_field_name("operator")) != "+":
        return None
    parts: list[Node] = []
    for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
        inner = concat_parts(side)
        parts.extend(inner if inner is not None else [unparen(side)])
    return parts


def unparen(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def is_string_literal(node: Node) -> bool:
    return node.type == "string_literal" and not text(node).startswith('"""')


def literal_value(node: Node) -> str:
    """The source text between the quotes of a string literal (escapes kept as written)."""
    return text(node)[1:-1]


def is_constant(node: Node) -> bool:
    """A literal, or a name written like a constant (``TABLE``, ``Config.TABLE``)."""
    if node.type in ("string_literal", "decimal_integer_literal", "character_literal", "true", "false"):
        return True
    if node.type == "identifier":
        return bool(_CONSTANT_NAME.match(text(node)))
    if node.type == "field_access":
        field = node.child_by_field_name("field")
        return field is not None and bool(_CONSTANT_NAME.match(text(field)))
    return False


def local_declaration(scope: Node, name: str, before: int) -> tuple[Node, Node, str] | None:
    """The last ``Type name = value;`` of ``name`` in ``scope`` before byte ``before``:
    (declarator, value, type text)."""
    best = None
    for declaration in descendants(scope, ("local_variable_declaration", "field_declaration")):
        if declaration.start_byte >= before:
            continue
        type_node = declaration.child_by_field_name("type")
        for declarator in declaration.children_by_field_name("declarator"):
            name_node = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name_node is not None and text(name_node) == name and value is not None:
                best = (declarator, value, text(type_node) if type_node is not None else "")
    return best


def declared_type(scope: Node, name: str) -> str | None:
    """The declared type of a parameter or local called ``name`` in ``scope``."""
    for node in descendants(scope, ("formal_parameter", "local_variable_declaration", "field_declaration")):
        type_node = node.child_by_field_name("type")
        names = [node.child_by_field_name("name")] if node.type == "formal_parameter" else [
            d.child_by_field_name("name") for d in node.children_by_field_name("declarator")]
        if any(n is not None and text(n) == name for n in names) and type_node is not None:
            return text(type_node)
    return None


def assigned_elsewhere(scope: Node, name: str) -> bool:
    """True when ``name`` is assigned (``=``, ``+=``) anywhere in ``scope`` outside its declaration."""
    for node in descendants(scope, ("assignment_expression", "update_expression")):
        left = node.child_by_field_name("left") or (node.named_children[0] if node.named_children else None)
        if left is not None and text(left) == name:
            return True
    return False


def uses(scope: Node, name: str) -> int:
    """How many times the variable ``name`` appears in ``scope`` (package paths and fields not counted)."""
    count = 0
    for node in descendants(scope, "identifier"):
        parent = node.parent
        if text(node) != name or parent is None or parent.type in ("scoped_identifier", "scoped_type_identifier"):
            continue
        if parent.type == "field_access" and parent.child_by_field_name("field") == node:
            continue
        count += 1
    return count


def fresh_name(scope_text: str, base: str) -> str:
    """``base``, or ``base2``, ``base3``... whichever does not occur in ``scope_text``."""
    words = set(re.findall(r"[A-Za-z_$][\w$]*", scope_text))
    if base not in words:
        return base
    number = 2
    while f"{base}{number}" in words:
        number += 1
    return f"{base}{number}"


def string_expression(node: Node, scope: Node | None) -> str:
    """Source of ``node`` as a String: as is when known to be one, else ``String.valueOf(...)``."""
    source = text(node)
    if node.type == "string_literal":
        return source
    if node.type == "identifier" and scope is not None and (declared_type(scope, source) or "") == "String":
        return source
    if node.type == "method_invocation" and call_name(node) in ("getParameter", "getHeader", "toString",
                                                               "getValue", "getQueryString", "trim", "substring"):
        return source
    return f"String.valueOf({source})"


__all__ = ["JavaOperator", "JavaOperatorMeta", "Rewrite"]
