"""Line-independent identities for findings, so baselines and review comments survive edits
above a finding.

fingerprint = sha256(rule, repository-relative path, enclosing unit name, whitespace-normalised
flagged code, occurrence index of that code within the unit).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable

from promsec_ci.records import Finding, Unit

VERSION = "promsecFingerprint/v1"


def normalise_code(code: str) -> str:
    return " ".join(code.split())


def assign_fingerprints(findings: Iterable[Finding], unit_of: Callable[[Finding], Unit]) -> list[Finding]:
    """Copies of ``findings`` with ``fingerprint`` set; ``unit_of`` gives each one's unit."""
    ordered = sorted(findings, key=lambda f: (f.path, f.start_line, f.start_col, f.rule_id))
    seen: dict[tuple[str, str, str, str], int] = defaultdict(int)
    result = []
    for finding in ordered:
        unit = unit_of(finding)
        key = (finding.rule_id, finding.path, unit.name, normalise_code(finding.code))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\x1f".join([*key, str(occurrence)]).encode("utf-8")).hexdigest()
        result.append(dataclasses.replace(finding, fingerprint=digest[:32]))
    return result
