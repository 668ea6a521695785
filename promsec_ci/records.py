"""Plain records that flow between the stages of a scan.

ChangeSet -> Finding -> Unit -> Fix -> Report. Every stage takes and returns these; none of them
sees raw Bandit objects, SARIF or host API payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    """Severity or confidence, ordered so that comparisons mean "at least"."""

    UNDEFINED = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {text!r} (use low, medium or high)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class FileChange:
    """One file to scan.

    Args:
        path: repository-relative POSIX path (the name every report uses).
        text: the content that was scanned (working tree, index or commit blob).
        added_lines: lines added or modified by the change; ``None`` when the whole file counts
            (plain path scans).
        context_lines: lines inside the change's hunks (added lines plus diff context).
    """

    path: str
    text: str
    added_lines: frozenset[int] | None = None
    context_lines: frozenset[int] | None = None


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not a finding (a file we could not analyze)."""

    message: str
    path: str | None = None
    level: str = "warning"  # "note" | "warning" | "error", as in SARIF notifications


@dataclass(frozen=True)
class ChangeSet:
    """What a scan looks at: files with their content, and where they came from."""

    root: str
    files: tuple[FileChange, ...]
    base_sha: str | None = None
    head_sha: str | None = None
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Edit:
    """Replace lines ``start_line..end_line`` (1-based, inclusive) with ``text``.

    ``end_line == start_line - 1`` is a pure insertion before ``start_line``. ``text`` is whole
    lines, each ending with a newline (empty for a deletion).
    """

    start_line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class Cost:
    """What producing a fix (or a whole run) cost, in the shape of the paper's Table 5."""

    llm_queries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    llm_seconds: float = 0.0
    analyzer_runs: int = 0
    analyzer_seconds: float = 0.0
    total_seconds: float = 0.0
    # Of input_tokens + output_tokens: how many we counted with tiktoken, or estimated as chars/4
    # (tiktoken's BPE file unavailable offline), because the server's answer had no ``usage``.
    tokens_counted: int = 0
    tokens_estimated: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            llm_queries=self.llm_queries + other.llm_queries,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            llm_seconds=self.llm_seconds + other.llm_seconds,
            analyzer_runs=self.analyzer_runs + other.analyzer_runs,
            analyzer_seconds=self.analyzer_seconds + other.analyzer_seconds,
            total_seconds=self.total_seconds + other.total_seconds,
            tokens_counted=self.tokens_counted + other.tokens_counted,
            tokens_estimated=self.tokens_estimated + other.tokens_estimated,
        )


@dataclass(frozen=True)
class Fix:
    """A verified secure rewrite of one unit.

    Args:
        path: repository-relative path of the file the fix edits.
        unit: qualified name of the rewritten unit (``"<module>"`` for module-level code).
        edits: line edits against the scanned text, bottom-up order not required; the first edit
            is the unit's replacement, any further edits add imports.
        operators: ids of the rewrite operators applied, or ``llm:<model>``.
        directives: one plain-English sentence per operator, the text that goes into prompts.
        cwes_removed: CWE ids the analyzer no longer reports in the unit.
        added_imports: import statements the fix adds to the file.
        similarity: token-sequence similarity of the unit before and after (0..1).
        verifications: candidates verified before this one was accepted (this one included).
        prompt: the optimized prompt p* when an LLM produced the fix.
        diff: unified diff of the fix against the scanned file, for terminals and comments.
    """

    path: str
    unit: str
    edits: tuple[Edit, ...]
    operators: tuple[str, ...]
    directives: tuple[str, ...] = ()
    cwes_removed: tuple[int, ...] = ()
    added_imports: tuple[str, ...] = ()
    description: str = ""
    similarity: float = 1.0
    verifications: int = 1
    prompt: str | None = None
    diff: str = ""
    cost: Cost = field(default_factory=Cost)


@dataclass(frozen=True)
class Finding:
    """One analyzer result, in a tool-neutral shape.

    Args:
        tool: analyzer name (``bandit``, ``spotbugs``, ``semgrep``).
        rule_id: the analyzer's test id (``B608``).
        rule_name: the analyzer's test name (``hardcoded_sql_expressions``).
        cwe: CWE number, when the analyzer gives one.
        path: repository-relative POSIX path.
        code: the flagged source lines, as they stand in the file.
        fingerprint: line-independent identity (see ``fingerprints.py``).
        suppressed: the line carries a ``# nosec`` for this rule; reported, never blocking.
        fix: a verified fix, when the fixer found one.
    """

    tool: str
    rule_id: str
    rule_name: str
    cwe: int | None
    severity: Level
    confidence: Level
    path: str
    start_line: int
    end_line: int
    message: str
    code: str = ""
    start_col: int = 0
    end_col: int = 0
    help_url: str = ""
    fingerprint: str = ""
    suppressed: bool = False
    fix: Fix | None = None

    @property
    def lines(self) -> range:
        return range(self.start_line, self.end_line + 1)


@dataclass(frozen=True)
class Unit:
    """The function, method or module-level statement enclosing a finding.

    Args:
        path: repository-relative path.
        name: qualified name (``Class.method``), ``"<module>"`` for module-level code.
        kind: ``function``, ``method`` or ``module``.
        start_line: first line, decorators included.
        end_line: last line.
        source: the unit's lines as they stand in the file (not dedented).
        language: ``python`` or ``java``.
    """

    path: str
    name: str
    kind: str
    start_line: int
    end_line: int
    source: str
    language: str = "python"


@dataclass(frozen=True)
class Report:
    """The result of one run, handed to every reporter and to the gate."""

    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...] = ()
    files_scanned: int = 0
    tools: dict[str, str] = field(default_factory=dict)  # analyzer name -> version
    base_sha: str | None = None
    head_sha: str | None = None
    started_at: str = ""
    finished_at: str = ""
    cost: Cost = field(default_factory=Cost)

    @property
    def fixes(self) -> list[Fix]:
        return [f.fix for f in self.findings if f.fix is not None]
