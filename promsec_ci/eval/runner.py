"""Evaluate one record: the paper's loop over a whole code base, with everything measured.

Per round (the paper's iteration): analyze, fix every flagged unit (operator search, gGAN-ranked
unless ``--no-ggan``, for ``promsec`` and ``a2``; then the LLM loop when the strategy uses one;
``bl1``/``bl2``/``a1`` are the LLM alone), apply the fixes that combine, analyze again. Rounds
stop when nothing is reported, nothing more was fixed, or after ``max_iterations``. Each applied
fix is measured: token and graph similarity of its unit and, when asked, a behaviour check
(differential run + exploit probes).
"""

from __future__ import annotations

import ast
import dataclasses
import time
from collections import defaultdict
from dataclasses import dataclass

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.eval.dataset import EvalRecord
from promsec_ci.records import Cost, Finding, Fix, Level, Unit
from promsec_ci.units import UnitIndex

# The paper's baselines and the no-gGAN ablation are LLM-only: the operator search does not run
# in front of them (in CI, `scan`/`fix` always try the operators first).
LLM_ONLY = ("bl1", "bl2", "a1")


@dataclass
class Engines:
    """What every record of a run shares (built once: Bandit, the search, the LLM loop).

    Args:
        options: the run's options (strategy, graph, thresholds, iterations).
        root: repository root (gGAN model, LLM cache).
        behavior: measure each applied fix with the behaviour checker.
    """

    options: Options
    root: str
    behavior: bool = False

    def __post_init__(self) -> None:
        from promsec_ci.search import FixSearch, configured_registry

        self.analyzer = BanditAnalyzer(self.options.tests, self.options.skip)
        # Dataset records belong to no repository: the SQL placeholder comes from each record alone.
        self.search = FixSearch(self.options, self.root, registry=configured_registry(self.options, None))
        from promsec_ci.llm import build_client

        self.client = build_client(self.options, self.root)  # also writes prompt-only records' first code
        self.loop = None
        if self.client is not None and self.options.strategy != "a2":
            from promsec_ci.llm.loop import LLMLoop

            self.loop = LLMLoop(self.options, self.root, self.client)
        self.checker = None
        if self.behavior:
            from promsec_ci.verify.behavior import BehaviorChecker

            self.checker = BehaviorChecker(self.options)  # records stand alone: no repository to import from
        self.analyzer_runs = 0
        self.analyzer_seconds = 0.0

    def analyze(self, text: str, path: str) -> list[Finding] | None:
        clock = time.perf_counter()
        try:
            return self.analyzer.analyze_text(text, path)
        finally:
            self.analyzer_runs += 1
            self.analyzer_seconds += time.perf_counter() - clock


def evaluate_record(record: EvalRecord, engines: Engines) -> dict:
    """The measurements of one record, as a JSON-able dict (one line of the results file)."""
    clock = time.perf_counter()
    runs, seconds = engines.analyzer_runs, engines.analyzer_seconds
    result: dict = {"id": record.id, "cwe": record.cwe, "language": record.language,
                    "strategy": engines.options.strategy, "graph": engines.options.graph}
    if record.language != "python":
        return {**result, "status": "skipped", "reason": "Java records need compiled classes for SpotBugs"}
    cost = Cost()
    code = record.code
    if code is None:
        code, generation_cost, error = _generate(record, engines)
        cost = cost + generation_cost
        if code is None:
            return {**result, "status": "error", "reason": error}
        result["generated_code"] = code
    path = record.path
    before = engines.analyze(code, path)
    if before is None:
        return {**result, "status": "skipped", "reason": "Python syntax error"}
    counted = _counted(before, engines.options)
    result.update(_counts("before", before, engines.options))
    current, rounds, fixes, last = code, [], [], before
    notices: list[str] = []
    for _ in range(max(engines.options.max_iterations, 1)):
        if not counted:
            break
        applied, round_cost = _round(current, path, counted, engines, notices)
        cost = cost + round_cost
        if not applied:
            break
        current, measured = applied
        fixes.extend(measured)
        last = engines.analyze(current, path) or []
        left = _counted(last, engines.options)
        rounds.append(len(_unique(left)))
        if len(_unique(left)) >= len(_unique(counted)):
            counted = left
            break
        counted = left
    result.update(_counts("after", last if rounds else before, engines.options))
    result["rounds"] = rounds
    result["cwes_after_first"] = rounds[0] if rounds else result["cwes_before"]
    clean_from = 0 if not result["cwes_before"] else None
    result["iterations"] = next((i + 1 for i, k in enumerate(rounds) if k == 0), clean_from)
    result["fixes"] = fixes
    result["notices"] = notices
    result["final_code_changed"] = current != code
    cost = cost + Cost(analyzer_runs=engines.analyzer_runs - runs,
                       analyzer_seconds=engines.analyzer_seconds - seconds)
    cost = dataclasses.replace(cost, total_seconds=time.perf_counter() - clock)
    result["cost"] = dataclasses.asdict(cost)
    result["status"] = "ok"
    return result


def _round(text: str, path: str, findings: list[Finding], engines: Engines, notices: list[str]):
    """Fix every flagged unit of ``text`` once; the new text and the measured fixes, or None.
    The search's and the loop's notices are appended to ``notices``."""
    from promsec_ci.fixes import apply_edits, combine_fixes

    index = UnitIndex(text, path)
    groups: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    units: dict[tuple[str, int], Unit] = {}
    for finding in findings:
        unit = index.locate(finding.start_line, finding.end_line)
        key = (unit.name, unit.start_line)
        groups[key].append(finding)
        units[key] = unit
    cost = Cost()
    found: list[tuple[Unit, list[Finding], Fix]] = []
    for key, unit_findings in groups.items():
        unit = units[key]
        if engines.loop is not None and engines.options.strategy in LLM_ONLY:
            outcome = _no_search(unit_findings)
        else:
            outcome = engines.search.search(unit, unit_findings, text)
        cost = cost + _without_total(outcome.cost)
        notices.extend(n.message for n in outcome.notices)
        fix = outcome.fix
        if engines.loop is not None and (fix is None or outcome.cwes_left > 0):
            improved = engines.loop.improve(unit, unit_findings, text, outcome)
            cost = cost + _without_total(improved.cost)
            notices.extend(n.message for n in improved.notices)
            llm_fix = improved.fix
            if llm_fix is not None and engines.search.behavior is not None:  # as pipeline.fix_findings
                rejected: list = []
                llm_fix = engines.search.behavior.check_fix(text, unit, unit_findings, llm_fix, rejected)
                notices.extend(n.message for n in rejected)
            fix = llm_fix or fix
        if fix is not None:
            found.append((unit, unit_findings, fix))
    if not found:
        return None, cost
    new_text, kept = combine_fixes(text, [fix for _, _, fix in found], _parse_failure)
    if not kept:
        return None, cost
    measured = []
    for unit, unit_findings, fix in found:
        if fix in kept:
            single = apply_edits(text, fix.edits) or new_text
            measured.append(_measure(text, single, unit, unit_findings, fix, engines))
    return (new_text, measured), cost


def _no_search(findings: list[Finding]):
    """What the LLM loop starts from when no operator search runs before it."""
    from promsec_ci.search import SearchOutcome

    return SearchOutcome(fix=None, cwes_left=len({(f.rule_id, f.start_line) for f in findings}), best_text=None)


def _measure(text: str, fixed: str, unit: Unit, findings: list[Finding], fix: Fix, engines: Engines) -> dict:
    info = {
        "unit": unit.name,
        "operators": list(fix.operators),
        "llm": any(op.startswith("llm:") for op in fix.operators),
        "rules": sorted({f.rule_id for f in findings}),
        "cwes_removed": list(fix.cwes_removed),
        "similarity": round(fix.similarity, 4),
        "graph_similarity": _graph_similarity(fixed, unit, engines.options.graph),
        "behavior": None,
    }
    if engines.checker is not None:
        verdict = engines.checker.check(text, fixed, unit, findings)
        info["behavior"] = {
            "ok": verdict.ok,
            "reason": verdict.reason,
            "exercised": verdict.exercised,
            "calls": verdict.calls,
            "mismatches": verdict.mismatches,
            "refined": verdict.refined,
            "probes": [dataclasses.asdict(p) for p in verdict.probes],
            "probes_passed": verdict.probes_passed,
            "seconds": round(verdict.seconds, 3),
        }
    return info


def _graph_similarity(fixed: str, unit: Unit, kind: str) -> float | None:
    from promsec_ci.fixes import locate_unit

    after = locate_unit(fixed, unit.path, unit.name, near=unit.start_line)
    if after is None:
        return None
    try:
        from promsec_ci.graphs import graph_similarity

        return round(float(graph_similarity(unit, after, kind)), 4)
    except Exception:  # noqa: BLE001 - a graph we cannot build is a missing number, not a failed run
        return None


def _generate(record: EvalRecord, engines: Engines) -> tuple[str | None, Cost, str]:
    """The LLM's first code for a prompt-only record."""
    from promsec_ci.llm import prompts
    from promsec_ci.llm.client import LLMError
    from promsec_ci.llm.extract import extract_any_code

    client = engines.client
    if client is None:
        return None, Cost(), "the record has only a prompt and no LLM is configured"
    spent = client.spent
    try:
        answer = client.complete(prompts.generation_messages(record.prompt or "", record.language))
    except LLMError as exc:
        return None, Cost(), f"generation failed: {exc}"
    code = extract_any_code(answer.text)
    return code, _delta(client.spent, spent), "" if code else "the model gave no code"


def _delta(after: Cost, before: Cost) -> Cost:
    return Cost(**{f.name: getattr(after, f.name) - getattr(before, f.name) for f in dataclasses.fields(Cost)})


def _without_total(cost: Cost) -> Cost:
    """A stage's cost without its wall time (the record's wall time is measured as a whole)."""
    return dataclasses.replace(cost, total_seconds=0.0)


def _parse_failure(text: str) -> str:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        return f"does not parse: {exc}"
    return ""


def _counted(findings: list[Finding], options: Options, minimum: Level = Level.MEDIUM) -> list[Finding]:
    """The findings that count as CWEs: with a CWE, not suppressed, not skipped, severity at
    least ``minimum`` (medium by default, as the fix targets; Bandit's low ones such as B404
    ``import subprocess`` or B603 are hints a fix often has to add)."""
    skipped = set(options.skip)
    return [f for f in findings if f.cwe and not f.suppressed and f.severity >= max(minimum, options.severity)
            and f.rule_id not in skipped]


def _unique(findings: list[Finding]) -> set[tuple[str, int]]:
    return {(f.rule_id, f.start_line) for f in findings}


def _counts(prefix: str, findings: list[Finding], options: Options) -> dict:
    counted = {(f.rule_id, f.start_line): f for f in _counted(findings, options)}
    every = {(f.rule_id, f.start_line): f for f in _counted(findings, options, Level.LOW)}
    return {
        f"cwes_{prefix}": len(counted),
        f"cwes_{prefix}_all": len(every),
        f"cwe_ids_{prefix}": sorted(f.cwe for f in counted.values() if f.cwe),
        f"cwe_ids_{prefix}_all": sorted(f.cwe for f in every.values() if f.cwe),
        f"rules_{prefix}": sorted(f.rule_id for f in counted.values()),
    }
