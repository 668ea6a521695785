"""Our own JSON report, schema ``promsec-ci/report`` version 1 (``docs/json-report.md``,
``promsec_ci/report/report.schema.json``). ``--baseline`` reads it back.

Sample::

    {"schema": "promsec-ci/report", "version": 1,
     "findings": [{"rule_id": "B608", "cwe": 89, "path": "app.py", "start_line": 12,
                   "fingerprint": "9f0c...", "blocking": true, "fix": {...} | null}],
     "notices": [...], "summary": {"findings": 1, "blocking": 1, "fixes": 1}, "cost": {...}}
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TextIO

from promsec_ci import __version__
from promsec_ci.config import Options
from promsec_ci.gate import is_blocking
from promsec_ci.records import Cost, Finding, Fix, Report

SCHEMA = "promsec-ci/report"
SCHEMA_VERSION = 1


def cost_to_dict(cost: Cost) -> dict[str, Any]:
    return dataclasses.asdict(cost)


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    data = dataclasses.asdict(fix)
    data["edits"] = [dataclasses.asdict(e) for e in fix.edits]
    for key in ("operators", "directives", "cwes_removed", "added_imports"):
        data[key] = list(data[key])
    return data


def finding_to_dict(finding: Finding, options: Options) -> dict[str, Any]:
    return {
        "tool": finding.tool,
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "cwe": finding.cwe,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "start_col": finding.start_col,
        "end_col": finding.end_col,
        "message": finding.message,
        "code": finding.code,
        "help_url": finding.help_url,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "blocking": is_blocking(finding, options),
        "fix": fix_to_dict(finding.fix) if finding.fix else None,
    }


def to_dict(report: Report, options: Options) -> dict[str, Any]:
    findings = [finding_to_dict(f, options) for f in report.findings]
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "tool": {"name": "promsec-ci", "version": __version__, "analyzers": dict(report.tools)},
        "base_sha": report.base_sha,
        "head_sha": report.head_sha,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "findings": findings,
        "notices": [dataclasses.asdict(n) for n in report.notices],
        "summary": {
            "files_scanned": report.files_scanned,
            "findings": len(findings),
            "blocking": sum(1 for f in findings if f["blocking"]),
            "fixes": sum(1 for f in findings if f["fix"]),
        },
        "cost": cost_to_dict(report.cost),
    }


def write_json(report: Report, stream: TextIO, options: Options) -> None:
    json.dump(to_dict(report, options), stream, indent=2)
    stream.write("\n")
