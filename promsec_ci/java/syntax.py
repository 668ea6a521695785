"""tree-sitter-java, loaded once: parse Java source and walk its syntax tree."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree


@lru_cache(maxsize=1)
def parser() -> Parser:
    """A tree-sitter parser for Java (any version up to 21)."""
    import tree_sitter
    import tree_sitter_java

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_java.language()))


def parse(text: str) -> Tree:
    """The syntax tree of ``text`` (never raises: errors become ERROR/MISSING nodes)."""
    return parser().parse(text.encode("utf-8"))


def parses(text: str) -> bool:
    """True when ``text`` is Java without syntax errors."""
    return not parse(text).root_node.has_error


def text_of(node: Node) -> str:
    return node.text.decode("utf-8") if node.text is not None else ""


def walk(node: Node) -> Iterator[Node]:
    """``node`` and its named descendants, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def first_line(node: Node) -> int:
    """1-based line where ``node`` starts."""
    return node.start_point[0] + 1


def last_line(node: Node) -> int:
    """1-based line where ``node`` ends (a node ending at column 0 ends on the line before)."""
    row, column = node.end_point
    return row + (1 if column > 0 or row == node.start_point[0] else 0)
