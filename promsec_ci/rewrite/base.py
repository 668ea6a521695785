"""What a rewrite operator is: metadata (CWE, rule ids, directive) plus a targeted rewrite.

An operator edits one statement of a module, the one at a given line (a node of the unit's
code graph), and returns the whole new module text. ``None`` means its precondition does not
hold there. The gGAN's action space is the set of (statement, operator) pairs where ``apply``
succeeds; the candidate search verifies the rewrites in the order the model ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ReviewGuidance(Enum):
    MERGE_WITHOUT_REVIEW = "merge-without-review"
    MERGE_AFTER_CURSORY_REVIEW = "merge-after-cursory-review"
    MERGE_AFTER_REVIEW = "merge-after-review"


@dataclass(frozen=True)
class OperatorMeta:
    """What an operator fixes and how to say it.

    Args:
        name: kebab-case id, unique (``yaml-safe-load``).
        cwes: CWE ids it addresses.
        rule_ids: analyzer rule ids whose findings it answers (``B506``).
        directive: one plain-English sentence for prompts ("load YAML with yaml.safe_load ...").
        summary: one line for reports.
        references: URLs (CWE page, library docs).
        review_guidance: how closely a reviewer should read the fix.
        production_only: not tried on test code, where what it fixes is expected (fixture
            passwords for a throwaway database).
    """

    name: str
    cwes: tuple[int, ...]
    rule_ids: tuple[str, ...]
    directive: str
    summary: str
    references: tuple[str, ...] = ()
    review_guidance: ReviewGuidance = ReviewGuidance.MERGE_AFTER_REVIEW
    production_only: bool = False

    @property
    def id(self) -> str:
        return f"promsec:python/{self.name}"


@dataclass(frozen=True)
class Rewrite:
    """The result of applying an operator at one statement.

    Args:
        text: the whole module after the rewrite.
        imports: import statements the rewrite added (``import subprocess``).
        line: the original line of the statement it rewrote.
    """

    text: str
    line: int
    imports: tuple[str, ...] = field(default=())


class Operator:
    """Base class: subclasses set ``meta`` and implement ``apply``."""

    meta: OperatorMeta

    def apply(self, source: str, line: int) -> Rewrite | None:
        """Rewrite the statement of ``source`` that contains ``line`` (1-based).

        Returns ``None`` when the precondition does not hold at that statement. Must never
        raise on well-formed Python; must keep formatting and comments outside the edit.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.meta.name!r})"
