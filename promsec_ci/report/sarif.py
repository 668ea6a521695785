"""SARIF 2.1.0 log built with ``sarif-om``: one run per analyzer, fixes as replacements.

Sample (abridged)::

    {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
     "runs": [{"tool": {"driver": {"name": "bandit", "rules": [{"id": "B608", ...}]}},
               "automationDetails": {"id": "promsec-ci/bandit/"},
               "results": [{"ruleId": "B608", "level": "warning",
                            "partialFingerprints": {"promsecFingerprint/v1": "9f0c..."},
                            "fixes": [{"artifactChanges": [...]}]}]}]}
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import attr
import sarif_om as om

from promsec_ci import __version__
from promsec_ci.config import Options
from promsec_ci.fingerprints import VERSION as FINGERPRINT_KEY
from promsec_ci.records import Edit, Finding, Fix, Level, Notice, Report
from promsec_ci.report.json import cost_to_dict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_SECURITY_SEVERITY = {Level.HIGH: "7.5", Level.MEDIUM: "5.5", Level.LOW: "2.0", Level.UNDEFINED: "0.0"}


def level_for(severity: Level) -> str:
    return {Level.HIGH: "error", Level.MEDIUM: "warning"}.get(severity, "note")


def write_sarif(report: Report, stream: TextIO, options: Options, category: str = "") -> None:
    json.dump(to_sarif(report, options, category), stream, indent=2)
    stream.write("\n")


def to_sarif(report: Report, options: Options, category: str = "") -> dict[str, Any]:
    """The SARIF log of ``report`` as a JSON-ready dict."""
    tools = dict(report.tools) or {"bandit": ""}
    for finding in report.findings:
        tools.setdefault(finding.tool, "")
    # Notices (files not analyzed) go on the first run only, so they are not repeated.
    runs = [
        _run(
            tool, version,
            [f for f in report.findings if f.tool == tool],
            list(report.notices) if i == 0 else [],
            report, category,
        )
        for i, (tool, version) in enumerate(tools.items())
    ]
    log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=runs)
    return serialize(log)


def _run(tool: str, version: str, findings: list[Finding], notices: list[Notice],
         report: Report, category: str) -> om.Run:
    rules: dict[str, om.ReportingDescriptor] = {}
    results = []
    for finding in findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = _rule(finding, findings)
        results.append(to_result(finding, list(rules).index(finding.rule_id)))
    driver = om.ToolComponent(
        name=tool,
        version=version or None,
        information_uri="https://github.com/PyCQA/bandit" if tool == "bandit" else None,
        rules=list(rules.values()),
    )
    invocation = om.Invocation(
        execution_successful=True,
        tool_execution_notifications=[_notification(n) for n in notices] or None,
    )
    return om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"{category or 'promsec-ci'}/{tool}/"),
        invocations=[invocation],
        results=results,
        properties={
            "promsec-ci": {"version": __version__, "cost": cost_to_dict(report.cost)},
            **({"baseSha": report.base_sha} if report.base_sha else {}),
            **({"headSha": report.head_sha} if report.head_sha else {}),
        },
    )


def _rule(first: Finding, findings: list[Finding]) -> om.ReportingDescriptor:
    same = [f for f in findings if f.rule_id == first.rule_id]
    severity = max(f.severity for f in same)
    confidence = max(f.confidence for f in same)
    title = first.rule_name.replace("_", " ").capitalize()
    tags = ["security"]
    cwe_text = ""
    if first.cwe:
        tags.append(f"external/cwe/cwe-{first.cwe}")
        cwe_text = f"CWE-{first.cwe}"
    cwe_link = f"[{cwe_text}](https://cwe.mitre.org/data/definitions/{first.cwe}.html)" if first.cwe else ""
    help_text = f"{first.rule_id} {first.rule_name}: {first.message}"
    help_text += f" ({cwe_text})." if cwe_text else "."
    if first.help_url:
        help_text += f" See {first.help_url}"
    markdown = f"**{first.rule_id}: {first.rule_name}**\n\n{first.message}"
    if cwe_link:
        markdown += f"\n\nWeakness: {cwe_link}"
    if first.help_url:
        markdown += f"\n\n[{first.tool} documentation]({first.help_url})"
    return om.ReportingDescriptor(
        id=first.rule_id,
        name=first.rule_name,
        short_description=om.MultiformatMessageString(text=title),
        full_description=om.MultiformatMessageString(text=first.message),
        help=om.MultiformatMessageString(text=help_text, markdown=markdown),
        help_uri=first.help_url or None,
        default_configuration=om.ReportingConfiguration(level=level_for(severity)),
        properties={
            "tags": tags,
            "precision": confidence.label if confidence else "low",
            "security-severity": _SECURITY_SEVERITY[severity],
        },
    )


def to_uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _location(path: str, start_line: int, end_line: int, start_col: int = 0, end_col: int = 0) -> om.Location:
    region = om.Region(start_line=start_line, end_line=end_line)
    if start_col:
        region.start_column = start_col + 1
    if end_col and (end_line > start_line or end_col > start_col):
        region.end_column = end_col + 1
    return om.Location(
        physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=to_uri(path), uri_base_id=SRCROOT),
            region=region,
        )
    )


def to_result(finding: Finding, rule_index: int) -> om.Result:
    message = finding.message + (f" (CWE-{finding.cwe})" if finding.cwe else "")
    result = om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=level_for(finding.severity),
        message=om.Message(text=message),
        locations=[_location(finding.path, finding.start_line, finding.end_line,
                             finding.start_col, finding.end_col)],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
        properties={"severity": finding.severity.label, "confidence": finding.confidence.label},
    )
    if finding.suppressed:
        result.suppressions = [om.Suppression(kind="inSource", justification="# nosec")]
    if finding.fix is not None:
        result.fixes = [to_fix(finding.fix)]
    return result


def to_fix(fix: Fix) -> om.Fix:
    """A SARIF fix whose replacements cover exactly the edited lines."""
    replacements = [_replacement(edit) for edit in sorted(fix.edits, key=lambda e: e.start_line)]
    description = fix.description or "Secure rewrite: " + ", ".join(fix.operators)
    return om.Fix(
        description=om.Message(text=description),
        artifact_changes=[
            om.ArtifactChange(
                artifact_location=om.ArtifactLocation(uri=to_uri(fix.path), uri_base_id=SRCROOT),
                replacements=replacements,
            )
        ],
    )


def _replacement(edit: Edit) -> om.Replacement:
    # Whole lines: the deleted region runs from column 1 of start_line to column 1 of the line
    # after end_line; a pure insertion is the empty region at column 1 of start_line.
    if edit.end_line < edit.start_line:
        region = om.Region(start_line=edit.start_line, start_column=1, end_line=edit.start_line, end_column=1)
    else:
        region = om.Region(start_line=edit.start_line, start_column=1, end_line=edit.end_line + 1, end_column=1)
    return om.Replacement(deleted_region=region, inserted_content=om.ArtifactContent(text=edit.text))


def _notification(notice: Notice) -> om.Notification:
    locations = None
    if notice.path:
        locations = [
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(uri=to_uri(notice.path), uri_base_id=SRCROOT)
                )
            )
        ]
    return om.Notification(message=om.Message(text=notice.message), level=notice.level, locations=locations)


def serialize(obj: Any) -> Any:
    """sarif-om objects -> plain JSON values, using each field's schema property name and
    dropping fields left at their default."""
    if attr.has(type(obj)):
        out = {}
        for field in attr.fields(type(obj)):
            value = getattr(obj, field.name)
            default = field.default
            if value is None or (default is not attr.NOTHING and not isinstance(default, attr.Factory)
                                 and value == default and field.name != "version"):
                continue
            out[field.metadata.get("schema_property_name", field.name)] = serialize(value)
        return out
    if isinstance(obj, dict):
        return {k: serialize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [serialize(v) for v in obj]
    return obj
