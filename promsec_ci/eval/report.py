"""An evaluation's outputs: ``results.json``, ``report.md`` and PNG plots (matplotlib, Agg)."""

from __future__ import annotations

import json
from pathlib import Path

from promsec_ci.fileio import atomic_write


def write_outputs(out: Path, settings: dict, summary: dict, results: list[dict]) -> list[Path]:
    """Write everything for one run into ``out``; return the files written.

    Args:
        out: the output folder (exists).
        settings: data, strategy, graph, flags of the run.
        summary: ``metrics.summarize`` of ``results``.
        results: the per-record results.
    """
    written = []
    document = {"settings": settings, "summary": summary, "records": results}
    target = out / "results.json"
    atomic_write(target, json.dumps(document, indent=2, sort_keys=False) + "\n")
    written.append(target)
    plots = _plots(out, summary, results)
    written.extend(plots)
    target = out / "report.md"
    atomic_write(target, render_markdown(settings, summary, [p.name for p in plots]))
    written.append(target)
    return written


def render_markdown(settings: dict, summary: dict, plots: list[str]) -> str:
    """The human-readable report of one run."""
    s = summary
    b = s["behavior"]
    lines = [
        f"# promsec-ci eval: {settings['strategy']} on {settings['data']}",
        "",
        f"Graph: {settings['graph']} · gGAN: {_ggan(settings)} · "
        f"LLM: {settings.get('llm') or 'none'} · behaviour checks: {'on' if settings['behavior_check'] else 'off'}"
        f" · gate on behaviour: {'on' if settings['verify_behavior'] else 'off'}",
        *[f"Notice: {message}" for message in settings.get("notices", [])],
        "",
        "## Security (CWEs: unique rule+line Bandit findings with a CWE)",
        "",
        "| | before | after | removed |",
        "|---|---:|---:|---:|",
        f"| medium and high (counted) | {s['cwes_before']} | {s['cwes_after']} | {_fmt(s['cwes_removed_pct'])}% |",
        f"| all severities (low: B404 import subprocess, B603 ...) | {s['cwes_before_all']} | {s['cwes_after_all']} | "
        f"{_fmt(s['cwes_removed_all_pct'])}% |",
        "",
        f"Records: {s['records']} ({s['evaluated']} evaluated, {s['with_findings']} with findings, "
        f"{s['errors']} errors, skipped: {dict(s['skipped']) or 'none'}).",
        f"Files left with no CWE: {s['files_clean_after']} of {s['with_findings']} "
        f"({_fmt(s['files_clean_after_pct'])}%).",
        f"CWEs left after one iteration: {s['cwes_after_first_iteration']}.",
        f"Iterations to reach zero: {_pairs(s['iterations'])}.",
        "",
        "| CWE | before | after |",
        "|---|---:|---:|",
    ]
    for cwe in sorted(set(s["histogram_before"]) | set(s["histogram_after"]), key=_cwe_key):
        lines.append(f"| {cwe} | {s['histogram_before'].get(cwe, 0)} | {s['histogram_after'].get(cwe, 0)} |")
    lines += ["", "All severities: " + ", ".join(
        f"{cwe} {s['histogram_before_all'].get(cwe, 0)} -> {s['histogram_after_all'].get(cwe, 0)}"
        for cwe in sorted(set(s["histogram_before_all"]) | set(s["histogram_after_all"]), key=_cwe_key)) + "."]
    lines += [
        "",
        "## Functionality",
        "",
        f"Fixes applied: {s['fixes']} ({_pairs(s['fixes_by_operator']) or 'none'}).",
        f"Median token similarity of a fixed unit to the original: {_fmt(s['similarity_median'])}; "
        f"median graph similarity ({settings['graph']}): {_fmt(s['graph_similarity_median'])}.",
        "",
    ]
    if b["checked"]:
        lines += [
            f"Behaviour checks: {b['passed']} of {b['checked']} fixes pass ({_fmt(b['pass_rate_pct'])}%); "
            f"{b['exercised']} exercised ({b['with_refined_calls']} also complete calls on which the original failed); "
            f"probes exploiting the original: {b['probes_exploiting_original']}, "
            f"closed by the fix: {b['probes_closed_by_fix']}.",
        ]
        lines += [f"- failed: {reason}" for reason in b["failures"]]
    else:
        lines.append("Behaviour checks: not run (pass --behavior-check).")
    if settings["verify_behavior"]:
        lines.append(f"Candidate fixes the search rejected on behaviour (--verify-behavior): "
                     f"{s['candidates_rejected_by_behavior']}.")
    lines += ["", "## Cost", "", "| | sum | mean per record | median |", "|---|---:|---:|---:|"]
    for key, row in s["cost"].items():
        lines.append(f"| {key.replace('_', ' ')} | {row['sum']} | {row['mean']} | {row['median']} |")
    if plots:
        lines += ["", "## Plots", ""] + [f"![{name}]({name})" for name in plots]
    return "\n".join(lines) + "\n"


def _plots(out: Path, summary: dict, results: list[dict]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    ok = [r for r in results if r.get("status") == "ok"]

    cwes = sorted(set(summary["histogram_before"]) | set(summary["histogram_after"]), key=_cwe_key)
    fig, ax = plt.subplots(figsize=(max(5, len(cwes) * 0.8), 3.5))
    xs = range(len(cwes))
    ax.bar([x - 0.2 for x in xs], [summary["histogram_before"].get(c, 0) for c in cwes], 0.4, label="before")
    ax.bar([x + 0.2 for x in xs], [summary["histogram_after"].get(c, 0) for c in cwes], 0.4, label="after")
    ax.set_xticks(list(xs), cwes, rotation=45, ha="right")
    ax.set_ylabel("findings")
    ax.set_title("CWEs before and after")
    ax.legend()
    written.append(_save(fig, out / "cwe_histogram.png"))

    fig, ax = plt.subplots(figsize=(5, 3.5))
    top = max([r["cwes_before"] for r in ok] + [1])
    bins = [b - 0.5 for b in range(top + 2)]
    ax.hist([[r["cwes_before"] for r in ok], [r["cwes_after"] for r in ok]], bins=bins, label=["before", "after"])
    ax.set_xlabel("CWEs per code base")
    ax.set_ylabel("code bases")
    ax.legend()
    written.append(_save(fig, out / "cwes_per_code_base.png"))

    fig, ax = plt.subplots(figsize=(5, 3.5))
    labels = list(summary["iterations"])
    ax.bar(labels, [summary["iterations"][k] for k in labels])
    ax.set_xlabel("iterations to zero CWEs")
    ax.set_ylabel("code bases")
    written.append(_save(fig, out / "iterations.png"))

    fixes = [f for r in ok for f in r.get("fixes", [])]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    token = [f["similarity"] for f in fixes]
    graph = [f["graph_similarity"] for f in fixes if f["graph_similarity"] is not None]
    ax.hist([token, graph], bins=[i / 10 for i in range(11)], label=["token", "graph"])
    ax.set_xlabel("similarity of the fixed unit to the original")
    ax.set_ylabel("fixes")
    ax.legend()
    written.append(_save(fig, out / "similarity.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _ggan(settings: dict) -> str:
    if not settings["ggan"]:
        return "off"
    return "on" if settings.get("ggan_model_loaded") else "on, but no model loaded (enumeration order)"


def _cwe_key(label: str) -> int:
    digits = "".join(c for c in label if c.isdigit())
    return int(digits) if digits else 0


def _pairs(mapping: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in mapping.items())


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"
