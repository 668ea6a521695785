"""Analyzers by name. Adding one: a module with a class that meets ``Analyzer``, one line here."""

from __future__ import annotations

from collections.abc import Callable

from promsec_ci.analyzers.base import Analysis, Analyzer
from promsec_ci.config import Options


def _bandit(options: Options) -> Analyzer:
    from promsec_ci.analyzers.bandit import BanditAnalyzer

    return BanditAnalyzer(tests=options.tests, skip=options.skip)


def _spotbugs(options: Options) -> Analyzer | None:
    from promsec_ci.analyzers.spotbugs import SpotBugsAnalyzer, find_engine

    if options.java_analyzer not in ("spotbugs", "both") or find_engine() is None:
        return None
    return SpotBugsAnalyzer(cache_dir=options.cache_dir, classes_dir=options.java_classes)


def _semgrep(options: Options) -> Analyzer | None:
    from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer
    from promsec_ci.analyzers.spotbugs import find_engine

    if options.java_analyzer == "semgrep":
        return SemgrepJavaAnalyzer()
    if find_engine() is None:  # spotbugs (or both) asked for, none installed: semgrep stands in
        return SemgrepJavaAnalyzer(note="neither SpotBugs nor FindBugs is installed: Java analyzed with semgrep")
    return SemgrepJavaAnalyzer() if options.java_analyzer == "both" else None


ANALYZERS: dict[str, Callable[[Options], Analyzer | None]] = {
    "bandit": _bandit,
    "spotbugs": _spotbugs,
    "semgrep": _semgrep,
}


def analyzers_for(suffixes: set[str], options: Options) -> list[Analyzer]:
    """The analyzers that handle at least one of the given file suffixes."""
    chosen = []
    for factory in ANALYZERS.values():
        analyzer = factory(options)  # None: switched off by the options
        if analyzer is not None and suffixes & set(analyzer.suffixes):
            chosen.append(analyzer)
    return chosen


__all__ = ["ANALYZERS", "Analysis", "Analyzer", "analyzers_for"]
