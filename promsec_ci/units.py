"""Find the unit enclosing a finding: the innermost function or method, else the module-level
(or class-level) statement that holds the line, named ``"<module>"``."""

from __future__ import annotations

import ast
from bisect import bisect_right
from dataclasses import dataclass

from promsec_ci.records import Unit

MODULE = "<module>"


@dataclass(frozen=True)
class Span:
    name: str
    kind: str
    start: int
    end: int


class SpanIndex:
    """What the unit index of every language shares: the spans of its functions and of its
    module-level statements, and the lookup of the innermost one holding some lines. A language
    fills ``functions`` and ``statements`` and says how a module-level statement is found.

    Args:
        text: the file's source.
        path: repository-relative path, copied into every Unit.
    """

    language = "python"

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = text.splitlines(keepends=True)
        self.functions: list[Span] = []
        self.statements: list[Span] = []

    def function_units(self) -> list[Unit]:
        """Every function and method of the file, outermost first."""
        return [self._unit(span) for span in self.functions]

    def locate(self, start_line: int, end_line: int | None = None) -> Unit:
        """The innermost unit containing lines ``start_line..end_line``."""
        end_line = end_line or start_line
        best: Span | None = None
        for span in self.functions:
            if span.start <= start_line and end_line <= span.end:
                if best is None or span.end - span.start <= best.end - best.start:
                    best = span
        if best is None:
            best = self._statement_at(start_line, end_line)
        return self._unit(best)

    def _statement_at(self, start_line: int, end_line: int) -> Span:
        raise NotImplementedError

    def _unit(self, span: Span) -> Unit:
        source = "".join(self.lines[span.start - 1 : span.end])
        return Unit(self.path, span.name, span.kind, span.start, span.end, source, language=self.language)


class UnitIndex(SpanIndex):
    """Units of one Python source, parsed once and queried per line.

    Args:
        text: the file's source.
        path: repository-relative path, copied into every Unit.
    """

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text, path)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            self.parsed = False
            return
        self.parsed = True
        self._collect(tree.body, prefix="", in_class=False, top=True)
        self.functions.sort(key=lambda s: (s.start, -s.end))
        self._starts = [s.start for s in self.statements]

    def _collect(self, body: list[ast.stmt], prefix: str, in_class: bool, top: bool) -> None:
        for node in body:
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            end = node.end_lineno or node.lineno
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kind = "method" if in_class else "function"
                self.functions.append(Span(prefix + node.name, kind, start, end))
                self._collect(node.body, prefix + node.name + ".", in_class=False, top=False)
            elif isinstance(node, ast.ClassDef):
                self._collect(node.body, prefix + node.name + ".", in_class=True, top=False)
            elif top or in_class:
                self.statements.append(Span(MODULE, "module", start, end))
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for child_body in _nested_bodies(node):
                    self._collect(child_body, prefix, in_class=in_class, top=False)

    def _statement_at(self, start_line: int, end_line: int) -> Span:
        if self.parsed and self.statements:
            i = bisect_right(self._starts, start_line) - 1
            if i >= 0 and self.statements[i].end >= end_line:
                return self.statements[i]
        return Span(MODULE, "module", start_line, end_line)


def _nested_bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    """Statement lists inside compound statements (if/for/while/with/try), for nested defs."""
    bodies = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            bodies.append(value)
    for handler in getattr(node, "handlers", []) or []:
        bodies.append(handler.body)
    for case in getattr(node, "cases", []) or []:
        bodies.append(case.body)
    return bodies
