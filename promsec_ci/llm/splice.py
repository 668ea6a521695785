"""Put a regenerated function back into its file: same place, same indentation, the original
decorators, and the module-level imports the new code needs.

The decorators always come from the original: a model that drops ``@login_required`` must not be
able to drop it from the fix.

Java methods (``splice_java``) replace the whole method, annotations included (the verifier holds
the regeneration to the original's annotations and signature), and their ``import`` declarations
go after the file's own.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from promsec_ci.llm.extract import find_function
from promsec_ci.records import Unit


@dataclass(frozen=True)
class Spliced:
    """The whole new file, the new unit's code (dedented) and the imports added to the file."""

    text: str
    function: str
    imports: tuple[str, ...]


def splice(text: str, unit: Unit, code: str, name: str) -> Spliced | None:
    """Replace ``unit``'s lines of ``text`` by function ``name`` from ``code``.

    Args:
        text: the original file.
        unit: the unit being replaced (lines of ``text``).
        code: extracted code holding the function and, maybe, imports.
        name: the bare function name.

    Returns ``None`` when ``code`` does not parse or lacks the function.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    node = find_function(tree, name)
    if node is None:
        return None
    code_lines = code.splitlines(keepends=True)
    function = textwrap.dedent("".join(code_lines[node.lineno - 1 : node.end_lineno]))
    lines = text.splitlines(keepends=True)
    unit_lines = lines[unit.start_line - 1 : unit.end_line]
    def_offset = _def_offset(unit_lines)
    if def_offset is None:
        return None
    def_line = unit_lines[def_offset]
    indent = def_line[: len(def_line) - len(def_line.lstrip())]
    body = _indented(function, indent)
    new_lines = [*lines[: unit.start_line - 1], *unit_lines[:def_offset], body, *lines[unit.end_line :]]
    new_text = "".join(new_lines)
    imports = tuple(ast.unparse(n) for n in tree.body
                    if isinstance(n, (ast.Import, ast.ImportFrom)) and not getattr(n, "level", 0))
    new_text, added = add_imports(new_text, imports)
    return Spliced(new_text, function, added)


def add_imports(text: str, imports: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Add each import statement ``text`` does not already have, after the existing imports."""
    if not imports:
        return text, ()
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, GatherImportsVisitor

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return text, ()
    context = CodemodContext()
    present = GatherImportsVisitor(context)
    module.visit(present)
    added: list[str] = []
    for statement in imports:
        node = ast.parse(statement).body[0]
        for alias in node.names:
            if isinstance(node, ast.Import):
                if alias.asname is None and alias.name in present.module_imports:
                    continue
                if alias.asname and present.module_aliases.get(alias.name) == alias.asname:
                    continue
                AddImportsVisitor.add_needed_import(context, alias.name, asname=alias.asname)
                added.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
            elif alias.name != "*":
                module_name = node.module or ""
                if alias.asname is None and alias.name in present.object_mapping.get(module_name, set()):
                    continue
                AddImportsVisitor.add_needed_import(context, module_name, alias.name, alias.asname)
                added.append(f"from {module_name} import {alias.name}"
                             + (f" as {alias.asname}" if alias.asname else ""))
    if not added:
        return text, ()
    return AddImportsVisitor(context).transform_module(module).code, tuple(added)


def splice_java(text: str, unit: Unit, code: str, name: str) -> Spliced | None:
    """Replace Java method ``unit`` of ``text`` by method ``name`` from ``code``.

    Args:
        text: the original file.
        unit: the method being replaced (lines of ``text``).
        code: extracted code holding the method (alone or in a class) and, maybe, imports.
        name: the bare method name.

    Returns ``None`` when ``code`` lacks the method or the original method shares its first or
    last line with other code.
    """
    from promsec_ci.java.signature import method_node
    from promsec_ci.java.syntax import first_line, parse, text_of, walk

    node = method_node(code, name)
    if node is None:
        return None
    function = textwrap.dedent(" " * node.start_point[1] + text_of(node)) + "\n"
    data = text.encode("utf-8")
    original = next((n for n in walk(parse(text).root_node)
                     if n.type == node.type and first_line(n) == unit.start_line), None)
    if original is None:
        return None
    line_start = data.rfind(b"\n", 0, original.start_byte) + 1
    line_end = data.find(b"\n", original.end_byte)
    before = data[line_start : original.start_byte].decode("utf-8")
    after = data[original.end_byte : line_end if line_end >= 0 else len(data)].decode("utf-8")
    if before.strip() or after.strip():
        return None
    lines = text.splitlines(keepends=True)
    new_text = "".join([*lines[: unit.start_line - 1], _indented(function, before), *lines[unit.end_line :]])
    imports = tuple(" ".join(text_of(n).split()) for n in parse(code).root_node.named_children
                    if n.type == "import_declaration")
    new_text, added = add_java_imports(new_text, imports)
    return Spliced(new_text, function, added)


def add_java_imports(text: str, imports: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Add each ``import ...;`` declaration ``text`` lacks, after its last import (or its package)."""
    from promsec_ci.java.syntax import last_line, parse, text_of

    root = parse(text).root_node
    present = {" ".join(text_of(n).split()) for n in root.named_children if n.type == "import_declaration"}
    added = tuple(dict.fromkeys(i for i in imports if i not in present))
    if not added:
        return text, ()
    anchors = [n for n in root.named_children if n.type in ("import_declaration", "package_declaration")]
    at = last_line(anchors[-1]) if anchors else 0
    lines = text.splitlines(keepends=True)
    block = "".join(f"{i}\n" for i in added)
    return "".join([*lines[:at], block, *lines[at:]]), added


def _indented(function: str, indent: str) -> str:
    """``function`` (dedented) indented by ``indent``, ending with a newline."""
    return textwrap.indent(function if function.endswith("\n") else function + "\n", indent,
                           lambda line: bool(line.strip()))


def _def_offset(unit_lines: list[str]) -> int | None:
    """Index of the ``def`` line inside the unit (after decorators and their comments)."""
    for offset, line in enumerate(unit_lines):
        stripped = line.lstrip()
        if stripped.startswith(("def ", "async def ")):
            return offset
    return None
