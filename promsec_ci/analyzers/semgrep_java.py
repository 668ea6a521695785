"""Semgrep on Java source with the project's own rules (``java_rules.yaml``), fully offline.

Works on source text, so it needs no build and no dependencies on the classpath: the backend of
choice for code that does not compile alone. Runs with ``--metrics=off --disable-version-check``
and a local rules file (never ``--validate``, which reaches for the registry).

Sample finding::

    Finding(tool="semgrep", rule_id="java-sql-concat", rule_name="java_sql_concat", cwe=89,
            severity=HIGH, confidence=MEDIUM, path="src/main/java/app/Users.java", start_line=14, ...)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from promsec_ci.analyzers.base import Analysis
from promsec_ci.records import FileChange, Finding, Level, Notice

RULES_FILE = Path(__file__).with_name("java_rules.yaml")
_SEVERITY = {"ERROR": Level.HIGH, "WARNING": Level.MEDIUM, "INFO": Level.LOW}
_CWE_URL = "https://cwe.mitre.org/data/definitions/{}.html"


def find_semgrep() -> str | None:
    """The semgrep executable, or ``None``."""
    return shutil.which("semgrep")


class SemgrepJavaAnalyzer:
    """Runs Semgrep with ``java_rules.yaml`` over the changed ``.java`` files.

    Args:
        rules: the rules file (default: the project's own).
        timeout: seconds allowed for one Semgrep run.
        note: a notice to add to any run that sees Java files (why semgrep stands in).
    """

    name = "semgrep"
    suffixes = (".java",)

    def __init__(
        self, rules: str | os.PathLike[str] = RULES_FILE, timeout: float = 300.0, note: str | None = None
    ) -> None:
        # Absolute: semgrep runs inside a scratch folder, where a relative path would not resolve.
        self.rules = Path(rules).resolve()
        self.note = note
        self.timeout = timeout
        self.executable = find_semgrep()
        self._version = "unknown"
        self.seconds = 0.0

    @property
    def version(self) -> str:
        return self._version

    def analyze(self, files: Sequence[FileChange]) -> Analysis:
        """Findings in the changed Java files (their scanned text, not what is on disk)."""
        java = [f for f in files if f.path.endswith(self.suffixes)]
        if not java:
            return Analysis()
        if self.executable is None:
            return Analysis(notices=[Notice("Java not analyzed: semgrep is not installed (pip install semgrep)")])
        clock = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="promsec-semgrep-") as scratch:
                analysis = self._analyze(java, Path(scratch))
        finally:
            self.seconds = time.perf_counter() - clock
        if self.note:
            analysis.notices.insert(0, Notice(self.note, level="note"))
        return analysis

    def analyze_text(self, text: str, path: str) -> list[Finding] | None:
        """Findings in one Java source, or ``None`` when Semgrep could not parse it or did not run."""
        analysis = self.analyze([FileChange(path=path, text=text)])
        if any(n.path == path or n.level == "error" for n in analysis.notices):
            return None
        return analysis.findings

    def _analyze(self, files: list[FileChange], scratch: Path) -> Analysis:
        texts: dict[str, str] = {}
        for number, change in enumerate(files):
            # Scratch names are neutral: a repository path may hold "..", spaces or a leading "-".
            name = f"f{number}/{Path(change.path).name}"
            target = scratch / name
            target.parent.mkdir(parents=True)
            target.write_text(change.text, encoding="utf-8")
            texts[name] = change.path
        command = [
            str(self.executable), "scan", "--config", str(self.rules), "--json", "--metrics=off",
            "--disable-version-check", "--quiet", "--no-git-ignore", "--timeout", "30", "--jobs", "1",
            *sorted(texts),
        ]
        env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
        try:
            result = subprocess.run(command, cwd=scratch, capture_output=True, text=True, env=env,
                                    timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            return Analysis(notices=[Notice(f"semgrep timed out after {self.timeout:.0f} s", level="error")])
        except OSError as exc:
            return Analysis(notices=[Notice(f"semgrep failed: {exc}", level="error")])
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            lines = (result.stderr or "no output").strip().splitlines()
            return Analysis(notices=[Notice(f"semgrep failed: {lines[-1] if lines else 'no output'}", level="error")])
        self._version = str(report.get("version") or self._version)
        sources = {path: change.text for path, change in zip(texts.values(), files, strict=True)}
        return parse_semgrep_json(report, texts, sources)


def parse_semgrep_json(report: dict, names: dict[str, str], sources: dict[str, str]) -> Analysis:
    """Findings and notices from Semgrep's ``--json`` output.

    Args:
        report: the parsed JSON.
        names: path as Semgrep saw it -> repository path.
        sources: repository path -> scanned text.
    """
    findings = []
    for result in report.get("results", []):
        path = names.get(result.get("path", ""))
        if path is None:
            continue
        findings.append(_to_finding(result, path, sources[path]))
    notices = []
    for error in report.get("errors", []):
        path = names.get(error.get("path", ""))
        kind = error.get("type", "error")
        if isinstance(kind, list):
            kind = kind[0] if kind else "error"
        if path is not None:
            notices.append(Notice(f"semgrep could not analyze this file ({kind})", path))
        elif not error.get("path") and error.get("level") == "error":
            # A run-level error (bad rules file, missing config) would otherwise pass as "no findings".
            message = str(error.get("message") or kind).strip().splitlines()[0]
            notices.append(Notice(f"semgrep failed: {message}", level="error"))
    return Analysis(findings=findings, notices=notices)


def _to_finding(result: dict, path: str, text: str) -> Finding:
    extra = result.get("extra", {})
    metadata = extra.get("metadata", {}) or {}
    rule_id = str(result.get("check_id", "unknown")).rpartition(".")[2]  # semgrep prefixes the rules' folder
    cwe = metadata.get("cwe")
    cwe = int(cwe) if isinstance(cwe, int) or (isinstance(cwe, str) and cwe.isdigit()) else None
    lines = text.splitlines()
    start = max(int(result.get("start", {}).get("line", 1)), 1)
    end = max(int(result.get("end", {}).get("line", start)), start)
    try:
        confidence = Level.parse(str(metadata.get("confidence", "medium")))
    except ValueError:
        confidence = Level.MEDIUM
    return Finding(
        tool="semgrep",
        rule_id=rule_id,
        rule_name=rule_id.replace("-", "_"),
        cwe=cwe,
        severity=_SEVERITY.get(str(extra.get("severity", "")).upper(), Level.MEDIUM),
        confidence=confidence,
        path=path,
        start_line=start,
        end_line=end,
        start_col=max(int(result.get("start", {}).get("col", 1)) - 1, 0),
        end_col=max(int(result.get("end", {}).get("col", 1)) - 1, 0),
        message=" ".join(str(extra.get("message", rule_id)).split()),
        code="\n".join(lines[start - 1 : end]),
        help_url=_CWE_URL.format(cwe) if cwe else "",
    )
