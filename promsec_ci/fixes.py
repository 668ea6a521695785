"""From a verified candidate file to a Fix: minimal line edits and a unified diff.

The unit's edit spans the first to the last differing line inside the unit; anything the
rewrite added elsewhere (imports at the top, mostly) becomes its own edit::

    Fix(edits=(Edit(26, 26, '    cursor.execute("... = ?", (name,))\\n'),   # the unit
               Edit(4, 3, 'import subprocess\\n')),                        # an insertion
        diff="--- a/app.py\\n+++ b/app.py\\n@@ ...")
"""

from __future__ import annotations

import ast
import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from promsec_ci.records import Cost, Edit, Fix, Unit
from promsec_ci.units import UnitIndex


def build_fix(
    path: str,
    unit: Unit,
    original_text: str,
    candidate_text: str,
    *,
    operators: Sequence[str],
    directives: Sequence[str],
    cwes_removed: Sequence[int],
    added_imports: Sequence[str],
    similarity: float,
    verifications: int,
    prompt: str | None = None,
    cost: Cost = Cost(),  # noqa: B008 - frozen, so a shared default is safe
    description: str = "",
) -> Fix:
    """The Fix turning ``original_text`` into ``candidate_text`` for ``unit``.

    Args:
        path: repository-relative path of the file.
        unit: the rewritten unit (lines of ``original_text``).
        original_text: the scanned file.
        candidate_text: the verified rewritten file.
        operators: operator ids applied (or ``llm:<model>``).
        directives: one sentence per operator.
        cwes_removed: CWE ids no longer reported in the unit.
        added_imports: import statements the rewrite added.
        similarity: token similarity of the unit before and after.
        verifications: candidates verified up to and including this one.
        prompt: the optimized prompt, when an LLM produced the fix.
        cost: what finding the fix cost.
        description: one line for reports.
    """
    return Fix(
        path=path,
        unit=unit.name,
        edits=line_edits(original_text, candidate_text, unit),
        operators=tuple(operators),
        directives=tuple(directives),
        cwes_removed=tuple(sorted(set(cwes_removed))),
        added_imports=tuple(added_imports),
        description=description,
        similarity=similarity,
        verifications=verifications,
        prompt=prompt,
        diff=unified_diff(original_text, candidate_text, path),
        cost=cost,
    )


def line_edits(original_text: str, candidate_text: str, unit: Unit) -> tuple[Edit, ...]:
    """Minimal line edits from ``original_text`` to ``candidate_text``, the unit's edit first."""
    old = _lines(original_text)
    new = _lines(candidate_text)
    inside: list[tuple[int, int, int, int]] = []
    outside: list[Edit] = []
    first, last = unit.start_line - 1, unit.end_line  # 0-based half-open
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        overlaps = (i1 < last and i2 > first) if i1 < i2 else (first < i1 < last)
        if overlaps:
            inside.append((i1, i2, j1, j2))
        else:
            outside.append(Edit(i1 + 1, i2, "".join(new[j1:j2])))
    edits: list[Edit] = []
    if inside:
        i1, i2 = min(op[0] for op in inside), max(op[1] for op in inside)
        j1, j2 = min(op[2] for op in inside), max(op[3] for op in inside)
        edits.append(Edit(i1 + 1, i2, "".join(new[j1:j2])))
    return tuple(edits + outside)


def _lines(text: str) -> list[str]:
    """Lines with their newline; the last one gets one if the file lacks it (edits are whole lines)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def unified_diff(original_text: str, candidate_text: str, path: str) -> str:
    """A ``git apply``-able unified diff with ``a/`` and ``b/`` paths."""
    out = []
    for line in difflib.unified_diff(original_text.splitlines(keepends=True), candidate_text.splitlines(keepends=True),
                                     f"a/{path}", f"b/{path}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def apply_edits(text: str, edits: Sequence[Edit]) -> str | None:
    """``text`` with ``edits`` applied (all in ``text``'s line numbers); ``None`` if two overlap.

    Insertions at the same place are merged, identical insertions count once, and an import line
    is never added twice or when the file already binds what it imports (``import subprocess``
    next to ``import os, subprocess``), whether an edit inserts it or puts it in place of a line
    (``import random`` -> ``import secrets``), so fixes of several units that add the same import
    (or the same helper) combine. Only a module-level import that runs before the first edited
    code counts: one further down (after a call that needs it), one in a string, under ``try:``
    or ``if`` does not. An import statement goes whole (``from m import (`` ... ``)``) or stays
    whole; a line that also holds code (``import os; x = 1``) stays.
    """
    lines = text.splitlines(keepends=True)
    trailing_newline = text.endswith(("\n", "\r")) or not text
    if lines and not trailing_newline:
        lines[-1] += "\n"
    replacements = sorted({e for e in edits if e.end_line >= e.start_line}, key=lambda e: e.start_line)
    for before, after in zip(replacements, replacements[1:], strict=False):
        if after.start_line <= before.end_line:
            return None
    insertions_in = sorted((e for e in dict.fromkeys(edits) if e.end_line < e.start_line),
                           key=lambda e: e.start_line)
    replaced = {number for e in replacements for number in range(e.start_line, e.end_line + 1)}
    # The first line edited code runs at: an import the file has further down binds too late.
    first_code = min([e.start_line for e in (*replacements, *insertions_in) if _has_code(e.text)],
                     default=len(lines) + 1)
    imports = _module_imports(text)
    present = {binding for first, last, bindings in imports
               if last < first_code and not replaced.intersection(range(first, last + 1)) for binding in bindings}
    # Replacements first: an import one puts in place of a line makes another fix's copy redundant.
    replacements = [Edit(e.start_line, e.end_line,
                         _new_imports_only(e.text, present,
                                           {b for first, last, bindings in imports
                                            if e.start_line <= first and last <= e.end_line for b in bindings},
                                           counts=e.start_line < first_code))
                    for e in replacements]
    insertions: list[Edit] = []
    for edit in insertions_in:  # the same insertion from two fixes (a shared helper) goes in once
        kept = _new_imports_only(edit.text, present, counts=edit.start_line <= first_code)
        if kept.strip() or (kept and not edit.text.strip()):
            insertions.append(Edit(edit.start_line, edit.start_line - 1, kept))
    insertions = _merge_insertions(insertions)
    ordered = [(e.start_line, 1, e) for e in replacements] + [(e.start_line, 0, e) for e in insertions]
    for _, _, edit in sorted(ordered, key=lambda item: (item[0], item[1]), reverse=True):
        lines[edit.start_line - 1 : edit.end_line] = edit.text.splitlines(keepends=True)
    result = "".join(lines)
    if not trailing_newline and result.endswith("\n"):
        result = result[:-1]
    return result


def _module_imports(text: str) -> list[tuple[int, int, set[str]]]:
    """The module-level import statements of ``text`` (not under ``try:``/``if``, not in a
    string): first and last line, what each binds."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):  # not Python (a Java file): its import lines, as they stand
        found, number = [], 1
        for piece, bindings in _statements(text):
            size = len(piece.splitlines())
            if bindings is not None:
                found.append((number, number + size - 1, bindings))
            number += size
        return found
    return [(node.lineno, node.end_lineno or node.lineno, _statement_bindings(node))
            for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def _statement_bindings(statement: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(statement, ast.Import):
        return {f"import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in statement.names}
    module = "." * statement.level + (statement.module or "")
    return {f"from {module} import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in statement.names}


def _statements(text: str) -> list[tuple[str, set[str] | None]]:
    """``text`` in pieces: each whole import statement (all its lines, ``from m import (`` to
    ``)``) with what it binds, every other line with ``None`` (``import os; x = 1`` is code)."""
    lines = text.splitlines(keepends=True)
    pieces: list[tuple[str, set[str] | None]] = []
    i = 0
    while i < len(lines):
        end, bindings = i + 1, None
        if _is_import(lines[i]):
            # Only ``from m import (`` or a trailing backslash goes on; a one-line one stands alone.
            continued = "(" in lines[i] or lines[i].rstrip().endswith("\\")
            for j in range(i + 1, (min(len(lines), i + 200) if continued else i + 1) + 1):
                try:
                    tree = ast.parse("".join(lines[i:j]))
                except SyntaxError:
                    continue
                if tree.body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body):
                    end = j
                    bindings = {b for node in tree.body
                                if isinstance(node, (ast.Import, ast.ImportFrom)) for b in _statement_bindings(node)}
                break
            else:  # no Python statement (``import static a.B;``): the line stands for itself
                bindings = {lines[i].strip()}
        pieces.append(("".join(lines[i:end]), bindings))
        i = end
    return pieces


def _has_code(text: str) -> bool:
    """Whether ``text`` holds more than import statements, blank lines and comments."""
    return any(binding is None and piece.strip() and not piece.strip().startswith("#")
               for piece, binding in _statements(text))


def _new_imports_only(text: str, present: set[str], own: frozenset[str] | set[str] = frozenset(),
                      counts: bool = True) -> str:
    """``text`` without its import statements whose every binding is in ``present`` (unless it
    is one of the replaced lines' ``own``); adds the rest to ``present`` when they run before the
    edited code (``counts``)."""
    kept = []
    for piece, bindings in _statements(text):
        if bindings is not None:
            if bindings <= present and not bindings <= own:
                continue
            if counts:
                present.update(bindings)
        kept.append(piece)
    return "".join(kept)


def _merge_insertions(insertions: list[Edit]) -> list[Edit]:
    """One insertion per place, in order; a blank line that one fix put after its import is
    dropped when another fix's import follows it (``import ast``, ``import subprocess``, then one
    blank line, not one after each)."""
    by_place: dict[int, list[str]] = {}
    for edit in insertions:
        by_place.setdefault(edit.start_line, []).extend(edit.text.splitlines(keepends=True))
    merged = []
    for place, lines in by_place.items():
        between_imports = {i for i in range(1, len(lines) - 1)
                           if not lines[i].strip() and _is_import(lines[i - 1]) and _is_import(lines[i + 1])}
        kept = [line for i, line in enumerate(lines) if i not in between_imports]
        merged.append(Edit(place, place - 1, "".join(kept)))
    return merged


def combine_fixes(text: str, fixes: Sequence[Fix], check: Callable[[str], str],
                  findings: Callable[[str], object] | None = None) -> tuple[str, tuple[Fix, ...]]:
    """The file with as many of ``fixes`` (all against ``text``) applied as verify together.

    All of them when their combination passes ``check`` (``""`` = passes); otherwise a greedy
    subset in the given order, each fix kept only if the file still passes with it. With
    ``findings`` (text -> what the analyzer reports), a fix whose findings another fix of the same
    operator already removes is left out of the text (a ``from defusedxml import minidom`` swap
    makes the module's parse calls safe, so their own rewrites only repeat it); it still counts
    as kept, since its findings are gone.

    Args:
        text: the scanned file.
        fixes: fixes of different units of that file.
        check: candidate text -> failure reason, ``""`` when acceptable.
        findings: candidate text -> a comparable summary of its findings, or ``None``.
    """
    def attempt(chosen: Sequence[Fix]) -> str | None:
        combined = apply_edits(text, [edit for fix in chosen for edit in fix.edits])
        if combined is None or check(combined):
            return None
        return combined

    fixes = list(dict.fromkeys(fixes))
    combined = attempt(fixes) if fixes else None
    if combined is not None:
        return (_without_repeats(fixes, combined, attempt, findings) if findings else combined), tuple(fixes)
    kept: list[Fix] = []
    result = text
    for fix in fixes:
        trial = attempt([*kept, fix])
        if trial is not None:
            kept.append(fix)
            result = trial
    return result, tuple(kept)


def _without_repeats(fixes: list[Fix], combined: str, attempt: Callable[[Sequence[Fix]], str | None],
                     findings: Callable[[str], object]) -> str:
    operators = Counter(op for fix in fixes for op in set(fix.operators))
    chosen = list(fixes)
    reported = findings(combined)
    for fix in reversed(fixes):
        if not any(operators[op] > 1 for op in fix.operators) or len(chosen) < 2:
            continue
        rest = [f for f in chosen if f is not fix]
        trial = attempt(rest)
        if trial is not None and findings(trial) == reported:
            chosen, combined = rest, trial
    return combined


def _is_import(line: str) -> bool:
    stripped = line.strip()
    return not line[:1].isspace() and stripped.startswith(("import ", "from ")) and " import " in f" {stripped}"


def locate_unit(text: str, path: str, name: str, near: int | None = None) -> Unit | None:
    """The function or method called ``name`` (qualified) in ``text``, ``None`` if absent.

    Args:
        text: the (rewritten) source.
        path: repository-relative path, copied into the Unit.
        name: qualified name (``Class.method``); ``"<module>"`` has no name to find, so ``None``.
        near: when the name is defined more than once, the definition starting closest to this line.
    """
    index = UnitIndex(text, path)
    units = [u for u in index.function_units() if u.name == name]
    if not units:
        return None
    if near is not None:
        return min(units, key=lambda u: abs(u.start_line - near))
    return units[0]
