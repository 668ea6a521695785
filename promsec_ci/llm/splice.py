"""Put a regenerated function back into its file: same place, same indentation, the original
decorators, and the module-level imports the new code needs.

The decorators always come from the original: a model that drops ``@login_required`` must not be
able to drop it from the fix.
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
    body = textwrap.indent(function if function.endswith("\n") else function + "\n", indent,
                           lambda line: bool(line.strip()))
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


def _def_offset(unit_lines: list[str]) -> int | None:
    """Index of the ``def`` line inside the unit (after decorators and their comments)."""
    for offset, line in enumerate(unit_lines):
        stripped = line.lstrip()
        if stripped.startswith(("def ", "async def ")):
            return offset
    return None
