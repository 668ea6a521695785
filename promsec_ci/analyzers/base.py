"""The analyzer contract: one verb, ``analyze(files) -> Analysis``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from promsec_ci.records import FileChange, Finding, Notice


@dataclass
class Analysis:
    """What one analyzer reports for a set of files."""

    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


class Analyzer(Protocol):
    name: str
    suffixes: tuple[str, ...]

    @property
    def version(self) -> str: ...

    def analyze(self, files: Sequence[FileChange]) -> Analysis: ...
