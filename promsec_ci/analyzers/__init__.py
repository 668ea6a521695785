"""Analyzers by name. Adding one: a module with a class that meets ``Analyzer``, one line here."""

from __future__ import annotations

from collections.abc import Callable

from promsec_ci.analyzers.base import Analysis, Analyzer
from promsec_ci.config import Options


def _bandit(options: Options) -> Analyzer:
    from promsec_ci.analyzers.bandit import BanditAnalyzer

    return BanditAnalyzer(tests=options.tests, skip=options.skip)


ANALYZERS: dict[str, Callable[[Options], Analyzer]] = {
    "bandit": _bandit,
}


def analyzers_for(suffixes: set[str], options: Options) -> list[Analyzer]:
    """The analyzers that handle at least one of the given file suffixes."""
    chosen = []
    for factory in ANALYZERS.values():
        analyzer = factory(options)
        if suffixes & set(analyzer.suffixes):
            chosen.append(analyzer)
    return chosen


__all__ = ["ANALYZERS", "Analysis", "Analyzer", "analyzers_for"]
