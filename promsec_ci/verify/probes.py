"""Exploit probes: inputs that must exploit the original unit and must not exploit the fix.

One probe kind per weakness class, chosen from the findings' rule ids and CWEs:

- ``sql`` (CWE-89): a tautology (``' OR '1'='1`` and its ``"``/numeric forms) makes the unit's
  queries hand out more rows, or change more rows, than a value that matches nothing; or
  ``zz' || 'injected`` is evaluated as SQL (``zzinjected`` is stored or returned).
- ``shell`` (CWE-78): ``; touch pwned`` (and ``&&``, ``$(...)``, backticks) reaches a shell with
  the separator live, i.e. outside quotes.
- ``path`` (CWE-22): ``../`` makes the unit touch a path outside every folder the benign call
  touched (its intended base).
- ``archive`` (CWE-22, Bandit B202): extracting an archive whose member is named
  ``../../../escaped.txt`` writes outside those folders.
- ``yaml`` (CWE-502): a ``!!python/object/apply:os.system`` document gets its command run.

Detection reads the harness's observations; nothing is executed for real.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from promsec_ci.records import Finding
from promsec_ci.verify.harness import shell_injected
from promsec_ci.verify.inputs import WORK, YAML_PAYLOAD

_RULES = {
    "B608": "sql", "B602": "shell", "B604": "shell", "B605": "shell", "B606": "shell", "B607": "shell",
    "B609": "shell", "B603": "shell", "B202": "archive", "B506": "yaml",
}
_CWES = {89: "sql", 78: "shell", 77: "shell", 22: "path", 502: "yaml"}
MARKER = "touch pwned"
INJECTED = "zzinjected"


@dataclass(frozen=True)
class ProbeKind:
    """A class of exploit: payloads to put in one string parameter, and the benign control."""

    name: str
    payloads: tuple[str, ...]
    control: str | None = None  # None: the benign example's own value


KINDS = {
    "sql": ProbeKind("sql", ("' OR '1'='1", '" OR "1"="1', "0 OR 1=1", "zz' || 'injected"), control="zz_nomatch"),
    "shell": ProbeKind("shell", ("x; touch pwned", "x && touch pwned", "$(touch pwned)", "`touch pwned`")),
    "path": ProbeKind("path", ("../secret.txt", "../../secret.txt", "../../../secret.txt",
                               "../../../../../../../../etc/passwd")),
    "archive": ProbeKind("archive", ("archives/evil.tar",)),
    "yaml": ProbeKind("yaml", (YAML_PAYLOAD, "data/evil.yaml")),
}


def kinds_for(findings: Sequence[Finding]) -> list[ProbeKind]:
    """The probe kinds the findings call for, in a stable order."""
    names = set()
    for finding in findings:
        name = _RULES.get(finding.rule_id) or _CWES.get(finding.cwe or 0)
        if name:
            names.add(name)
    return [KINDS[n] for n in ("sql", "shell", "path", "archive", "yaml") if n in names]


def succeeded(kind: str, probe: dict, control: dict) -> bool:
    """Whether the probe run ``probe`` exploited the unit, judged against the benign ``control``.

    Args:
        kind: the probe kind's name.
        probe: the harness observation of the call with the payload.
        control: the observation of the same call with the control value.
    """
    if kind == "sql":
        if INJECTED in json.dumps([probe.get("db"), probe.get("ret")]):
            return True  # the quote closed the literal and || ran as SQL
        return probe.get("rows", 0) > control.get("rows", 0) or _changed(probe) > _changed(control)
    if kind == "shell":
        return any(c["norm"][0] == "shell" and shell_injected(c["norm"][1], MARKER) for c in probe.get("commands", []))
    if kind == "yaml":
        return any(MARKER in " ".join(_command_words(c["norm"])) for c in probe.get("commands", []))
    if kind == "path":
        return bool(escapes(probe, control))
    if kind == "archive":
        return bool(escapes(probe, control, writes_only=True))
    return False


def escapes(probe: dict, control: dict, writes_only: bool = False) -> list[str]:
    """Paths the probe touched outside every folder the control touched (the unit's intended
    bases; the working directory when the control touched no file)."""
    bases = {os.path.dirname(path) for _, path, _ in control.get("paths", [])}
    if not bases:
        bases = {control.get("_work", WORK)}
    out = []
    for _, path, write in probe.get("paths", []):
        if writes_only and not write:
            continue
        if not any(_under(path, base) for base in bases):
            out.append(path)
    return out


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def _changed(observation: dict) -> int:
    seed = observation.get("_seed") or {}
    db = observation.get("db") or {}
    if not isinstance(db, dict) or "$error" in db:
        return 0
    count = 0
    for table, rows in db.items():
        before = seed.get(table, [])
        count += sum(1 for r in rows if r not in before) + sum(1 for r in before if r not in rows)
    return count


def _command_words(norm: list) -> list[str]:
    return norm[1] if norm[0] == "argv" else [norm[1]]
