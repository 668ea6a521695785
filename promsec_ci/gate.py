"""Decide the exit code: 0 pass, 1 blocking findings, 2 usage/config/tool error."""

from __future__ import annotations

from promsec_ci.config import Options
from promsec_ci.records import Finding, Report

PASS, BLOCKED, ERROR = 0, 1, 2


def is_blocking(finding: Finding, options: Options) -> bool:
    return (
        not finding.suppressed
        and finding.severity >= options.fail_on
        and finding.confidence >= options.confidence
    )


def blocking(report: Report, options: Options) -> list[Finding]:
    return [f for f in report.findings if is_blocking(f, options)]


def exit_code(report: Report, options: Options, *, exit_zero: bool = False) -> int:
    if exit_zero:
        return PASS
    return BLOCKED if blocking(report, options) else PASS
