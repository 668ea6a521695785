"""Terminal report (rich): one block per finding, its fix as a diff, one summary line.

Sample::

    app.py:12  B608 hardcoded_sql_expressions  CWE-89  MEDIUM/MEDIUM  blocking
      12 | cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
      Possible SQL injection vector through string-based query construction.
    2 findings (1 blocking) in 3 files, 1 fix, 0 notices
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from promsec_ci.config import Options
from promsec_ci.gate import is_blocking
from promsec_ci.records import Finding, Level, Report

_COLOR = {Level.HIGH: "red", Level.MEDIUM: "yellow", Level.LOW: "cyan", Level.UNDEFINED: "white"}


def write_text(report: Report, stream: TextIO, options: Options, *, color: bool | None = None) -> None:
    console = Console(file=stream, highlight=False, soft_wrap=True,
                      force_terminal=color, no_color=color is False, width=120)
    for finding in report.findings:
        _print_finding(console, finding, options)
    for notice in report.notices:
        where = f"{notice.path}: " if notice.path else ""
        console.print(f"[magenta]notice[/] {escape(where + notice.message)}")
    console.print(summary_line(report, options))


def _print_finding(console: Console, finding: Finding, options: Options) -> None:
    color = _COLOR[finding.severity]
    cwe = f"CWE-{finding.cwe}" if finding.cwe else "CWE-?"
    status = "blocking" if is_blocking(finding, options) else ("suppressed (nosec)" if finding.suppressed else "")
    console.print(
        f"[bold]{escape(finding.path)}:{finding.start_line}[/]  [{color}]{finding.rule_id}[/] "
        f"{finding.rule_name}  {cwe}  [{color}]{finding.severity.name}[/]/{finding.confidence.name}"
        + (f"  [bold {color}]{status}[/]" if status else "")
    )
    for offset, line in enumerate(finding.code.splitlines()):
        console.print(f"  [dim]{finding.start_line + offset:>4} |[/] {escape(line)}")
    console.print(f"  {escape(finding.message)}")
    if finding.fix is not None and finding.fix.diff:
        console.print(f"  [green]fix[/] ({escape(', '.join(finding.fix.operators))}):")
        console.print(Syntax(finding.fix.diff.rstrip("\n"), "diff", theme="ansi_dark", background_color="default"))
    console.print()


def summary_line(report: Report, options: Options) -> str:
    blocking = sum(1 for f in report.findings if is_blocking(f, options))
    fixes = len(report.fixes)
    parts = [
        f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({blocking} blocking)",
        f"in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}",
    ]
    notices = len(report.notices)
    text = " ".join(parts) + f", {fixes} fix{'es' if fixes != 1 else ''}, {notices} notice{'s' if notices != 1 else ''}"
    cost = report.cost
    if cost.llm_queries:
        text += (f"; LLM {cost.llm_queries} queries, {cost.input_tokens}+{cost.output_tokens} tokens, "
                 f"{cost.llm_seconds:.1f}s")
    return text
