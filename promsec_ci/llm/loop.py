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

Java methods go through the same loop: the caller passes the language's verifier (the pipeline
passes its ``JavaFixer``), ĉ is the Java operators' best candidate, and the code handling
(extraction from a ``java`` block, splice, imports, secrets, capabilities) comes from
``languages.JAVA``.

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

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.fingerprints import normalise_code
from promsec_ci.llm import prompts
from promsec_ci.llm.client import BudgetExhausted, LLMClient, LLMError
from promsec_ci.llm.extract import extract_prompt, looks_like_refusal
from promsec_ci.llm.guard import carries_override, placeholder_left
from promsec_ci.llm.languages import LANGUAGES, CodeLanguage, PythonVerifier, UnitVerifier
from promsec_ci.llm.redact import redact
from promsec_ci.records import Cost, Finding, Fix, Notice, Unit
from promsec_ci.units import MODULE


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
        self.python = PythonVerifier(options, root, self.analyzer)
        self._budget_told = False
        # Where the loop's own time goes, for benchmarks: verification and the in-loop operator search.
        self.verify_seconds = 0.0
        self.search_seconds = 0.0

    def improve(self, unit: Unit, findings: list[Finding], text: str, outcome,
                verifier: UnitVerifier | None = None) -> LLMOutcome:
        """Try to do better than the operator search's ``outcome`` for ``unit`` of ``text``.

        Args:
            unit: the flagged unit.
            findings: its findings.
            text: the whole scanned file.
            outcome: the operators' outcome (``SearchOutcome`` or ``JavaFixOutcome``: fix,
                cwes_left, best_text, operators, directives, verifications, cost).
            verifier: how candidates of ``unit``'s language are verified; Python's by default
                (a Java unit needs the run's ``JavaFixer``).
        """
        clock = time.perf_counter()
        verifier = verifier or (self.python if unit.language == "python" else None)
        language = LANGUAGES.get(unit.language)
        runs, seconds = (verifier.analyzer_runs, verifier.analyzer_seconds) if verifier else (0, 0.0)
        spent = self.client.spent
        notices: list[Notice] = []
        if unit.name == MODULE or verifier is None or language is None:
            notices.append(Notice("LLM loop skipped: only functions and methods are regenerated",
                                  unit.path, "note"))
            return LLMOutcome(None, Cost(total_seconds=time.perf_counter() - clock), notices)
        run = _Run(self, unit, [f for f in findings if not f.suppressed], text, outcome, language, verifier)
        if not self.client.budget_left():
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
            analyzer_runs=verifier.analyzer_runs - runs,
            analyzer_seconds=verifier.analyzer_seconds - seconds,
            total_seconds=time.perf_counter() - clock,
        )
        fix = run.fix(cost)
        if fix is None and run.best is None and run.candidates and not notices:
            reasons = "; ".join(dict.fromkeys(c.reason for c in run.candidates))
            notices.append(Notice(f"no LLM fix for {unit.name}: every regeneration was rejected ({reasons})",
                                  unit.path, "note"))
        best = run.best or (run.candidates[-1] if run.candidates else None)
        return LLMOutcome(fix, cost, notices, best.prompt if best else None, len(run.candidates))


class _Run:
    """One call of ``LLMLoop.improve``: the unit, the candidates so far, the best one."""

    def __init__(self, loop: LLMLoop, unit: Unit, findings: list[Finding], text: str, outcome,
                 language: CodeLanguage, verifier: UnitVerifier) -> None:
        self.loop = loop
        self.language = language
        self.verifier = verifier
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
        self.directives = list(dict.fromkeys(
            d for d in [*outcome.directives, *verifier.directives(findings)] if d))

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
            located = self._locate(base_text)
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

        code = self.language.extract(answer, self.name)
        if code is None:
            return rejected(f"no code defining {self.name} in the answer ({_quote(answer)})")
        spliced = self.language.splice(self.text, self.unit, code, self.name)
        if spliced is None:
            return rejected("the answer's function could not be put back in the file")
        reason = placeholder_left(spliced.function)
        source_units = [self.unit.source, *(u.source for u in map(self._locate, sources) if u)]
        reason = reason or self.language.new_capability(spliced.function, source_units, self.text)
        if reason:
            return rejected(reason, spliced.text, spliced.function)
        clock = time.perf_counter()
        verdict = self.verifier.verify(self.text, spliced.text, self.unit, self.findings)
        self.loop.verify_seconds += time.perf_counter() - clock
        score = self.options.alpha * verdict.cwes_left + self.options.beta * (1 - verdict.similarity)
        return _Candidate(spliced.text, spliced.function, spliced.imports, prompt, verdict.cwes_left,
                          verdict.similarity, score, verdict.ok, verdict.reason)

    # -- helpers ----------------------------------------------------------------------------

    def _context(self, base_text: str) -> tuple[prompts.UnitContext | None, bool]:
        """The unit of ``base_text`` as it may be sent: dedented, imports it uses, secrets out."""
        unit = self._locate(base_text) if base_text != self.text else self.unit
        if unit is None:
            unit = self.unit
            base_text = self.text
        source = textwrap.dedent(unit.source).strip("\n") + "\n"
        redaction = redact(source, self.language.secret_lines(source), self.language.name)
        context = self.language.context(base_text, redaction.text, self.name)
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
        unit = self._locate(candidate.text)
        if unit is None:
            return candidate.text
        findings = self._findings_in(candidate.text, unit)
        tried = {(f.rule_id, normalise_code(f.code)) for f in self.findings}
        if not findings or {(f.rule_id, normalise_code(f.code)) for f in findings} <= tried:
            return candidate.text
        clock = time.perf_counter()
        try:
            outcome = self.verifier.search(unit, findings, candidate.text)
        except ImportError:
            return candidate.text
        finally:
            self.loop.search_seconds += time.perf_counter() - clock
        return outcome.best_text or candidate.text

    def _findings_in(self, text: str, unit: Unit) -> list[Finding]:
        return self.verifier.findings_in(text, unit)

    def _locate(self, text: str) -> Unit | None:
        """The unit with this unit's qualified name in ``text``."""
        return self.language.locate(text, self.unit)

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
        unit = self._locate(best.text)
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


def _minus(after: Cost, before: Cost) -> Cost:
    return Cost(**{f.name: getattr(after, f.name) - getattr(before, f.name) for f in dataclasses.fields(Cost)})


def _quote(answer: str, limit: int = 60) -> str:
    text = " ".join(answer.split())
    if not text:
        return "empty answer"
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
