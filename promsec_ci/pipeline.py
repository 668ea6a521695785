"""The one place that wires the stages together.

changes -> analyze -> fingerprint -> filter -> baseline -> severity -> fix -> Report
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from promsec_ci.analyzers import analyzers_for
from promsec_ci.baseline import load_baseline
from promsec_ci.changes import collect_diff, collect_paths, collect_staged
from promsec_ci.config import Options
from promsec_ci.filter import FilterMode, filter_findings
from promsec_ci.fingerprints import assign_fingerprints
from promsec_ci.generated import is_generated
from promsec_ci.records import ChangeSet, Cost, FileChange, Finding, Notice, Report, Unit
from promsec_ci.units import MODULE, SpanIndex, UnitIndex


@dataclass(frozen=True)
class ScanRequest:
    """What to scan: ``paths``, or a diff (``base``/``head``), or the staged files."""

    root: str
    options: Options
    paths: tuple[str, ...] = (".",)
    base: str | None = None
    head: str | None = None
    staged: bool = False
    baseline: str | None = None


def collect(request: ScanRequest) -> ChangeSet:
    if request.staged:
        return collect_staged(request.root, request.options)
    if request.base:
        return collect_diff(request.root, request.base, request.head, request.options)
    return collect_paths(request.paths, request.root, request.options)


def scan(request: ScanRequest, changes: ChangeSet | None = None) -> Report:
    """Run every stage for ``request`` and return the report the reporters and gate read.

    ``changes`` lets a caller that needs the scanned texts (``fix --apply``) collect them first.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    options = request.options
    changes = changes if changes is not None else collect(request)
    files = {change.path: change for change in changes.files}
    notices: list[Notice] = list(changes.notices)

    findings: list[Finding] = []
    tools: dict[str, str] = {}
    suffixes = {Path(path).suffix for path in files} or {".py"}
    analyzer_clock = time.perf_counter()
    chosen = analyzers_for(suffixes, options)
    # Analyzers run side by side: SpotBugs and Semgrep are subprocesses, mostly JVM/interpreter start.
    with ThreadPoolExecutor(max_workers=max(len(chosen), 1)) as pool:
        analyses = list(pool.map(lambda a: a.analyze(changes.files), chosen))
    for analyzer, analysis in zip(chosen, analyses, strict=True):
        tools[analyzer.name] = analyzer.version
        findings.extend(analysis.findings)
        notices.extend(analysis.notices)
    analyzer_seconds = time.perf_counter() - analyzer_clock

    indexes = _unit_indexes({f.path: files[f.path] for f in findings if f.path in files})
    findings = assign_fingerprints(findings, lambda f: _unit_of(indexes, f))
    findings = filter_findings(findings, files, FilterMode.from_cli(options.filter_mode))
    if request.baseline:
        known = load_baseline(request.baseline)
        findings = [f for f in findings if f.fingerprint not in known]
    skipped = set(options.skip)
    findings = [
        f for f in findings
        if f.severity >= options.severity and f.rule_id not in skipped and f.rule_name not in skipped
    ]

    cost = Cost(analyzer_runs=len(tools), analyzer_seconds=analyzer_seconds)
    if options.fix and any(not f.suppressed for f in findings):
        findings, fix_notices, fix_cost = fix_findings(findings, files, indexes, options, changes.root)
        notices.extend(fix_notices)
        cost = cost + fix_cost

    findings.sort(key=lambda f: (f.path, f.start_line, f.rule_id))
    return Report(
        findings=tuple(findings),
        notices=tuple(notices),
        files_scanned=len(files),
        tools=tools,
        base_sha=changes.base_sha,
        head_sha=changes.head_sha,
        started_at=started.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        cost=dataclasses.replace(cost, total_seconds=time.perf_counter() - clock),
    )


def fix_findings(
    findings: list[Finding],
    files: dict[str, FileChange],
    indexes: dict[str, SpanIndex],
    options: Options,
    root: str,
) -> tuple[list[Finding], list[Notice], Cost]:
    """Attach a verified fix to each finding whose unit the fixer can repair.

    Per unit: candidate search over the rewrite operators (ranked by the gGAN when its model
    loads), then, when an LLM is configured, the PromSec loop starting from the best candidate.
    """
    from promsec_ci.llm import build_loop
    from promsec_ci.search import FixSearch

    search = FixSearch(options, root)
    llm_loop = build_loop(options, root)
    notices: list[Notice] = list(search.notices)
    by_unit: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    units: dict[tuple[str, int], Unit] = {}
    paths = {f.path for f in findings if f.path in indexes}
    generated = sorted(path for path in paths if is_generated(files[path].text))
    notices.extend(Notice("generated file (its header says so): findings reported, no fix proposed; fix the generator",
                          path, level="note") for path in generated)
    for finding in findings:
        if finding.suppressed or finding.path not in indexes or finding.path in generated:
            continue
        unit = _unit_of(indexes, finding)
        key = (finding.path, unit.start_line)
        by_unit[key].append(finding)
        units[key] = unit

    fixes = {}
    cost = Cost()
    java_fixer = None
    java_jobs = [(units[k], group, files[k[0]].text) for k, group in by_unit.items() if units[k].language == "java"]
    if java_jobs:
        from promsec_ci.java.fixer import JavaFixer

        java_fixer = JavaFixer(options)
        cost = cost + java_fixer.prepare(java_jobs)  # one analyzer run for all candidates of all Java units
    for key, unit_findings in by_unit.items():
        unit = units[key]
        text = files[unit.path].text
        # Java units: the Java operators, and the JavaFixer verifies (javac + the Java analyzer).
        fixer = java_fixer if unit.language == "java" else search
        outcome = fixer.search(unit, unit_findings, text)
        cost = cost + outcome.cost
        notices.extend(outcome.notices)
        fix = outcome.fix
        if llm_loop is not None and (fix is None or outcome.cwes_left > 0):
            llm_outcome = llm_loop.improve(unit, unit_findings, text, outcome, None if fixer is search else fixer)
            cost = cost + llm_outcome.cost
            notices.extend(llm_outcome.notices)
            llm_fix = llm_outcome.fix
            if llm_fix is not None and search.behavior is not None and fixer is search:  # --verify-behavior
                llm_fix = search.behavior.check_fix(text, unit, unit_findings, llm_fix, notices)
            fix = llm_fix or fix
        if fix is None and options.explain_unfixed:
            rejections = outcome.rejections if fixer is search else ()  # Java says why in its notices
            notices.append(_unfixed_notice(unit, unit_findings, rejections, outcome.best_text is not None))
        if fix is not None:
            # A fix is attached only to the findings it removes, not to every finding of the unit.
            resolved = fixer.resolved(fix, unit, unit_findings, text)
            for finding in unit_findings:
                if finding.fingerprint in resolved:
                    fixes[finding.fingerprint] = fix

    fixed = [dataclasses.replace(f, fix=fixes.get(f.fingerprint)) for f in findings]
    return fixed, notices, cost


def _unfixed_notice(unit: Unit, findings: list[Finding], rejections: tuple[str, ...], applied: bool) -> Notice:
    """Why ``unit`` got no fix: the candidates' failed checks, or that no operator applied."""
    rules = ", ".join(sorted({f.rule_id for f in findings}))
    reasons = list(dict.fromkeys(rejections))
    if reasons:
        reason = "; ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")
    elif not applied:
        reason = "no rewrite operator applies to this code"
    else:
        reason = "no candidate removed a CWE"
    where = "module-level code" if unit.name == MODULE else unit.name
    return Notice(f"no verified fix for {rules} in {where} (line {unit.start_line}): {reason}", unit.path,
                  level="note")


def _unit_indexes(files: dict[str, FileChange]) -> dict[str, SpanIndex]:
    indexes: dict[str, SpanIndex] = {
        path: UnitIndex(change.text, path) for path, change in files.items() if path.endswith(".py")
    }
    if any(path.endswith(".java") for path in files):
        from promsec_ci.java.units import JavaUnitIndex  # same locate() contract

        indexes.update({p: JavaUnitIndex(c.text, p) for p, c in files.items() if p.endswith(".java")})
    return indexes


def _unit_of(indexes: dict[str, SpanIndex], finding: Finding) -> Unit:
    index = indexes.get(finding.path)
    if index is None:
        return Unit(finding.path, MODULE, "module", finding.start_line, finding.end_line, finding.code)
    return index.locate(finding.start_line, finding.end_line)
