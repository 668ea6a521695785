"""Bandit, run in process on the text of each file (no subprocess, no re-read from disk).

``# nosec`` is not dropped: Bandit runs with nosec ignored and we mark the finding
``suppressed`` ourselves, so SARIF can carry an ``inSource`` suppression for it. Ruff's
flake8-bandit codes count too: ``# noqa: S108`` silences B108 on that line, as the project's
linter already does (a bare ``# noqa`` does not: it usually silences something else).

Sample finding::

    Finding(tool="bandit", rule_id="B608", rule_name="hardcoded_sql_expressions", cwe=89,
            severity=MEDIUM, confidence=LOW, path="app/db.py", start_line=12, ...)
"""

from __future__ import annotations

import io
import logging
import re
import tokenize
from collections.abc import Sequence
from functools import cache, lru_cache

from promsec_ci.analyzers.base import Analysis
from promsec_ci.fileio import encode_source
from promsec_ci.records import FileChange, Finding, Level, Notice

_LEVELS = {"LOW": Level.LOW, "MEDIUM": Level.MEDIUM, "HIGH": Level.HIGH}


class BanditAnalyzer:
    """Runs Bandit's test set over Python sources.

    Args:
        tests: when non-empty, only these test ids run.
        skip: test ids never run.
    """

    name = "bandit"
    suffixes = (".py",)

    def __init__(self, tests: Sequence[str] = (), skip: Sequence[str] = ()) -> None:
        self.tests = tuple(tests)
        self.skip = tuple(skip)
        self._manager = None

    @property
    def version(self) -> str:
        import bandit

        return bandit.__version__

    def analyze(self, files: Sequence[FileChange]) -> Analysis:
        """Findings and notices (unparsable files) for every Python file in ``files``."""
        findings: list[Finding] = []
        notices: list[Notice] = []
        for change in files:
            if not change.path.endswith(self.suffixes):
                continue
            found = self.analyze_text(change.text, change.path)
            if found is None:
                notices.append(Notice("skipped: Python syntax error, file not analyzed", change.path))
            else:
                findings.extend(found)
        return Analysis(findings=findings, notices=notices)

    def analyze_text(self, text: str, path: str) -> list[Finding] | None:
        """Findings in one source text, or ``None`` when Bandit cannot parse it."""
        manager = self._get_manager()
        manager.results = []
        manager.skipped = []
        manager._parse_file(path, io.BytesIO(encode_source(text)), [path])
        if manager.skipped:
            return None
        lines = text.splitlines()
        nosec = _nosec_lines(text) if "nosec" in text or "noqa" in text else {}
        return [_to_finding(issue, path, lines, nosec) for issue in manager.results]

    def _get_manager(self):
        if self._manager is None:
            self._manager = _new_manager(self.tests, self.skip)
        return self._manager


def _new_manager(tests: tuple[str, ...], skip: tuple[str, ...]):
    _quiet_bandit()
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    profile = {"include": set(tests), "exclude": set(skip)}
    return b_manager.BanditManager(b_config.BanditConfig(), "file", profile=profile, ignore_nosec=True)


@lru_cache(maxsize=1)
def _quiet_bandit() -> None:
    logging.getLogger("bandit").setLevel(logging.CRITICAL)


# Ruff's flake8-bandit rules: S<nnn> is Bandit's B<nnn>.
_NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_RUFF_BANDIT = re.compile(r"^S(\d{3})$", re.IGNORECASE)


def _nosec_lines(text: str) -> dict[int, set[str]]:
    """Line -> rule ids or names silenced by ``# nosec`` or ``# noqa: S<nnn>`` there (empty set:
    everything)."""
    from bandit.core.manager import _parse_nosec_comment

    result: dict[int, set[str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            parsed = _parse_nosec_comment(token.string)
            if parsed is not None:
                result[token.start[0]] = set(parsed)
            ruff = _ruff_bandit_codes(token.string)
            if ruff and result.get(token.start[0]) != set():
                result[token.start[0]] = result.get(token.start[0], set()) | ruff
    except (tokenize.TokenError, SyntaxError):
        pass
    return result


def _ruff_bandit_codes(comment: str) -> set[str]:
    """``{"B108"}`` for ``# noqa: S108, E501``."""
    match = _NOQA.search(comment)
    if match is None:
        return set()
    codes = re.split(r"[\s,]+", match.group("codes"))
    return {f"B{found.group(1)}" for code in codes if (found := _RUFF_BANDIT.match(code))}


@cache
def _rule_name(test_id: str, test: str) -> str:
    """Bandit names every blacklist hit "blacklist"; use the blacklist entry's own name."""
    from bandit.core import extension_loader

    entry = extension_loader.MANAGER.blacklist_by_id.get(test_id)
    return entry["name"] if entry else test


def _to_finding(issue, path: str, lines: list[str], nosec: dict[int, set[str]]) -> Finding:
    from bandit.core import docs_utils

    line_range = list(issue.linerange) or [issue.lineno]
    start, end = min(line_range), max(line_range)
    start = max(start, 1)
    end = min(max(end, start), max(len(lines), start))
    suppressed = False
    for line in range(start, end + 1):
        silenced = nosec.get(line)
        if silenced is not None and (not silenced or issue.test_id in silenced or issue.test in silenced):
            suppressed = True
    cwe = issue.cwe.id if issue.cwe is not None and issue.cwe.id else None
    return Finding(
        tool="bandit",
        rule_id=issue.test_id,
        rule_name=_rule_name(issue.test_id, issue.test),
        cwe=cwe,
        severity=_LEVELS.get(issue.severity, Level.UNDEFINED),
        confidence=_LEVELS.get(issue.confidence, Level.UNDEFINED),
        path=path,
        start_line=start,
        end_line=end,
        start_col=issue.col_offset or 0,
        end_col=issue.end_col_offset or 0,
        message=issue.text,
        code="\n".join(lines[start - 1 : end]),
        help_url=docs_utils.get_url(issue.test_id),
        suppressed=suppressed,
    )
