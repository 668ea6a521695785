"""Java units: the method or constructor (annotations included) enclosing a finding.

The Java counterpart of ``promsec_ci/units.py``, with the same ``locate(start, end) -> Unit``
query, so the pipeline, fingerprints and fixers treat both languages alike. A line outside any
method (a field, a static initializer's neighbour, an import) belongs to the class-level
declaration holding it, named ``"<module>"`` as in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from promsec_ci.records import Unit
from promsec_ci.units import MODULE

METHOD_NODES = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"})
TYPE_NODES = frozenset(
    {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
     "annotation_type_declaration"}
)
_MEMBER_NODES = frozenset({"field_declaration", "static_initializer", "block", "constant_declaration"})


@dataclass(frozen=True)
class _Span:
    name: str
    kind: str
    start: int
    end: int


class JavaUnitIndex:
    """Units of one Java source, parsed once and queried per line.

    Args:
        text: the file's source.
        path: repository-relative path, copied into every Unit.
    """

    def __init__(self, text: str, path: str) -> None:
        from promsec_ci.java.syntax import parse

        self.text = text
        self.path = path
        self.lines = text.splitlines(keepends=True)
        self.functions: list[_Span] = []
        self.statements: list[_Span] = []
        tree = parse(text)
        self.parsed = not tree.root_node.has_error
        self._collect(tree.root_node, prefix="")
        self.functions.sort(key=lambda s: (s.start, -s.end))

    def _collect(self, node, prefix: str) -> None:
        from promsec_ci.java.syntax import first_line, last_line, text_of

        for child in node.named_children:
            if child.type in METHOD_NODES:
                name_node = child.child_by_field_name("name")
                name = text_of(name_node) if name_node is not None else "<init>"
                kind = "constructor" if child.type != "method_declaration" else "method"
                self.functions.append(_Span(prefix + name, kind, first_line(child), last_line(child)))
                self._collect(child, prefix + name + ".")
            elif child.type in TYPE_NODES:
                name_node = child.child_by_field_name("name")
                name = text_of(name_node) if name_node is not None else "<anonymous>"
                body = child.child_by_field_name("body")
                if body is not None:
                    self._collect(body, prefix + name + ".")
            elif child.type in _MEMBER_NODES and node.type in ("class_body", "enum_body_declarations",
                                                               "interface_body", "enum_body"):
                self.statements.append(_Span(MODULE, "module", first_line(child), last_line(child)))
                self._collect(child, prefix)
            elif child.type == "object_creation_expression" or child.named_child_count:
                # Anonymous classes and lambdas inside a method: their methods nest under it.
                self._collect(child, prefix)

    def function_units(self) -> list[Unit]:
        """Every method and constructor of the file, outermost first."""
        return [self._unit(span) for span in self.functions]

    def locate(self, start_line: int, end_line: int | None = None) -> Unit:
        """The innermost unit containing lines ``start_line..end_line``."""
        end_line = end_line or start_line
        best: _Span | None = None
        for span in self.functions:
            if span.start <= start_line and end_line <= span.end:
                if best is None or span.end - span.start <= best.end - best.start:
                    best = span
        if best is None:
            for span in self.statements:
                if span.start <= start_line and end_line <= span.end:
                    best = span
                    break
        return self._unit(best or _Span(MODULE, "module", start_line, end_line))

    def find(self, name: str, near: int | None = None) -> Unit | None:
        """The unit called ``name`` (the closest to line ``near`` when overloaded), or ``None``."""
        spans = [s for s in self.functions if s.name == name]
        if not spans:
            return None
        if near is not None:
            spans.sort(key=lambda s: abs(s.start - near))
        return self._unit(spans[0])

    def _unit(self, span: _Span) -> Unit:
        start = max(span.start, 1)
        end = max(min(span.end, len(self.lines)), start)
        source = "".join(self.lines[start - 1 : end])
        return Unit(self.path, span.name, span.kind, start, end, source, language="java")
