"""Read the fingerprints of an earlier report of ours (JSON or SARIF) to hide known findings."""

from __future__ import annotations

import json
from pathlib import Path

from promsec_ci.errors import PromsecError
from promsec_ci.fingerprints import VERSION


def load_baseline(path: str) -> set[str]:
    """Fingerprints in a promsec-ci JSON report or a SARIF log written by promsec-ci."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromsecError(f"baseline not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PromsecError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict):
        raise PromsecError(f"baseline {path} is neither a promsec-ci JSON report nor SARIF")
    if "runs" in data:
        return {
            result["partialFingerprints"][VERSION]
            for run in data.get("runs") or []
            for result in run.get("results") or []
            if VERSION in (result.get("partialFingerprints") or {})
        }
    if data.get("schema") == "promsec-ci/report":
        return {f["fingerprint"] for f in data.get("findings", []) if f.get("fingerprint")}
    raise PromsecError(f"baseline {path} is neither a promsec-ci JSON report nor SARIF")
