"""Checks shared by the operator tests: the rewrite is exact, clears its rule and adds nothing."""

from collections import Counter
from textwrap import dedent

from promsec_ci.analyzers.bandit import BanditAnalyzer

BANDIT = BanditAnalyzer()


def rules(text: str) -> Counter:
    found = BANDIT.analyze_text(text, "sample.py")
    assert found is not None, "sample does not parse"
    return Counter(f.rule_id for f in found)


def check(operator, before: str, line: int, after: str, rule: str) -> None:
    """The rewrite at ``line`` is exactly ``after``, clears ``rule`` and adds no finding."""
    before, after = dedent(before), dedent(after)
    assert rules(before)[rule] >= 1
    rewrite = operator.apply(before, line)
    assert rewrite is not None
    assert rewrite.text == after
    assert rules(after)[rule] == 0
    assert not rules(after) - rules(before), "the rewrite introduced a finding"
