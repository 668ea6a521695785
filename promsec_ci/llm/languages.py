"""What the LLM loop needs to handle one language's code, and what it needs from its verifier.

``CodeLanguage`` bundles the language's text handling (pull the unit out of an answer, put it
back in the file, describe it to the model, find its secrets, guard its capabilities, find it
again in a rewritten file). ``UnitVerifier`` is the verification side: Python's is
``PythonVerifier`` here (StaticVerifier over Bandit and the libcst operator search), Java's is
``promsec_ci.java.fixer.JavaFixer`` (javac plus the Java analyzer, and the Java operators).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from promsec_ci.config import Options
from promsec_ci.llm import prompts
from promsec_ci.llm.extract import extract_function, extract_java_method
from promsec_ci.llm.guard import java_new_capability, new_capability
from promsec_ci.llm.redact import java_password_lines, password_lines
from promsec_ci.llm.splice import Spliced, splice, splice_java
from promsec_ci.records import Finding, Unit


class UnitVerifier(Protocol):
    """The loop's verifier for one language.

    ``verify`` returns a ``promsec_ci.verify.static.Verdict`` (``ok``, ``reason``, ``cwes_left``,
    ``similarity``); ``search`` (the operator search) returns an outcome with ``best_text`` (the operators'
    best candidate, ``None`` when none applied); ``analyzer_runs`` / ``analyzer_seconds`` are
    running totals the loop reads before and after each unit.
    """

    @property
    def analyzer_runs(self) -> int: ...

    @property
    def analyzer_seconds(self) -> float: ...

    def verify(self, original_text: str, candidate_text: str, unit: Unit, findings: Sequence[Finding]) -> Any: ...

    def findings_in(self, text: str, unit: Unit) -> list[Finding]: ...

    def search(self, unit: Unit, findings: Sequence[Finding], text: str) -> Any: ...

    def directives(self, findings: Sequence[Finding]) -> list[str]: ...


@dataclass(frozen=True)
class CodeLanguage:
    """One language's code handling for the loop.

    Args:
        name: ``python`` or ``java`` (the fence tag and ``Unit.language``).
        extract: (answer, bare name) -> the code defining the unit, or ``None``.
        splice: (file, unit, code, bare name) -> the file with the unit replaced, or ``None``.
        context: (file, unit code, bare name) -> what may be sent about the unit.
        secret_lines: dedented unit source -> lines holding hard-coded passwords.
        new_capability: (candidate, source units, file) -> why the candidate gains a capability, or ``None``.
        locate: (file, unit) -> the unit of the same qualified name in that file, or ``None``.
    """

    name: str
    extract: Callable[[str, str], str | None]
    splice: Callable[[str, Unit, str, str], Spliced | None]
    context: Callable[[str, str, str], prompts.UnitContext]
    secret_lines: Callable[[str], frozenset[int]]
    new_capability: Callable[[str, list[str], str], str | None]
    locate: Callable[[str, Unit], Unit | None]


def _locate_python(text: str, unit: Unit) -> Unit | None:
    return _locate_python_name(text, unit.path, unit.name)


@lru_cache(maxsize=64)
def _locate_python_name(text: str, path: str, name: str) -> Unit | None:
    from promsec_ci.fixes import locate_unit

    return locate_unit(text, path, name)


def _locate_java(text: str, unit: Unit) -> Unit | None:
    from promsec_ci.java.units import JavaUnitIndex

    return JavaUnitIndex(text, unit.path).find(unit.name, near=unit.start_line)


PYTHON = CodeLanguage("python", extract_function, splice, prompts.unit_context, password_lines, new_capability,
                      _locate_python)
JAVA = CodeLanguage("java", extract_java_method, splice_java, prompts.java_unit_context, java_password_lines,
                    java_new_capability, _locate_java)
LANGUAGES = {language.name: language for language in (PYTHON, JAVA)}


class PythonVerifier:
    """Python's ``UnitVerifier``: the StaticVerifier over Bandit, and the libcst operator search.

    Args:
        options: thresholds, skips, model settings.
        root: the repository root (the operator search loads its model relative to it).
        analyzer: the Bandit analyzer that counts the loop's runs (``CountingAnalyzer``).
    """

    def __init__(self, options: Options, root: str, analyzer) -> None:
        self.options = options
        self.root = root
        self.analyzer = analyzer
        self._verifier = None
        self._search = None

    @property
    def analyzer_runs(self) -> int:
        return self.analyzer.runs

    @property
    def analyzer_seconds(self) -> float:
        return self.analyzer.seconds

    @property
    def verifier(self):
        if self._verifier is None:
            from promsec_ci.verify.static import StaticVerifier

            self._verifier = StaticVerifier(self.options, self.analyzer)
        return self._verifier

    def verify(self, original_text: str, candidate_text: str, unit: Unit, findings: Sequence[Finding]):
        return self.verifier.verify(original_text, candidate_text, unit, findings)

    def findings_in(self, text: str, unit: Unit) -> list[Finding]:
        found = self.analyzer.analyze_text(text, unit.path) or []
        return [f for f in found if unit.start_line <= f.start_line <= unit.end_line and not f.suppressed]

    def search(self, unit: Unit, findings: Sequence[Finding], text: str):
        """The operator search over a regenerated candidate (the gGAN step inside the loop)."""
        if self._search is None:
            from promsec_ci.search import FixSearch

            self._search = FixSearch(self.options, self.root)
        return self._search.search(unit, list(findings), text)

    def directives(self, findings: Sequence[Finding]) -> list[str]:
        """Directives of every operator answering the findings' rules."""
        from promsec_ci.rewrite import REGISTRY

        return [operator.meta.directive for finding in findings for operator in REGISTRY.by_rule_id(finding.rule_id)]
