"""The paper's other entry point: generate code from a user's prompt, then make it secure.

The model writes code for the prompt; Bandit analyzes it; each flagged unit goes through the
operator search (gGAN-ranked) and, when CWEs remain, the PromSec loop; the fixed code is analyzed
again, until nothing is reported or ``max_iterations`` rounds pass. The result is the secure code
and the optimized prompt p* (the inverted prompt plus directives of the fix that made it clean, or
the user's prompt plus the operators' directives when no regeneration was needed).

Java is generated but not verified: SpotBugs needs compiled classes with their dependencies, which
a lone generated file does not have; the result says so.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from promsec_ci.config import Options
from promsec_ci.errors import PromsecError
from promsec_ci.llm import prompts
from promsec_ci.llm.client import LLMClient, LLMError
from promsec_ci.llm.extract import extract_any_code, fenced_blocks, looks_like_refusal
from promsec_ci.records import Cost, Finding, Notice


@dataclass(frozen=True)
class Generated:
    """What ``generate`` produced.

    Args:
        code: the final code.
        prompt: the optimized prompt p*.
        findings: findings left in ``code`` (empty when it is clean).
        verified: the code was analyzed (False for Java).
        rounds: fix rounds run.
        notices: anything worth telling the user.
        cost: LLM and analyzer cost of the whole generation.
    """

    code: str
    prompt: str
    findings: tuple[Finding, ...]
    verified: bool
    rounds: int
    notices: tuple[Notice, ...]
    cost: Cost


def generate(prompt: str, options: Options, root: str, client: LLMClient, *, language: str = "python",
             path: str = "generated.py") -> Generated:
    """Generate code for ``prompt`` and fix it until the analyzer reports nothing.

    Args:
        prompt: the user's prompt.
        options: LLM, fixing and gate options.
        root: where the cache and the gGAN model are looked up.
        client: the chat client.
        language: ``python`` or ``java``.
        path: the file name findings and fixes refer to.

    Raises ``PromsecError`` when the model gives no code at all.
    """
    clock = time.perf_counter()
    try:
        answer = client.complete(prompts.generation_messages(prompt, language))
    except LLMError as exc:
        raise PromsecError(f"generate: {exc}") from None
    code = _code_of(answer.text, language)
    if code is None:
        what = "refused" if looks_like_refusal(answer.text) else "gave no code"
        raise PromsecError(f"generate: the model {what} ({' '.join(answer.text.split())[:80]!r})")
    if language != "python":
        notice = Notice("Java code is not analyzed by generate (SpotBugs needs compiled classes): not verified",
                        level="warning")
        return Generated(code, prompt, (), False, 0, (notice,), _total(client.spent, Cost(), clock))
    return _secure(prompt, code, options, root, client, path, clock)


def _secure(prompt: str, code: str, options: Options, root: str, client: LLMClient, path: str,
            clock: float) -> Generated:
    from promsec_ci.fixes import apply_edits
    from promsec_ci.llm.loop import CountingAnalyzer, LLMLoop
    from promsec_ci.search import FixSearch
    from promsec_ci.units import UnitIndex

    analyzer = CountingAnalyzer(options.tests, options.skip)
    search = FixSearch(options, root)
    loop = LLMLoop(options, root, client) if options.strategy != "a2" else None
    notices: list[Notice] = list(search.notices)
    cost = Cost()
    directives: list[str] = []
    llm_prompts: list[str] = []
    unfixable: set[str] = set()
    rounds = 0
    findings = _findings(analyzer, code, path, options)
    while findings and rounds < options.max_iterations:
        index = UnitIndex(code, path)
        pending = [(index.locate(f.start_line, f.end_line), f) for f in findings]
        pending = [(u, f) for u, f in pending if (u.name, u.start_line) not in unfixable]
        if not pending:
            break
        rounds += 1
        unit = pending[0][0]
        unit_findings = [f for u, f in pending if u.start_line == unit.start_line and u.name == unit.name]
        outcome = search.search(unit, unit_findings, code)
        cost, fix = cost + outcome.cost, outcome.fix
        notices.extend(outcome.notices)
        if loop is not None and (fix is None or outcome.cwes_left > 0):
            improved = loop.improve(unit, unit_findings, code, outcome)
            cost = cost + _without_llm(improved.cost)
            notices.extend(improved.notices)
            fix = improved.fix or fix
        new_code = apply_edits(code, fix.edits) if fix is not None else None
        if fix is None or new_code is None:
            unfixable.add((unit.name, unit.start_line))
            continue
        code = new_code
        directives.extend(fix.directives)
        if fix.prompt:
            llm_prompts.append(fix.prompt)
        findings = _findings(analyzer, code, path, options)
    cost = cost + Cost(analyzer_runs=analyzer.runs, analyzer_seconds=analyzer.seconds)
    if llm_prompts:
        final_prompt = "\n\n".join(llm_prompts)
    else:
        final_prompt = prompts.optimized_prompt(prompt, directives, "")
    return Generated(code, final_prompt, tuple(findings), True, rounds, tuple(notices),
                     _total(client.spent, cost, clock))


def _findings(analyzer, code: str, path: str, options: Options) -> list[Finding]:
    found = analyzer.analyze_text(code, path)
    if found is None:
        return []
    skipped = set(options.skip)
    return [f for f in found if not f.suppressed and f.severity >= options.severity
            and f.rule_id not in skipped and f.rule_name not in skipped]


def _code_of(answer: str, language: str) -> str | None:
    if language == "python":
        return extract_any_code(answer)
    blocks = [body for tag, body in fenced_blocks(answer) if tag in ("", "java")]
    return blocks[0].strip("\n") + "\n" if blocks and blocks[0].strip() else None


def _without_llm(cost: Cost) -> Cost:
    """The loop's cost minus its LLM part (the client's running total already has that)."""
    return dataclasses.replace(cost, llm_queries=0, input_tokens=0, output_tokens=0, llm_seconds=0.0,
                               tokens_counted=0, tokens_estimated=0, total_seconds=0.0)


def _total(llm: Cost, other: Cost, clock: float) -> Cost:
    return dataclasses.replace(llm + other, total_seconds=time.perf_counter() - clock)
