"""Verified fixes for Java units: apply the Java operators, re-check, keep what verifies.

Per unit: the operators answering each finding are applied at its lines (all together first,
then one at a time). A candidate is kept only if it parses, the method keeps its name and
signature (read by tree-sitter: modifiers, annotations, return type, parameter types, throws),
it is similar enough to the original (tokens and code graph), it still compiles when the
original compiled alone, and the analyzers that reported the findings, re-run on the rewritten
file, report fewer of them and nothing new.

The same checks serve the LLM loop (``promsec_ci/llm/loop.py``), which takes a ``JavaFixer`` as
its verifier for Java units: ``verify``, ``findings_in``, ``search``, ``directives``.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from promsec_ci.config import Options
from promsec_ci.java.rewrite import JavaOperator, operators_for
from promsec_ci.records import Cost, Finding, Fix, Notice, Unit

MAX_VERIFICATIONS = 4
_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\d+|\S")


@dataclass(frozen=True)
class JavaFixOutcome:
    """What fixing one Java unit gave.

    Args:
        fix: the verified fix, or ``None``.
        resolved: fingerprints of the findings the fix removes.
        notices: why no fix could be verified, when that is worth saying.
        cost: analyzer runs and seconds spent.
        cwes_left: CWE findings left in the unit after ``fix`` (all of them when there is none).
        best_text: the verified candidate file, else the first candidate (the LLM loop's ĉ), else ``None``.
        operators: operator ids applied in ``best_text``.
        directives: their directive sentences.
        verifications: candidates verified.
    """

    fix: Fix | None
    resolved: frozenset[str] = frozenset()
    notices: list[Notice] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)
    cwes_left: int = 0
    best_text: str | None = None
    operators: tuple[str, ...] = ()
    directives: tuple[str, ...] = ()
    verifications: int = 0


@dataclass(frozen=True)
class _Check:
    """One candidate's verification: ``reason`` is ``None`` when it holds."""

    reason: str | None
    resolved: frozenset[str] = frozenset()
    cwes_before: int = 0
    cwes_left: int = 0
    similarity: float = 0.0


@dataclass(frozen=True)
class _Candidate:
    text: str
    operators: tuple[JavaOperator, ...]


def similarity(a: str, b: str) -> float:
    """Token-sequence similarity of two code texts (0..1)."""
    return SequenceMatcher(None, _TOKEN.findall(a), _TOKEN.findall(b), autojunk=False).ratio()


class JavaFixer:
    """Finds verified fixes for Java units; one instance per run (analyzer results are cached).

    Args:
        options: run options (``min_similarity``, ``cache_dir``).
        analyzers: tool name -> analyzer with ``analyze_text(text, path)``; the defaults are
            SpotBugs/FindBugs and Semgrep.
    """

    def __init__(self, options: Options, analyzers: Mapping[str, object] | None = None) -> None:
        self.options = options
        self._analyzers: dict[str, object] = dict(analyzers or {})
        self._results: dict[tuple[str, str, str], list[Finding] | None] = {}
        self._compiles: dict[tuple[str, str], bool] = {}
        self._prepared: dict[tuple[str, int, str], list[_Candidate]] = {}
        self._runs = 0
        self._seconds = 0.0

    def prepare(self, jobs: Sequence[tuple[Unit, Sequence[Finding], str]]) -> Cost:
        """Analyze and compile the candidates of many units at once (one run per tool, not per candidate).

        Args:
            jobs: (unit, its findings, file text) for every Java unit ``fix`` will be asked about.

        Returns:
            What the batch runs cost.
        """
        per_tool: dict[str, list[tuple[str, str]]] = {}
        compile_items: list[tuple[str, str]] = []
        for unit, findings, text in jobs:
            targets = [f for f in findings if not f.suppressed]
            candidates = self._candidates(targets, text)[:MAX_VERIFICATIONS]
            self._prepared[(unit.path, unit.start_line, text)] = candidates
            items = [(unit.path, text)] + [(unit.path, c.text) for c in candidates]
            tools = sorted({f.tool for f in targets})
            for tool in tools:
                per_tool.setdefault(tool, []).extend(items)
            if "spotbugs" not in tools:
                compile_items.extend(items)
        runs, seconds = self._runs, self._seconds
        for tool, items in per_tool.items():
            self._runs += self._analyze_many(tool, items)
        self._compile_many(compile_items)
        return Cost(analyzer_runs=self._runs - runs, analyzer_seconds=self._seconds - seconds)

    def fix(self, unit: Unit, findings: Sequence[Finding], text: str) -> JavaFixOutcome:
        """The best verified fix of ``unit`` for ``findings`` in the file ``text``."""
        runs, seconds = self._runs, self._seconds
        targets = [f for f in findings if not f.suppressed]
        candidates = self._prepared.pop((unit.path, unit.start_line, text), None)
        if candidates is None:
            candidates = self._candidates(targets, text)
            items = [(unit.path, text)] + [(unit.path, c.text) for c in candidates[:MAX_VERIFICATIONS]]
            for tool in sorted({f.tool for f in targets}):
                self._runs += self._analyze_many(tool, items)
            if "spotbugs" not in {f.tool for f in targets}:
                self._compile_many(items)
        notices: list[Notice] = []
        fix, resolved, cwes_left, chosen, number = None, frozenset(), len(_counted(targets)), None, 0
        for number, candidate in enumerate(candidates[:MAX_VERIFICATIONS], start=1):
            check = self._check(unit, targets, text, candidate.text)
            if check.reason is None:
                fix = self._build(unit, text, candidate, targets, check.resolved, number)
                resolved, cwes_left, chosen = check.resolved, check.cwes_left, candidate
                break
            notices = [Notice(f"Java fix for {unit.name} not verified: {check.reason}", unit.path, level="note")]
        cost = Cost(analyzer_runs=self._runs - runs, analyzer_seconds=self._seconds - seconds)
        if fix is not None:
            notices = []
            fix = _with_cost(fix, cost)
        chosen = chosen or (candidates[0] if candidates else None)
        operators = chosen.operators if chosen else ()
        return JavaFixOutcome(fix, resolved, notices, cost, cwes_left, chosen.text if chosen else None,
                              tuple(op.meta.id for op in operators), tuple(op.meta.directive for op in operators),
                              number)

    # -- the LLM loop's verifier interface ------------------------------------------------------

    def verify(self, original_text: str, candidate_text: str, unit: Unit, findings: Sequence[Finding]):
        """Verify ``candidate_text`` (a whole file) as a rewrite of ``unit`` of ``original_text``.

        Args:
            original_text: the scanned file.
            candidate_text: the rewritten file (an LLM regeneration spliced in, say).
            unit: the unit being fixed.
            findings: its findings (their tools re-analyze the candidate).

        Returns:
            A ``promsec_ci.verify.static.Verdict``: ``ok``, ``reason``, ``cwes_left``, ``similarity``.
        """
        from promsec_ci.verify.static import Verdict

        targets = [f for f in findings if not f.suppressed]
        check = self._check(unit, targets, original_text, candidate_text)
        reason = check.reason or f"verified: k {check.cwes_before} -> {check.cwes_left}, " \
                                 f"similarity {check.similarity:.2f}"
        return Verdict(ok=check.reason is None, reason=reason, cwes_before=check.cwes_before,
                       cwes_left=check.cwes_left if check.reason is None else check.cwes_before,
                       new_findings=0, similarity=check.similarity, graph_similarity=float("nan"))

    def findings_in(self, text: str, unit: Unit) -> list[Finding]:
        """Findings of the configured Java analyzers inside the method named like ``unit`` in ``text``."""
        from promsec_ci.java.units import JavaUnitIndex

        located = _same_unit(JavaUnitIndex(text, unit.path), unit)
        if located is None:
            return []
        found: list[Finding] = []
        for tool in configured_tools(self.options):
            found.extend(f for f in self._analyze(tool, text, unit.path) or []
                         if located.start_line <= f.start_line <= located.end_line and not f.suppressed)
        return found

    def search(self, unit: Unit, findings: Sequence[Finding], text: str) -> JavaFixOutcome:
        """``fix`` under ``FixSearch``'s name: the pipeline and the LLM loop (over a regeneration)
        call both languages' operator search the same way."""
        return self.fix(unit, findings, text)

    def directives(self, findings: Sequence[Finding]) -> list[str]:
        """What the prompt asks for: each finding's CWE and rule, then the directives of the
        operators that answer it."""
        out: list[str] = []
        for finding in findings:
            cwe = f"CWE-{finding.cwe}" if finding.cwe else "the weakness"
            out.append(f"remove {cwe} reported by {finding.tool} rule {finding.rule_id}: {finding.message.strip()}")
        out += [op.meta.directive for finding in findings for op in operators_for(finding)]
        return list(dict.fromkeys(out))

    def resolved(self, fix: Fix, unit: Unit, findings: Sequence[Finding], text: str) -> frozenset[str]:
        """Fingerprints of ``findings`` (of ``unit``) that ``fix`` removes from ``text`` (as verified)."""
        from promsec_ci.fixes import apply_edits

        fixed = apply_edits(text, fix.edits)
        targets = [f for f in findings if not f.suppressed]
        if fixed is None or not targets:
            return frozenset()
        return self._check(unit, targets, text, fixed).resolved

    @property
    def analyzer_runs(self) -> int:
        return self._runs

    @property
    def analyzer_seconds(self) -> float:
        return self._seconds

    def verify_file(self, original_text: str, candidate_text: str, path: str) -> str:
        """Whole-file check of several Java fixes combined: ``""`` when it holds, else the reason.

        The combined file must parse, compile when the original compiled alone, and every
        configured Java analyzer must report no rule more often than before and fewer findings.
        """
        from promsec_ci.java.syntax import parses

        if not parses(candidate_text):
            return "combined fixes do not parse"
        tools = configured_tools(self.options)
        if "spotbugs" not in tools and self._compiles_alone(original_text, path) and \
                not self._compiles_alone(candidate_text, path):
            return "combined fixes do not compile"
        removed = False
        for tool in tools:
            before, after = self._analyze(tool, original_text, path), self._analyze(tool, candidate_text, path)
            if before is None or after is None:
                return f"{tool} cannot analyze the combined fixes"
            old, new = Counter(f.rule_id for f in before), Counter(f.rule_id for f in after)
            if new - old:
                return "combined fixes add findings: " + ", ".join(sorted(new - old))
            removed = removed or sum(new.values()) < sum(old.values())
        return "" if removed else "combined fixes remove no finding"

    # -- candidates -------------------------------------------------------------------------

    def _candidates(self, targets: Sequence[Finding], text: str) -> list[_Candidate]:
        singles: list[_Candidate] = []
        combined_text, combined_ops = text, []
        for finding in sorted(targets, key=lambda f: -f.start_line):  # bottom-up keeps lines above valid
            for operator in operators_for(finding):
                single = _apply(operator, text, finding)
                if single is not None:
                    singles.append(_Candidate(single, (operator,)))
                chained = _apply(operator, combined_text, finding)
                if chained is not None:
                    combined_text = chained
                    combined_ops.append(operator)
                    break
        candidates = []
        if len(combined_ops) > 1:
            candidates.append(_Candidate(combined_text, tuple(combined_ops)))
        seen = {c.text for c in candidates}
        for single in singles:
            if single.text not in seen:
                seen.add(single.text)
                candidates.append(single)
        return candidates

    # -- verification -----------------------------------------------------------------------

    def _check(self, unit: Unit, targets: Sequence[Finding], text: str, candidate_text: str) -> _Check:
        from promsec_ci.java.syntax import parses
        from promsec_ci.java.units import JavaUnitIndex

        before_k = len(_counted(targets))
        if not parses(candidate_text):
            return _Check("the rewrite does not parse", cwes_before=before_k)
        new_unit = _same_unit(JavaUnitIndex(candidate_text, unit.path), unit)
        if new_unit is None:
            return _Check(f"{unit.name} is not in the rewritten file", cwes_before=before_k)
        if unit.kind != "module":
            reason = _signature_change(unit, new_unit)
            if reason:
                return _Check(reason, cwes_before=before_k)
        score = similarity(unit.source, new_unit.source)

        def failed(reason: str) -> _Check:
            return _Check(reason, cwes_before=before_k, similarity=score)

        if score < self.options.min_similarity:
            return failed(f"similarity {score:.2f} is below {self.options.min_similarity}")
        graph_score = _graph_similarity(unit, new_unit, self.options.graph)
        if graph_score is not None and graph_score < self.options.min_graph_similarity:
            return failed(f"graph similarity {graph_score:.2f} is below {self.options.min_graph_similarity}")
        tools = sorted({f.tool for f in targets})
        if "spotbugs" not in tools and self._compiles_alone(text, unit.path) and \
                not self._compiles_alone(candidate_text, unit.path):
            return failed("the rewritten file does not compile")
        resolved: set[str] = set()
        left: list[Finding] = []
        for tool in tools:
            before = self._analyze(tool, text, unit.path)
            after = self._analyze(tool, candidate_text, unit.path)
            if before is None:
                return failed(f"{tool} cannot re-analyze this file on its own")
            if after is None:
                return failed(f"{tool} cannot analyze the rewritten file (it does not compile)")
            old, new = Counter(f.rule_id for f in before), Counter(f.rule_id for f in after)
            added = new - old
            if added:
                return failed(f"{tool} reports new findings ({', '.join(sorted(added))})")
            resolved |= _resolved([f for f in targets if f.tool == tool], old, new, after)
            left += [f for f in after if new_unit.start_line <= f.start_line <= new_unit.end_line]
        if not resolved:
            return failed("the analyzer still reports the findings")
        return _Check(None, frozenset(resolved), before_k, len(_counted(left)), score)

    def _analyze_many(self, tool: str, items: Sequence[tuple[str, str]]) -> int:
        """Analyze many (path, text) versions in one run; returns the number of runs made (0 or 1).

        Versions of one file would clash (same class names), so each goes into its own package
        (``package demo;`` -> ``package demo.promsec_v3;`` on the same line, so lines stay put).
        """
        from promsec_ci.records import FileChange

        todo = list(dict.fromkeys(item for item in items if (tool, *item) not in self._results))
        analyzer = self._analyzer(tool)
        if not todo or analyzer is None:
            return 0
        names = {f"v{i}/{path}": (path, text) for i, (path, text) in enumerate(todo)}
        files = [FileChange(name, _repackage(text, f"promsec_v{i}")) for i, (name, (_, text)) in
                 enumerate(names.items())]
        clock = time.perf_counter()
        analysis = analyzer.analyze(files)
        self._seconds += time.perf_counter() - clock
        unreadable = {n.path for n in analysis.notices if n.path}
        engine_failed = any(n.path is None and n.level == "error" for n in analysis.notices)
        for name, (path, text) in names.items():
            found = [f for f in analysis.findings if f.path == name]
            self._results[(tool, path, text)] = None if engine_failed or name in unreadable else found
        return 1

    def _compile_many(self, items: Sequence[tuple[str, str]]) -> None:
        """Compile many (path, text) versions in one javac run, each alone in its own package."""
        from promsec_ci.java.build import compile_sources, javac_command, library_classpath

        todo = list(dict.fromkeys(item for item in items if item not in self._compiles))
        if not todo:
            return
        if javac_command() is None:
            self._compiles.update({item: True for item in todo})  # nothing to check with: the analyzer judges
            return
        names = {f"v{i}/{path}": (path, text) for i, (path, text) in enumerate(todo)}
        sources = {name: _repackage(text, f"promsec_v{i}") for i, (name, (_, text)) in enumerate(names.items())}
        with tempfile.TemporaryDirectory(prefix="promsec-javac-") as scratch:
            result = compile_sources(sources, Path(scratch), library_classpath())
        for name, item in names.items():
            self._compiles[item] = name not in result.failed

    def _analyze(self, tool: str, text: str, path: str) -> list[Finding] | None:
        key = (tool, path, text)
        if key not in self._results:
            analyzer = self._analyzer(tool)
            clock = time.perf_counter()
            self._results[key] = analyzer.analyze_text(text, path) if analyzer is not None else None
            self._seconds += time.perf_counter() - clock
            self._runs += 1
        return self._results[key]

    def _analyzer(self, tool: str):
        if tool not in self._analyzers:
            if tool == "spotbugs":
                from promsec_ci.analyzers.spotbugs import SpotBugsAnalyzer

                self._analyzers[tool] = SpotBugsAnalyzer(cache_dir=self.options.cache_dir)
            elif tool == "semgrep":
                from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer

                self._analyzers[tool] = SemgrepJavaAnalyzer()
            else:
                self._analyzers[tool] = None
        return self._analyzers[tool]

    def _compiles_alone(self, text: str, path: str) -> bool:
        if (path, text) not in self._compiles:
            self._compile_many([(path, text)])
        return self._compiles[(path, text)]

    def _build(self, unit: Unit, text: str, candidate: _Candidate, targets: Sequence[Finding],
               resolved: frozenset[str], verifications: int) -> Fix:
        from promsec_ci.fixes import build_fix
        from promsec_ci.java.units import JavaUnitIndex

        new_unit = _same_unit(JavaUnitIndex(candidate.text, unit.path), unit)
        operators = candidate.operators
        return build_fix(
            unit.path, unit, text, candidate.text,
            operators=[op.meta.id for op in operators],
            directives=[op.meta.directive for op in operators],
            cwes_removed=[f.cwe for f in targets if f.fingerprint in resolved and f.cwe is not None],
            added_imports=(),
            similarity=similarity(unit.source, new_unit.source if new_unit else ""),
            verifications=verifications,
            description=" ".join(op.meta.summary for op in operators),
        )


def configured_tools(options: Options) -> list[str]:
    """The Java analyzers a run uses (``spotbugs`` falls back to ``semgrep`` when not installed)."""
    from promsec_ci.analyzers.spotbugs import find_engine

    wanted = {"spotbugs": ["spotbugs"], "semgrep": ["semgrep"], "both": ["semgrep", "spotbugs"]}[
        options.java_analyzer]
    if "spotbugs" in wanted and find_engine() is None:
        wanted = ["semgrep"]
    return wanted


def java_fix(unit: Unit, findings: Sequence[Finding], text: str, options: Options | None = None) -> Fix | None:
    """The verified fix of one Java unit, or ``None`` (a one-off ``JavaFixer``)."""
    return JavaFixer(options or Options()).fix(unit, findings, text).fix


def _apply(operator: JavaOperator, text: str, finding: Finding) -> str | None:
    for line in finding.lines:
        rewrite = operator.apply(text, line)
        if rewrite is not None:
            return rewrite.text
    return None


def _graph_similarity(a: Unit, b: Unit, kind: str) -> float | None:
    """Graph similarity of two units (``None`` when torch / torch-geometric are unavailable)."""
    try:
        from promsec_ci.graphs import graph_similarity
    except ImportError:
        return None
    return graph_similarity(a, b, kind)


def _repackage(text: str, tag: str) -> str:
    """``text`` moved into a sub-package ``tag`` of its own package, on the same line."""
    match = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.MULTILINE)
    if match:
        return text[: match.end(1)] + f".{tag}" + text[match.end(1) :]
    return f"package {tag}; {text}"


def _same_unit(index, unit: Unit) -> Unit | None:
    """The rewritten unit: the method of the same name, or the class-level statement at the same line."""
    if unit.kind == "module":
        found = index.locate(unit.start_line, unit.start_line)
        return found if found.name == unit.name else None
    return index.find(unit.name, near=unit.start_line)


def _signature_change(unit: Unit, new_unit: Unit) -> str | None:
    """Why ``new_unit`` does not keep ``unit``'s signature, or ``None`` when it does."""
    from promsec_ci.java.signature import method_signature

    name = unit.name.rsplit(".", 1)[-1]
    old, new = method_signature(unit.source, name), method_signature(new_unit.source, name)
    if new is None:
        return f"{name} cannot be read in the rewrite"
    if old is not None and new != old:
        return f"the method's signature changed ({old.describe()} -> {new.describe()})"
    return None


def _counted(findings: Sequence[Finding]) -> set[tuple[str, str, int]]:
    """Unique CWE findings, one per (tool, rule, line): the ``k`` of a Java unit."""
    return {(f.tool, f.rule_id, f.start_line) for f in findings if f.cwe is not None and not f.suppressed}


def _resolved(targets: Sequence[Finding], old: Counter, new: Counter, after: Sequence[Finding]) -> set[str]:
    """Fingerprints of the targets gone from the re-analysis (per rule, as many as disappeared)."""
    resolved: set[str] = set()
    remaining_code = {(f.rule_id, f.code.strip()) for f in after}
    by_rule: dict[str, list[Finding]] = {}
    for finding in targets:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    for rule, group in by_rule.items():
        gone = old[rule] - new[rule]
        if gone <= 0:
            continue
        group.sort(key=lambda f: (f.rule_id, f.code.strip()) in remaining_code)
        resolved.update(f.fingerprint for f in group[:gone])
    return resolved


def _with_cost(fix: Fix, cost: Cost) -> Fix:
    import dataclasses

    return dataclasses.replace(fix, cost=cost)
