"""Checks shared by the injection operators' tests: exact rewrite, finding gone, nothing new."""

from __future__ import annotations

import runpy
from collections import Counter
from pathlib import Path
from textwrap import dedent

from promsec_ci.analyzers.bandit import BanditAnalyzer

BANDIT = BanditAnalyzer()
# Bandit's markers on any subprocess use (the verifier's RESIDUAL_RULES) plus B607: the
# shell looked the program up on PATH too, so the argument-list form adds no weakness.
SUBPROCESS_MARKERS = frozenset({"B404", "B603", "B607"})


def rules(text: str) -> Counter:
    found = BANDIT.analyze_text(text, "sample.py")
    assert found is not None, "sample does not parse"
    return Counter(f.rule_id for f in found)


def check(operator, before: str, line: int, after: str, rule: str, tolerated: frozenset[str] = frozenset()) -> None:
    """The rewrite at ``line`` is exactly ``after``, has one ``rule`` finding less, adds none."""
    before, after = dedent(before), dedent(after)
    old = rules(before)
    assert old[rule] >= 1, f"the sample has no {rule} finding"
    rewrite = operator.apply(before, line)
    assert rewrite is not None, "the operator refused"
    assert rewrite.text == after
    compile(rewrite.text, "sample.py", "exec")
    new = rules(rewrite.text)
    assert new[rule] < old[rule]
    grown = {r for r in new if new[r] > old[r]}
    assert not grown - tolerated, f"the rewrite introduced {grown - tolerated}"


def refuses(operator, source: str, line: int) -> bool:
    return operator.apply(dedent(source), line) is None


def run_module(tmp_path: Path, name: str, text: str) -> dict:
    """Run a sample module the test wrote itself (never code under review) and return its globals."""
    path = tmp_path / f"{name}.py"
    path.write_text(dedent(text), encoding="utf-8")
    return runpy.run_path(str(path))
