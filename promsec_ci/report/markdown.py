"""Markdown shared by the GitHub and GitLab reporters: review comments with suggested changes,
the review/summary body, and the job summary.

Sample comment::

    **B602 subprocess_popen_with_shell_equals_true** · CWE-78 · severity HIGH · confidence HIGH

    subprocess call with shell=True identified, security issue.

    ````suggestion
        subprocess.run(shlex.split(cmd), check=False)
    ````
    <!-- promsec-ci:9f0c... -->
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from promsec_ci.config import Options
from promsec_ci.gate import is_blocking
from promsec_ci.records import Finding, Fix, Report

MARKER_PREFIX = "<!-- promsec-ci:"
MARKER_RE = re.compile(r"<!-- promsec-ci:([0-9a-zA-Z_.:-]+) -->")
SUMMARY_KEY = "summary"


@dataclass(frozen=True)
class Suggestion:
    """Replace lines ``start_line..end_line`` of the scanned file with ``text`` (whole lines)."""

    start_line: int
    end_line: int
    text: str


def marker(key: str) -> str:
    """The hidden HTML comment that identifies our comment for ``key`` (a fingerprint)."""
    return f"{MARKER_PREFIX}{key} -->"


def marker_key(body: str | None) -> str | None:
    """The key of the first marker in ``body``, or ``None`` when it is not one of ours."""
    match = MARKER_RE.search(body or "")
    return match.group(1) if match else None


def fence_for(text: str, char: str = "`") -> str:
    """A code fence longer than any run of ``char`` inside ``text`` (at least three)."""
    longest = max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)
    return char * max(3, longest + 1)


def code_block(text: str, info: str = "") -> str:
    body = text if text.endswith("\n") or not text else text + "\n"
    fence = fence_for(body)
    return f"{fence}{info}\n{body}{fence}"


def suggestions(fix: Fix) -> list[Suggestion]:
    """The fix as contiguous line replacements, each replacing at least one existing line.

    Read from the fix's unified diff when it has one (its context lines fill the gaps between
    nearby edits, so one suggestion can cover them), else from its edits; pure insertions
    without a neighbouring line to anchor on are left out.
    """
    if fix.diff:
        parsed = _from_diff(fix.diff)
        if parsed is not None:
            return parsed
    return [Suggestion(e.start_line, e.end_line, e.text) for e in sorted(fix.edits, key=lambda e: e.start_line)
            if e.end_line >= e.start_line]


def _from_diff(diff: str) -> list[Suggestion] | None:
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    try:
        patch = PatchSet(diff)
    except UnidiffParseError:
        return None
    if len(patch) != 1:
        return None
    result = []
    for hunk in patch[0]:
        lines = list(hunk)
        changed = [i for i, line in enumerate(lines) if line.is_added or line.is_removed]
        if not changed:
            continue
        first, last = changed[0], changed[-1]
        removed = [line for line in lines[first:last + 1] if not line.is_added]
        if not removed:  # pure insertion: anchor on the context line before, else after
            if first > 0 and lines[first - 1].is_context:
                first -= 1
            elif last + 1 < len(lines) and lines[last + 1].is_context:
                last += 1
            else:
                continue
        span = lines[first:last + 1]
        sources = [line.source_line_no for line in span if line.source_line_no is not None]
        text = "".join(_line_text(line) for line in span if not line.is_removed)
        result.append(Suggestion(min(sources), max(sources), text))
    return result


def _line_text(line) -> str:
    value = line.value
    return value if value.endswith("\n") else value + "\n"


def pick_suggestion(finding: Finding) -> tuple[Suggestion | None, bool]:
    """The suggestion to show on ``finding``'s comment: the one overlapping (else nearest to)
    the finding's lines; the flag says whether the fix has further parts (e.g. an import)."""
    if finding.fix is None:
        return None, False
    found = suggestions(finding.fix)
    if not found:
        return None, bool(finding.fix.edits)

    def distance(s: Suggestion) -> int:
        if s.end_line >= finding.start_line and s.start_line <= finding.end_line:
            return 0
        return min(abs(s.start_line - finding.end_line), abs(s.end_line - finding.start_line))

    best = min(found, key=distance)
    return best, len(found) > 1


def headline(finding: Finding) -> str:
    cwe = f" · [CWE-{finding.cwe}](https://cwe.mitre.org/data/definitions/{finding.cwe}.html)" if finding.cwe else ""
    return (f"**{finding.rule_id} {finding.rule_name}**{cwe} · severity {finding.severity.name}"
            f" · confidence {finding.confidence.name}")


def comment_body(finding: Finding, suggestion: Suggestion | None, more_parts: bool, *,
                 suggestion_info: str = "suggestion") -> str:
    """One review comment: rule, CWE, severity, explanation, the suggested change, the prompt.

    Args:
        finding: what the comment is about; its ``fingerprint`` goes into the hidden marker.
        suggestion: the replacement of exactly the commented lines, or ``None``.
        more_parts: the fix also edits other lines (shown in the full diff).
        suggestion_info: the fence info string (GitLab: ``suggestion:-0+N``).
    """
    parts = [headline(finding), "", finding.message.strip()]
    if finding.help_url:
        parts[-1] += f" ([docs]({finding.help_url}))"
    fix = finding.fix
    if fix is not None:
        parts += ["", _fix_line(fix)]
        if suggestion is not None:
            parts += ["", code_block(suggestion.text, suggestion_info)]
        if more_parts or suggestion is None:
            note = ("The fix also changes other lines (for example an import); apply the full diff:"
                    if suggestion is not None else "The fix changes lines outside this comment:")
            parts += ["", _details("Full diff of the fix", note + "\n\n" + _fix_text(fix))]
        if fix.prompt:
            parts += ["", _details("Optimized prompt", code_block(fix.prompt, "text"))]
    parts += ["", marker(finding.fingerprint)]
    return "\n".join(parts)


def _fix_text(fix: Fix) -> str:
    if fix.diff:
        return code_block(fix.diff, "diff")
    blocks = []
    for edit in sorted(fix.edits, key=lambda e: e.start_line):
        where = (f"Insert before line {edit.start_line}:" if edit.end_line < edit.start_line
                 else f"Replace lines {edit.start_line}-{edit.end_line} with:")
        blocks.append(where + "\n\n" + code_block(edit.text, "python"))
    return "\n\n".join(blocks)


def _fix_line(fix: Fix) -> str:
    how = ", ".join(fix.operators) or "rewrite"
    text = f"Verified fix ({how}; similarity {fix.similarity:.2f})"
    if fix.directives:
        text += ": " + " ".join(d.rstrip(".") + "." for d in fix.directives)
    return text


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def counts_line(report: Report, options: Options) -> str:
    blocking = sum(1 for f in report.findings if is_blocking(f, options))
    return (f"{len(report.findings)} finding(s), {blocking} blocking, {len(report.fixes)} with a verified fix, "
            f"in {report.files_scanned} file(s)")


def findings_table(findings: Sequence[Finding], options: Options, reasons: dict[str, str] | None = None,
                   link=None) -> str:
    """A markdown table of ``findings``; ``reasons`` maps fingerprints to a note column;
    ``link(finding)`` returns a URL for the location, when the host has one."""
    if not findings:
        return ""
    rows = ["| Location | Rule | CWE | Severity | Status |", "| --- | --- | --- | --- | --- |"]
    for f in findings:
        where = f"{f.path}:{f.start_line}"
        where = f"[{_cell(where)}]({link(f)})" if link else f"`{_cell(where)}`"
        status = "blocking" if is_blocking(f, options) else ("suppressed" if f.suppressed else "non-blocking")
        if f.fix is not None:
            status += ", fix available"
        if reasons and f.fingerprint in reasons:
            status += f" ({reasons[f.fingerprint]})"
        cwe = f"CWE-{f.cwe}" if f.cwe else ""
        rows.append(f"| {where} | {f.rule_id} {_cell(f.rule_name)} | {cwe} | {f.severity.name} | {_cell(status)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(report: Report, options: Options, *, title: str = "promsec-ci",
                     reasons: dict[str, str] | None = None, link=None, with_fixes: bool = True) -> str:
    """The job summary: counts, every finding, the fixes as diffs, notices."""
    blocking = sum(1 for f in report.findings if is_blocking(f, options))
    verdict = ":x: blocking findings" if blocking else ":white_check_mark: no blocking findings"
    parts = [f"## {title}: {verdict}", "", counts_line(report, options) + "."]
    table = findings_table(report.findings, options, reasons, link)
    if table:
        parts += ["", table]
    if with_fixes:
        for finding in report.findings:
            fix = finding.fix
            if fix is not None and fix.diff:
                label = f"Fix for {finding.rule_id} at {finding.path}:{finding.start_line}"
                parts += ["", _details(_cell(label), code_block(fix.diff, "diff"))]
    if report.notices:
        parts += ["", "**Notices**", ""]
        parts += [f"- {n.level}: {(n.path + ': ') if n.path else ''}{n.message}" for n in report.notices]
    return "\n".join(parts) + "\n"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
