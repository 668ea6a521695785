"""Java units: the method or constructor (annotations included) enclosing a finding.

The Java counterpart of ``promsec_ci/units.py``, with the same ``locate(start, end) -> Unit``
query, so the pipeline, fingerprints and fixers treat both languages alike. A line outside any
method (a field, a static initializer's neighbour, an import) belongs to the class-level
declaration holding it, named ``"<module>"`` as in Python.
"""

from __future__ import annotations

from promsec_ci.records import Unit
from promsec_ci.units import MODULE, Span, SpanIndex

METHOD_NODES = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"})
TYPE_NODES = frozenset(
    {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
     "annotation_type_declaration"}
)
_MEMBER_NODES = frozenset({"field_declaration", "static_initializer", "block", "constant_declaration"})


class JavaUnitIndex(SpanIndex):
    """Units of one Java source, parsed once and queried per line.

    Args:
        text: the file's source.
        path: repository-relative path, copied into every Unit.
    """

    language = "java"

    def __init__(self, text: str, path: str) -> None:
        from promsec_ci.java.syntax import parse

        super().__init__(text, path)
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
                self.functions.append(Span(prefix + name, kind, first_line(child), last_line(child)))
                self._collect(child, prefix + name + ".")
            elif child.type in TYPE_NODES:
                name_node = child.child_by_field_name("name")
                name = text_of(name_node) if name_node is not None else "<anonymous>"
                body = child.child_by_field_name("body")
                if body is not None:
                    self._collect(body, prefix + name + ".")
            elif child.type in _MEMBER_NODES and node.type in ("class_body", "enum_body_declarations",
                                                               "interface_body", "enum_body"):
                self.statements.append(Span(MODULE, "module", first_line(child), last_line(child)))
                self._collect(child, prefix)
            elif child.type == "object_creation_expression" or child.named_child_count:
                # Anonymous classes and lambdas inside a method: their methods nest under it.
                self._collect(child, prefix)

    def _statement_at(self, start_line: int, end_line: int) -> Span:
        for span in self.statements:
            if span.start <= start_line and end_line <= span.end:
                return span
        return Span(MODULE, "module", start_line, end_line)

    def find(self, name: str, near: int | None = None) -> Unit | None:
        """The unit called ``name`` (the closest to line ``near`` when overloaded), or ``None``."""
        spans = [s for s in self.functions if s.name == name]
        if not spans:
            return None
        if near is not None:
            spans.sort(key=lambda s: abs(s.start - near))
        return self._unit(spans[0])

    def _unit(self, span: Span) -> Unit:
        start = max(span.start, 1)
        end = max(min(span.end, len(self.lines)), start)
        return super()._unit(Span(span.name, span.kind, start, end))
