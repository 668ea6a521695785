"""The PromSec loop over one flagged unit, and the research baselines.

``promsec`` (default), per iteration t (at most ``max_iterations``):

1. ĉ_t: the operator search's best candidate (the gGAN's edited code) on the first iteration, then
   the search run again over the last verified regeneration;
2. prompt inversion: ask the model for the prompt that would produce ĉ_t (only the unit and the
   imports it uses, secrets redacted);
3. p* = that prompt + the signature + the directives of the applied operators and of every
   operator that answers the findings' rules;
4. regenerate the unit from p*, extract the code, splice it back, check it (guard.py) and verify it
   with the same StaticVerifier as the operator fixes;
5. keep the verified candidate with the lowest ``alpha*k + beta*d`` (k CWEs left, d = 1 - token
   similarity); stop at k == 0.

When a regeneration is rejected, the next iteration keeps ĉ_t and its prompt and tells the model
why the previous attempt failed, so that temperature 0 and the cache do not replay the same answer.

Baselines: ``a1`` inverts the original code (no gGAN); ``bl1`` asks for a repair with Pearce et
al.'s seven templates, from no analyzer context to all of it, stopping at the first clean fix;
``bl2`` repeats bl1 from the best candidate so far (greedy on fewest CWEs); ``a2`` (no LLM) never
gets here (``build_loop`` returns ``None``).
"""

from __future__ import annotations

import dataclasses
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.fingerprints import normalise_code
from promsec_ci.llm import prompts
from promsec_ci.llm.client import BudgetExhausted, LLMClient, LLMError
from promsec_ci.llm.extract import extract_function, extract_prompt, looks_like_refusal
from promsec_ci.llm.guard import carries_override, new_capability, placeholder_left
from promsec_ci.llm.redact import password_lines, redact
from promsec_ci.llm.splice import splice
from promsec_ci.records import Cost, Finding, Fix, Notice, Unit
from promsec_ci.units import MODULE, UnitIndex


@dataclass(frozen=True)
class LLMOutcome:
    """What the loop produced for one unit.

    Args:
        fix: a verified fix better than the operator fix (``None`` otherwise).
        cost: LLM calls, tokens and seconds, analyzer runs and seconds, total seconds.
        notices: why no LLM fix came out, when something went wrong.
        prompt: the optimized prompt p* of the best candidate, verified or not.
        attempts: candidates verified.
    """

    fix: Fix | None
    cost: Cost = field(default_factory=Cost)
    notices: list[Notice] = field(default_factory=list)
    prompt: str | None = None
    attempts: int = 0


@dataclass(frozen=True)
class _Candidate:
    text: str
    function: str
    imports: tuple[str, ...]
    prompt: str
    k: int
    similarity: float
    score: float
    ok: bool
    reason: str


class CountingAnalyzer(BanditAnalyzer):
    """Bandit that counts its runs and their time (the loop's analyzer cost)."""

    def __init__(self, tests: Sequence[str] = (), skip: Sequence[str] = ()) -> None:
        super().__init__(tests, skip)
        self.runs = 0
        self.seconds = 0.0

    def analyze_text(self, text: str, path: str) -> list[Finding] | None:
        clock = time.perf_counter()
        try:
            return super().analyze_text(text, path)
        finally:
            self.runs += 1
            self.seconds += time.perf_counter() - clock


class LLMLoop:
    """Secure regeneration of flagged units through an LLM.

    Args:
        options: strategy, iterations, alpha/beta and the verifier's thresholds.
        root: the repository root (the operator search loads its model relative to it).
        client: the chat client (budget, retries and cache live there).
    """

    def __init__(self, options: Options, root: str, client: LLMClient) -> None:
        self.options = options
        self.root = root
        self.client = client
        self.analyzer = CountingAnalyzer(options.tests, options.skip)
        self._verifier = None
        self._search = None
        self._budget_told = False
        # Where the loop's own time goes, for benchmarks: verification and the in-loop operator search.
        self.verify_seconds = 0.0
        self.search_seconds = 0.0

    @property
    def verifier(self):
        if self._verifier is None:
            from promsec_ci.verify.static import StaticVerifier

            self._verifier = StaticVerifier(self.options, self.analyzer)
        return self._verifier

    def improve(self, unit: Unit, findings: list[Finding], text: str, outcome) -> LLMOutcome:
        """Try to do better than the operator search's ``outcome`` for ``unit`` of ``text``.

        Args:
            unit: the flagged unit.
            findings: its findings.
            text: the whole scanned file.
            outcome: the operator search's ``SearchOutcome`` (fix, cwes_left, best_text, ...).
        """
        clock = time.perf_counter()
        spent, runs, seconds = self.client.spent, self.analyzer.runs, self.analyzer.seconds
        run = _Run(self, unit, [f for f in findings if not f.suppressed], text, outcome)
        notices: list[Notice] = []
        if unit.name == MODULE or unit.language != "python":
            notices.append(Notice("LLM loop skipped: only functions and methods are regenerated",
                                  unit.path, "note"))
        elif not self.client.budget_left():
            if not self._budget_told:
                notices.append(Notice("LLM budget spent: remaining units keep their operator fixes or none",
                                      unit.path))
                self._budget_told = True
        else:
            try:
                strategy = self.options.strategy
                if strategy == "bl1":
                    run.baseline(rounds=1)
                elif strategy == "bl2":
                    run.baseline(rounds=self.options.max_iterations)
                else:
                    run.promsec(invert_original=strategy == "a1")
            except BudgetExhausted as exc:
                if not self._budget_told:
                    notices.append(Notice(f"{exc}: remaining units keep their operator fixes or none", unit.path))
                    self._budget_told = True
            except LLMError as exc:
                notices.append(Notice(f"no LLM fix for {unit.name}: {exc}", unit.path))
            except Exception as exc:  # noqa: BLE001 - answers are untrusted input; the run goes on
                notices.append(Notice(f"no LLM fix for {unit.name}: internal error on the model's answer: "
                                      f"{type(exc).__name__}: {exc}", unit.path, "error"))
            notices.extend(run.notices)
        cost = _minus(self.client.spent, spent) + Cost(
            analyzer_runs=self.analyzer.runs - runs,
            analyzer_seconds=self.analyzer.seconds - seconds,
            total_seconds=time.perf_counter() - clock,
        )
        fix = run.fix(cost)
        if fix is None and run.best is None and run.candidates and not notices:
            reasons = "; ".join(dict.fromkeys(c.reason for c in run.candidates))
            notices.append(Notice(f"no LLM fix for {unit.name}: every regeneration was rejected ({reasons})",
                                  unit.path, "note"))
        best = run.best or (run.candidates[-1] if run.candidates else None)
        return LLMOutcome(fix, cost, notices, best.prompt if best else None, len(run.candidates))

    def operator_search(self, unit: Unit, findings: list[Finding], text: str):
        """The operator search over a regenerated candidate (the gGAN step inside the loop)."""
        if self._search is None:
            from promsec_ci.search import FixSearch

            self._search = FixSearch(self.options, self.root)
        return self._search.search(unit, findings, text)


class _Run:
    """One call of ``LLMLoop.improve``: the unit, the candidates so far, the best one."""

    def __init__(self, loop: LLMLoop, unit: Unit, findings: list[Finding], text: str, outcome) -> None:
        self.loop = loop
        self.options = loop.options
        self.client = loop.client
        self.unit = unit
        self.findings = findings
        self.text = text
        self.outcome = outcome
        self.name = unit.name.rsplit(".", 1)[-1]
        self.candidates: list[_Candidate] = []
        self.best: _Candidate | None = None
        self.notices: list[Notice] = []
        self.directives = _directives(outcome, findings)

    # -- strategies -----------------------------------------------------------------------

    def promsec(self, *, invert_original: bool) -> None:
        base_text = self.text if invert_original else (self.outcome.best_text or self.text)
        prompt: str | None = None
        feedback = ""
        for _ in range(self.options.max_iterations):
            if prompt is None:
                context, redacted = self._context(base_text)
                if context is None:
                    return
                answer = self.client.complete(prompts.inversion_messages(context))
                inverted = extract_prompt(answer.text)
                if len(inverted.split()) < 4 or looks_like_refusal(inverted):
                    self.notices.append(Notice(f"no LLM fix for {self.unit.name}: the model gave no prompt "
                                               f"for the unit ({_quote(answer.text)})", self.unit.path))
                    return
                if carries_override(inverted):
                    self.notices.append(Notice(f"no LLM fix for {self.unit.name}: the inverted prompt repeats an "
                                               "instruction found in the code (possible prompt injection)",
                                               self.unit.path))
                    return
                directives = [*self.directives, *([prompts.REDACTION_DIRECTIVE] if redacted else [])]
                prompt = prompts.optimized_prompt(inverted, directives, context.signature)
            messages = prompts.regeneration_messages(prompt, context)
            if feedback:
                messages[-1]["content"] += f"\n\nA previous answer was rejected: {feedback}."
            answer = self.client.complete(messages)
            candidate = self.consider(answer.text, prompt, [base_text])
            if candidate.ok and candidate.k == 0:
                return
            if candidate.ok:
                base_text, prompt, feedback = self._operator_step(candidate), None, ""
            else:
                feedback = candidate.reason

    def baseline(self, *, rounds: int) -> None:
        base_text = self.text
        unit = self.unit
        findings = self.findings
        for _ in range(rounds):
            context, _redacted = self._context(base_text)
            if context is None:
                return
            for level in range(len(prompts.BL1_LEVELS)):
                messages = prompts.bl1_messages(level, context, findings, unit.start_line, self.directives)
                answer = self.client.complete(messages)
                candidate = self.consider(answer.text, messages[-1]["content"], [base_text])
                if candidate.ok and candidate.k == 0:
                    return
            greedy = min((c for c in self.candidates if c.ok), key=lambda c: (c.k, c.score), default=None)
            if greedy is None or greedy.text == base_text:
                return
            base_text = greedy.text
            located = _locate(base_text, self.unit)
            if located is None:
                return
            unit = located
            findings = self._findings_in(base_text, unit)

    # -- one candidate ----------------------------------------------------------------------

    def consider(self, answer: str, prompt: str, sources: list[str]) -> _Candidate:
        """Extract, splice, check and verify one answer; remember it."""
        candidate = self._check(answer, prompt, sources)
        self.candidates.append(candidate)
        if candidate.ok and (self.best is None or candidate.score < self.best.score):
            self.best = candidate
        return candidate

    def _check(self, answer: str, prompt: str, sources: list[str]) -> _Candidate:
        def rejected(reason: str, text: str = "", function: str = "") -> _Candidate:
            return _Candidate(text, function, (), prompt, -1, 0.0, float("inf"), False, reason)

        code = extract_function(answer, self.name)
        if code is None:
            return rejected(f"no code defining {self.name} in the answer ({_quote(answer)})")
        spliced = splice(self.text, self.unit, code, self.name)
        if spliced is None:
            return rejected("the answer's function could not be put back in the file")
        reason = placeholder_left(spliced.function)
        source_units = [self.unit.source, *(u.source for u in map(lambda t: _locate(t, self.unit), sources) if u)]
        reason = reason or new_capability(spliced.function, source_units, self.text)
        if reason:
            return rejected(reason, spliced.text, spliced.function)
        clock = time.perf_counter()
        verdict = self.loop.verifier.verify(self.text, spliced.text, self.unit, self.findings)
        self.loop.verify_seconds += time.perf_counter() - clock
        score = self.options.alpha * verdict.cwes_left + self.options.beta * (1 - verdict.similarity)
        return _Candidate(spliced.text, spliced.function, spliced.imports, prompt, verdict.cwes_left,
                          verdict.similarity, score, verdict.ok, verdict.reason)

    # -- helpers ----------------------------------------------------------------------------

    def _context(self, base_text: str) -> tuple[prompts.UnitContext | None, bool]:
        """The unit of ``base_text`` as it may be sent: dedented, imports it uses, secrets out."""
        unit = _locate(base_text, self.unit) if base_text != self.text else self.unit
        if unit is None:
            unit = self.unit
            base_text = self.text
        source = textwrap.dedent(unit.source).strip("\n") + "\n"
        redaction = redact(source, password_lines(source))
        context = prompts.unit_context(base_text, redaction.text, self.name)
        if not context.signature:
            self.notices.append(Notice(f"LLM loop skipped: {self.unit.name} is not a plain function",
                                       self.unit.path, "note"))
            return None, False
        return context, redaction.redacted

    def _operator_step(self, candidate: _Candidate) -> str:
        """ĉ for the next iteration: the operator search over a verified regeneration.

        Skipped when every finding left is one of the original's, same rule and same code: the
        search already failed on exactly those statements before the loop started.
        """
        unit = _locate(candidate.text, self.unit)
        if unit is None:
            return candidate.text
        findings = self._findings_in(candidate.text, unit)
        tried = {(f.rule_id, normalise_code(f.code)) for f in self.findings}
        if not findings or {(f.rule_id, normalise_code(f.code)) for f in findings} <= tried:
            return candidate.text
        clock = time.perf_counter()
        try:
            outcome = self.loop.operator_search(unit, findings, candidate.text)
        except ImportError:
            return candidate.text
        finally:
            self.loop.search_seconds += time.perf_counter() - clock
        return outcome.best_text or candidate.text

    def _findings_in(self, text: str, unit: Unit) -> list[Finding]:
        found = self.loop.analyzer.analyze_text(text, unit.path) or []
        return [f for f in found if unit.start_line <= f.start_line <= unit.end_line and not f.suppressed]

    def fix(self, cost: Cost) -> Fix | None:
        """The best candidate as a Fix, when it beats the operator fix."""
        best = self.best
        if best is None:
            return None
        operator_fix = self.outcome.fix
        if operator_fix is not None:
            operator_score = self.options.alpha * self.outcome.cwes_left + self.options.beta * (
                1 - operator_fix.similarity)
            if operator_score <= best.score:
                return None
        from promsec_ci.fixes import build_fix

        before = {f.cwe for f in self.findings if f.cwe}
        unit = _locate(best.text, self.unit)
        left = {f.cwe for f in self._findings_in(best.text, unit)} if unit else before
        operators = (f"llm:{self.client.model}",)
        if self.options.strategy == "promsec":
            operators += tuple(self.outcome.operators)
        return build_fix(
            self.unit.path, self.unit, self.text, best.text,
            operators=operators,
            directives=tuple(self.directives),
            cwes_removed=tuple(sorted(before - left)),
            added_imports=best.imports,
            similarity=best.similarity,
            verifications=self.outcome.verifications + len(self.candidates),
            prompt=best.prompt,
            cost=self.outcome.cost + cost,
            description=f"regenerated by {self.client.model} from an optimized prompt ({self.options.strategy}); "
                        f"{best.k} CWE finding(s) left",
        )


def _directives(outcome, findings: Sequence[Finding]) -> list[str]:
    """Directives of the applied operators, then of every operator answering the findings' rules."""
    from promsec_ci.rewrite import REGISTRY

    directives = list(getattr(outcome, "directives", ()) or ())
    for finding in findings:
        for operator in REGISTRY.by_rule_id(finding.rule_id):
            directives.append(operator.meta.directive)
    return list(dict.fromkeys(d for d in directives if d))


def _locate(text: str, unit: Unit) -> Unit | None:
    """The unit with ``unit``'s qualified name in ``text``."""
    return _locate_name(text, unit.path, unit.name)


@lru_cache(maxsize=64)
def _locate_name(text: str, path: str, name: str) -> Unit | None:
    for candidate in UnitIndex(text, path).function_units():
        if candidate.name == name:
            return candidate
    return None


def _minus(after: Cost, before: Cost) -> Cost:
    return Cost(**{f.name: getattr(after, f.name) - getattr(before, f.name) for f in dataclasses.fields(Cost)})


def _quote(answer: str, limit: int = 60) -> str:
    text = " ".join(answer.split())
    if not text:
        return "empty answer"
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
