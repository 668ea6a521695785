"""Keep the findings a change introduced, as reviewdog's filter modes do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from promsec_ci.records import FileChange, Finding


class FilterMode(Enum):
    ADDED = "added"  # the finding's lines intersect added or modified lines (default)
    DIFF_CONTEXT = "diff_context"  # the finding's lines intersect a hunk, context included
    FILE = "file"  # the finding is in a changed file
    NOFILTER = "nofilter"  # everything the analyzers report on the scanned files

    @classmethod
    def from_cli(cls, text: str) -> FilterMode:
        return cls(text.replace("-", "_"))


def in_change(finding: Finding, change: FileChange, mode: FilterMode) -> bool:
    """True when ``finding`` belongs to what ``change`` touched under ``mode``."""
    if mode in (FilterMode.FILE, FilterMode.NOFILTER) or change.added_lines is None:
        return True
    lines = change.added_lines if mode is FilterMode.ADDED else change.context_lines or frozenset()
    return any(line in lines for line in finding.lines)


def filter_findings(
    findings: Iterable[Finding], files: Mapping[str, FileChange], mode: FilterMode
) -> list[Finding]:
    """The findings that ``mode`` keeps; findings on files outside ``files`` are dropped."""
    kept = []
    for finding in findings:
        change = files.get(finding.path)
        if change is not None and in_change(finding, change, mode):
            kept.append(finding)
    return kept
