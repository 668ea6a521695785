"""GitLab SAST report (schema 15.x), the ``gl-sast-report.json`` job artifact.

Sample (abridged)::

    {"version": "15.0.7", "scan": {"type": "sast", "status": "success", ...},
     "vulnerabilities": [{"id": "9f0c...", "name": "B608: hardcoded_sql_expressions",
                          "severity": "Medium", "identifiers": [...],
                          "location": {"file": "app.py", "start_line": 12, "end_line": 12},
                          "solution": "..."}]}
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

from promsec_ci import __version__
from promsec_ci.config import Options
from promsec_ci.records import Finding, Fix, Level, Report

SCHEMA_VERSION = "15.0.7"
_SEVERITY = {Level.HIGH: "High", Level.MEDIUM: "Medium", Level.LOW: "Low", Level.UNDEFINED: "Unknown"}
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def write_gitlab(report: Report, stream: TextIO, options: Options) -> None:
    json.dump(to_gitlab(report), stream, indent=2)
    stream.write("\n")


def to_gitlab(report: Report) -> dict[str, Any]:
    analyzer = {"id": "promsec-ci", "name": "promsec-ci", "version": __version__,
                "vendor": {"name": "promsec-ci"}}
    now = datetime.now(UTC).strftime(_TIME_FORMAT)
    return {
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": analyzer,
            "scanner": {"id": "bandit", "name": "Bandit", "version": report.tools.get("bandit", "unknown"),
                        "vendor": {"name": "PyCQA"}},
            "type": "sast",
            "start_time": _gitlab_time(report.started_at) or now,
            "end_time": _gitlab_time(report.finished_at) or now,
            "status": "success",
            "messages": [{"level": "warn" if n.level != "note" else "info",
                          "value": f"{n.path}: {n.message}" if n.path else n.message}
                         for n in report.notices],
        },
        "vulnerabilities": [to_vulnerability(f) for f in report.findings if not f.suppressed],
    }


def _gitlab_time(iso: str) -> str | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(UTC).strftime(_TIME_FORMAT)


def to_vulnerability(finding: Finding) -> dict[str, Any]:
    identifiers = [{"type": f"{finding.tool}_test_id", "name": f"{finding.tool.capitalize()} {finding.rule_id}",
                    "value": finding.rule_id, **({"url": finding.help_url} if finding.help_url else {})}]
    if finding.cwe:
        identifiers.append({"type": "cwe", "name": f"CWE-{finding.cwe}", "value": str(finding.cwe),
                            "url": f"https://cwe.mitre.org/data/definitions/{finding.cwe}.html"})
    vulnerability: dict[str, Any] = {
        # GitLab wants a UUID; derive it from the fingerprint so it is stable across runs.
        "id": str(uuid.UUID(finding.fingerprint.ljust(32, "0")[:32])) if finding.fingerprint else str(uuid.uuid4()),
        "name": f"{finding.rule_id}: {finding.rule_name}",
        "description": finding.message,
        "severity": _SEVERITY[finding.severity],
        "identifiers": identifiers,
        "location": {"file": finding.path, "start_line": finding.start_line, "end_line": finding.end_line},
    }
    if finding.fix is not None:
        vulnerability["solution"] = solution_text(finding.fix)
    return vulnerability


def solution_text(fix: Fix) -> str:
    lines = [fix.description or "Apply the secure rewrite:"]
    lines += [f"- {d}" for d in fix.directives]
    for edit in fix.edits:
        lines.append(f"Replace lines {edit.start_line}-{edit.end_line} with:\n{edit.text}")
    return "\n".join(lines)
