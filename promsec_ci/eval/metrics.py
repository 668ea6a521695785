"""The paper's metrics over a run's per-record results.

- CWE count per code base before and after, and the histogram of CWE ids before and after
  (Q1-style effectiveness), files left with none;
- iterations (rounds) needed to reach zero, and CWEs left after one iteration;
- token and graph similarity of each fixed unit to the original (functionality kept);
- behaviour-check pass rate of the applied fixes, how many were exercised, probes closed;
- the cost table: wall time, LLM queries and tokens, analyzer runs and time.
"""

from __future__ import annotations

import statistics
from collections import Counter


def summarize(results: list[dict]) -> dict:
    """Aggregate the per-record results of one run (records in any order)."""
    ok = [r for r in results if r.get("status") == "ok"]
    flagged = [r for r in ok if r["cwes_before"] > 0]
    fixes = [f for r in ok for f in r.get("fixes", [])]
    before = sum(r["cwes_before"] for r in ok)
    after = sum(r["cwes_after"] for r in ok)
    before_all = sum(r["cwes_before_all"] for r in ok)
    after_all = sum(r["cwes_after_all"] for r in ok)
    return {
        "records": len(results),
        "evaluated": len(ok),
        "skipped": Counter(r.get("reason", "") for r in results if r.get("status") == "skipped"),
        "errors": sum(1 for r in results if r.get("status") == "error"),
        "with_findings": len(flagged),
        "cwes_before": before,
        "cwes_after": after,
        "cwes_removed_pct": _pct(before - after, before),
        "cwes_before_all": before_all,
        "cwes_after_all": after_all,
        "cwes_removed_all_pct": _pct(before_all - after_all, before_all),
        "files_clean_after": sum(1 for r in flagged if r["cwes_after"] == 0),
        "files_clean_after_pct": _pct(sum(1 for r in flagged if r["cwes_after"] == 0), len(flagged)),
        "cwes_after_first_iteration": sum(r["cwes_after_first"] for r in flagged),
        "histogram_before": _histogram(r["cwe_ids_before"] for r in ok),
        "histogram_after": _histogram(r["cwe_ids_after"] for r in ok),
        "histogram_before_all": _histogram(r["cwe_ids_before_all"] for r in ok),
        "histogram_after_all": _histogram(r["cwe_ids_after_all"] for r in ok),
        "iterations": dict(sorted(Counter(_iteration_label(r["iterations"]) for r in flagged).items())),
        "fixes": len(fixes),
        "fixes_by_operator": dict(Counter(op for f in fixes for op in f["operators"]).most_common()),
        "similarity_median": _median(f["similarity"] for f in fixes),
        "graph_similarity_median": _median(f["graph_similarity"] for f in fixes),
        "behavior": _behavior(fixes),
        "candidates_rejected_by_behavior": sum(1 for r in ok for n in r.get("notices", [])
                                               if n.startswith("behaviour check rejected")),
        "cost": _cost(ok),
    }


def _behavior(fixes: list[dict]) -> dict:
    checked = [f["behavior"] for f in fixes if f.get("behavior")]
    passed = [b for b in checked if b["ok"]]
    probes = [p for b in checked for p in b["probes"] if p["original"]]
    return {
        "checked": len(checked),
        "passed": len(passed),
        "pass_rate_pct": _pct(len(passed), len(checked)),
        "exercised": sum(1 for b in checked if b["exercised"]),
        "with_refined_calls": sum(1 for b in checked if b.get("refined")),
        "probes_exploiting_original": len(probes),
        "probes_closed_by_fix": sum(1 for p in probes if not p["fixed"]),
        "failures": [b["reason"] for b in checked if not b["ok"]][:20],
    }


def _cost(results: list[dict]) -> dict:
    keys = ("total_seconds", "llm_queries", "input_tokens", "output_tokens", "llm_seconds", "analyzer_runs",
            "analyzer_seconds")
    table = {}
    for key in keys:
        values = [r["cost"].get(key, 0) for r in results if r.get("cost")]
        table[key] = {"sum": round(sum(values), 4), "mean": round(sum(values) / len(values), 4) if values else 0.0,
                      "median": round(statistics.median(values), 4) if values else 0.0}
    return table


def _histogram(lists) -> dict[str, int]:
    counts = Counter(f"CWE-{cwe}" for ids in lists for cwe in ids)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _iteration_label(value: int | None) -> str:
    return "not clean" if value is None else str(value)


def _median(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
