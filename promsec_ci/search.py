"""Candidate search: apply rewrite operators to a unit, verify, keep the best fix.

The action space of a unit is every (statement line, operator) pair where the operator's
precondition holds: for each finding in the unit, the operators registered for its rule id,
applied at the finding's line (and, when none applies there, at the unit's later statements,
for data-flow cases such as SQL built on one line and executed on another). Edits compose: a
small beam keeps the best partial rewrites and extends them while CWEs remain.

The objective is the paper's ``alpha * k + beta * d`` (k: CWEs left in the unit, d: 1 - token
similarity). With the gGAN ranker, candidates are verified in its order and the search stops at
the first verified candidate with k == 0. Without it (plain enumeration, ``--no-ggan``) nothing
says which candidate is best, so every candidate of a beam level is verified and the argmin is
kept; the search stops after the first level at which a candidate reached k == 0 (the chain of
several edits counts as reached before the first level). Either way, when no candidate
reaches k == 0, the best verified one with fewer CWEs than before is kept.
"""

from __future__ import annotations

import ast
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from promsec_ci.changes import is_test_code
from promsec_ci.config import Options
from promsec_ci.fixes import build_fix
from promsec_ci.records import Cost, Finding, Fix, Notice, Unit
from promsec_ci.rewrite import REGISTRY, OperatorRegistry
from promsec_ci.verify.static import Inspection, StaticVerifier, map_region

BEAM_WIDTH = 3
MAX_DEPTH = 4
MAX_CHAIN = 16  # the chain may fix more CWEs than the beam's depth reaches
MAX_FOLLOW_LINES = 8  # later statements tried for a finding no operator fixes at its own line


@dataclass(frozen=True)
class SearchOutcome:
    """What the search found for one unit.

    Args:
        fix: the best verified fix, ``None`` when no candidate verified.
        cwes_left: CWEs left in the unit after ``fix`` (the count before when there is no fix).
        best_text: the best candidate file, verified or not (the LLM loop's starting point),
            ``None`` when no operator applied.
        operators: operator ids applied in ``best_text``.
        directives: their directive sentences.
        verifications: candidates verified.
        notices: anything worth telling the user.
        rejections: why candidates failed verification (one reason per candidate, in order).
        cost: analyzer runs and time spent.
    """

    fix: Fix | None
    cwes_left: int
    best_text: str | None
    operators: tuple[str, ...] = ()
    directives: tuple[str, ...] = ()
    verifications: int = 0
    notices: list[Notice] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)
    rejections: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    text: str
    operators: tuple[str, ...]
    imports: tuple[str, ...]
    inspection: Inspection
    score: float

    @property
    def k(self) -> int:
        return self.inspection.verdict.cwes_left


class FixSearch:
    """Searches fixes unit by unit; one instance per run (it caches Bandit results).

    Args:
        options: objective weights, thresholds, ``ggan`` on/off.
        root: repository root (the gGAN model directory is resolved against it).
        registry: the operators to use (the project's registry by default).
        ranker: orders candidate edits (anything with the gGAN ranker's ``rank``); by default the
            gGAN model when ``options.ggan`` and it loads, else none (plain enumeration).
    """

    def __init__(self, options: Options, root: str, registry: OperatorRegistry | None = None,
                 ranker=None) -> None:
        self.options = options
        self.root = root
        self.registry = registry if registry is not None else configured_registry(options, root)
        self.verifier = StaticVerifier(options)
        self.notices: list[Notice] = []
        self._run_notices: list[Notice] = []
        self.ranker = ranker if ranker is not None else self._load_ranker() if options.ggan else None
        self.behavior = None
        if options.verify_behavior:  # runs candidate code in a sandbox: only when the user opts in
            from promsec_ci.verify.behavior import BehaviorChecker

            self.behavior = BehaviorChecker(options, root)

    def _load_ranker(self):
        try:
            from promsec_ci.ggan.ranker import load_ranker
        except ImportError:  # the gGAN is optional: plain enumeration order
            return None
        ranker, notices = load_ranker(self.options)
        self.notices.extend(notices)
        return ranker

    def search(self, unit: Unit, findings: list[Finding], text: str) -> SearchOutcome:
        """The best verified fix of ``unit`` in ``text`` for ``findings``.

        Args:
            unit: the unit enclosing the findings.
            findings: the unit's findings to fix (suppressed ones are ignored).
            text: the whole scanned file.
        """
        clock = time.perf_counter()
        runs, seconds = self.verifier.analyzer_runs, self.verifier.analyzer_seconds
        targets = [f for f in findings if not f.suppressed]
        original = self.verifier.cwe_findings(text, unit, (unit.start_line, unit.end_line), targets)
        k_before = len(original)
        notices = self._run_notices = []
        verifications = 0
        rejections: list[str] = []
        best_verified: _Candidate | None = None
        best_any: _Candidate | None = None
        seen: set[str] = {text}
        edits_of = _Memo(lambda state: self._edits(unit, targets, state, text))

        def verify(state: str, ops: tuple[str, ...], imports: tuple[str, ...]) -> _Candidate:
            nonlocal verifications, best_any, best_verified
            seen.add(state)
            inspection = self.verifier.inspect(text, state, unit, targets)
            if self.behavior is not None and inspection.verdict.ok:
                from promsec_ci.verify.behavior import behavior_gate

                inspection = behavior_gate(self.behavior, text, state, unit, targets, inspection, notices)
            verifications += 1
            verdict = inspection.verdict
            if not verdict.ok:
                rejections.append(verdict.reason)
            candidate = _Candidate(state, ops, imports, inspection,
                                   self.options.alpha * verdict.cwes_left
                                   + self.options.beta * (1 - verdict.similarity))
            if inspection.region is not None and (best_any is None or candidate.score < best_any.score):
                best_any = candidate
            if verdict.ok and (best_verified is None or candidate.score < best_verified.score):
                best_verified = candidate
            return candidate

        done = False
        exhaustive = self.ranker is None  # no model: the best candidate is known only after verifying all
        if targets and k_before > 1:
            # Several CWEs: first the chain of each state's top-ranked edit, verified once as a whole.
            chain = _chain(text, edits_of, min(max(MAX_DEPTH, k_before + 2), MAX_CHAIN))
            if chain is not None and chain[0] not in seen:
                head = verify(*chain)
                done = head.inspection.verdict.ok and head.k == 0
        # Plain enumeration still verifies the first level, the alternatives to the chain.
        beam = [(text, (), (), k_before)] if targets and k_before and (exhaustive or not done) else []
        for _ in range(MAX_DEPTH):
            next_beam: list[_Candidate] = []
            for state_text, ops, imports, k_state in beam:
                for _line, operator, rewrite in edits_of(state_text):
                    if rewrite.text in seen:
                        continue
                    candidate = verify(rewrite.text, (*ops, operator.meta.name), _merge(imports, rewrite.imports))
                    verdict = candidate.inspection.verdict
                    if verdict.ok and verdict.cwes_left == 0:
                        done = True
                        if exhaustive:
                            continue
                        break
                    if candidate.inspection.region is not None and verdict.new_findings == 0 and 0 < verdict.cwes_left:
                        next_beam.append(candidate)
                        if not exhaustive and verdict.ok and verdict.cwes_left < k_state:
                            break  # ranked: the first verified step forward is followed
                if done:
                    break
            if done or not next_beam:
                break
            next_beam.sort(key=lambda c: (not c.inspection.verdict.ok, c.score))
            beam = [(c.text, c.operators, c.imports, c.k) for c in next_beam[:BEAM_WIDTH]]

        cost = Cost(
            analyzer_runs=self.verifier.analyzer_runs - runs,
            analyzer_seconds=self.verifier.analyzer_seconds - seconds,
            total_seconds=time.perf_counter() - clock,
        )
        fix = self._fix(unit, text, best_verified, verifications, cost) if best_verified else None
        shown = best_verified or best_any
        return SearchOutcome(
            fix=fix,
            cwes_left=best_verified.k if best_verified else k_before,
            best_text=shown.text if shown else None,
            operators=shown.operators if shown else (),
            directives=self._directives(shown.operators) if shown else (),
            verifications=verifications,
            notices=notices,
            cost=cost,
            rejections=tuple(rejections),
        )

    def resolved(self, fix: Fix, unit: Unit, findings: Iterable[Finding], text: str) -> set[str]:
        """Fingerprints of ``findings`` (of ``unit``) that ``fix`` removes: the same rule and code
        no longer reported in the unit. Only the unit is looked at, so the same line flagged in
        another function does not count as this one left in place."""
        from promsec_ci.fixes import apply_edits

        fixed = apply_edits(text, fix.edits)
        after = self.verifier.analyze(fixed, fix.path) if fixed is not None else None
        region = map_region(text, fixed, unit.start_line, unit.end_line) if fixed is not None else None
        if after is None or region is None:
            return set()
        remaining = Counter((f.rule_id, _norm(f.code)) for f in after if region[0] <= f.start_line <= region[1])
        result = set()
        for finding in sorted(findings, key=lambda f: f.start_line):
            key = (finding.rule_id, _norm(finding.code))
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                result.add(finding.fingerprint)
        return result

    def _edits(self, unit: Unit, targets: list[Finding], state_text: str, original_text: str):
        """Applicable (line, operator, rewrite) triples on ``state_text``, best first."""
        region = (unit.start_line, unit.end_line) if state_text == original_text else None
        if region is None:
            region = map_region(original_text, state_text, unit.start_line, unit.end_line)
            if region is None:
                return []
        found = self.verifier.analyze(state_text, unit.path) or []
        rules = {f.rule_id for f in targets}
        current = [f for f in found if f.rule_id in rules and not f.suppressed
                   and region[0] <= f.start_line <= region[1]]
        edits = []
        tried: set[tuple[int, str]] = set()
        later: list[int] | None = None  # call statements of the region, found once per state
        test_code = is_test_code(unit.path)
        for finding in current:
            operators = [op for op in self.registry.by_rule_id(finding.rule_id)
                         if not (test_code and op.meta.production_only)]
            if not operators:
                continue  # B101 and the like: nothing to try, here or on later lines
            applied = False
            for operator in operators:
                if (finding.start_line, operator.meta.name) in tried:
                    continue
                tried.add((finding.start_line, operator.meta.name))
                rewrite = _apply(operator, state_text, finding.start_line)
                if rewrite is not None:
                    edits.append((finding.start_line, operator, rewrite))
                    applied = True
            if applied:
                continue
            if later is None:
                later = _call_statements(state_text, region)
            for line in [line for line in later if line > finding.end_line][:MAX_FOLLOW_LINES]:
                for operator in operators:
                    if (line, operator.meta.name) in tried:
                        continue
                    tried.add((line, operator.meta.name))
                    rewrite = _apply(operator, state_text, line)
                    if rewrite is not None:
                        edits.append((line, operator, rewrite))
        if self.ranker is not None and len(edits) > 1:
            edits = self._ranked(unit, state_text, current, edits)
        return edits

    def _ranked(self, unit: Unit, text: str, findings: list[Finding], edits: list):
        by_key = {(line, operator.meta.name): (line, operator, rewrite) for line, operator, rewrite in edits}
        try:
            order = self.ranker.rank(unit, text, findings, list(by_key))
        except Exception as exc:  # noqa: BLE001 - a ranker failure must not lose the fix
            self._run_notices.append(Notice(f"gGAN ranker failed, using enumeration order: {exc}", unit.path))
            self.ranker = None
            return edits
        ranked = [by_key[key] for key in order if key in by_key]
        ranked_keys = set(order)
        return ranked + [edit for key, edit in by_key.items() if key not in ranked_keys]

    def _fix(self, unit: Unit, text: str, best: _Candidate, verifications: int, cost: Cost) -> Fix:
        removed = best.inspection.removed
        cwes = sorted({f.cwe for f in removed if f.cwe})
        rules = sorted({f.rule_id for f in removed})
        metas = [self.registry.get(name).meta for name in dict.fromkeys(best.operators)]
        description = "; ".join(dict.fromkeys(meta.summary for meta in metas))
        if rules:
            description += f" (removes {', '.join(rules)})"
        return build_fix(
            unit.path, unit, text, best.text,
            operators=[meta.name for meta in metas],
            directives=list(dict.fromkeys(meta.directive for meta in metas)),
            cwes_removed=cwes,
            added_imports=best.imports,
            similarity=best.inspection.verdict.similarity,
            verifications=verifications,
            cost=cost,
            description=description,
        )

    def _directives(self, operators: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.registry.get(name).meta.directive for name in operators))


class _Memo:
    """The applicable edits of each intermediate text, computed once (operators are the slow part)."""

    def __init__(self, compute) -> None:
        self.compute = compute
        self.cache: dict[str, list] = {}

    def __call__(self, state: str) -> list:
        if state not in self.cache:
            self.cache[state] = self.compute(state)
        return self.cache[state]


def _chain(text: str, edits_of: _Memo, limit: int) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """Apply the top-ranked edit of each successive text until none is left (at least two edits)."""
    state, ops, imports = text, (), ()
    visited = {text}
    for _ in range(limit):
        fresh = [edit for edit in edits_of(state) if edit[2].text not in visited]
        if not fresh:
            break
        _line, operator, rewrite = fresh[0]
        state, ops, imports = rewrite.text, (*ops, operator.meta.name), _merge(imports, rewrite.imports)
        visited.add(state)
    return (state, ops, imports) if len(ops) > 1 else None


def _apply(operator, text: str, line: int):
    try:
        return operator.apply(text, line)
    except Exception:  # noqa: BLE001 - an operator bug on odd code means "does not apply"
        return None


def _merge(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def _norm(code: str) -> str:
    return "\n".join(line.strip() for line in code.splitlines() if line.strip())


def _call_statements(text: str, region: tuple[int, int]) -> list[int]:
    """First lines of the simple statements in ``region`` that make a call, in order."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lines = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        end = getattr(node, "end_lineno", None)
        if end is not None and (end < region[0] or node.lineno > region[1]):
            continue  # outside the unit: not worth walking (files can be 10,000 lines)
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            if region[0] <= node.lineno <= region[1] and any(isinstance(c, ast.Call) for c in ast.walk(node)):
                lines.add(node.lineno)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return sorted(lines)


def configured_registry(options: Options, root: str | None) -> OperatorRegistry:
    """The project's operators, with the SQL operator told the placeholder style of the
    repository at ``root`` (``None``: code that belongs to no repository, as dataset records)."""
    from promsec_ci.rewrite.paramstyle import fallback_style
    from promsec_ci.rewrite.sql_parameterize import SqlParameterizeOperator

    return REGISTRY.replaced(SqlParameterizeOperator(fallback_style(options, root)))
