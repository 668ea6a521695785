"""``promsec-ci eval``: the paper's experiments on a dataset, with measured numbers.

Writes ``results.json``, ``report.md`` and PNG plots into ``--out``; resumes an interrupted run
from ``<out>/records-<strategy>-<graph>.jsonl``. Exit codes: 0 done, 2 usage, data or
configuration errors (a strategy or prompt-only dataset that needs an LLM when none is set).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from promsec_ci.cli.options import llm_options, option_overrides
from promsec_ci.config import GRAPH_KINDS

if TYPE_CHECKING:
    from promsec_ci.cli.app import App


@click.command("eval", short_help="Evaluate a fixing strategy on a dataset (the paper's metrics).")
@click.option("--data", required=True, type=click.Path(),
              help="JSONL records with code (code / vulnerable_code / insecure_code) or prompt, "
              "or a folder of .py files.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for results.json, report.md and plots.")
@click.option("--graph", type=click.Choice(GRAPH_KINDS),
              help="Code graph of the gGAN and of graph similarity (default cfg).")
@click.option("--ggan/--no-ggan", "ggan", default=None, help="Rank operator edits with the gGAN (default on).")
@click.option("--behavior-check/--no-behavior-check", "behavior_check", default=False,
              help="Measure every applied fix with a sandboxed behaviour check (runs the dataset's code).")
@click.option("--limit", type=click.IntRange(min=1), help="Evaluate only the first N records.")
@click.option("--holdout", type=click.IntRange(1, 99),
              help="Evaluate only the records `promsec-ci train --holdout PCT` kept out of training.")
@click.option("--model-dir", type=click.Path(file_okay=False), help="Folder with the gGAN model (ggan-<graph>.pt).")
@click.option("--config", "config_path", type=click.Path(), help="TOML file with [tool.promsec-ci].")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar (default on).")
@llm_options
@click.pass_obj
def eval_command(app: App, *, data, out, graph, ggan, behavior_check, limit, holdout, model_dir, config_path,
                 progress, llm_overrides) -> None:
    """Run --strategy (promsec, bl1, bl2, a1 need an LLM; a2 = operators + gGAN) over --data and
    report CWEs before/after, iterations, similarity, behaviour-check pass rate and cost."""
    from promsec_ci.changes import find_root
    from promsec_ci.config import load_options
    from promsec_ci.eval import EvalRun, run_eval

    root = find_root(".")
    # --verify-behavior (with the LLM flags) gates the search itself; --behavior-check only measures
    overrides = {**llm_overrides, **option_overrides(graph=graph, ggan=ggan, model_dir=model_dir)}
    options = load_options(config_path, root, overrides)
    run = EvalRun(data=data, out=out, options=options, root=root, behavior_check=behavior_check, limit=limit,
                  holdout=holdout)
    summary = run_eval(run, progress=progress)
    behavior = summary["behavior"]
    app.display_info(
        f"{summary['evaluated']} records: CWEs {summary['cwes_before']} -> {summary['cwes_after']} "
        f"({_fmt(summary['cwes_removed_pct'])}% removed), {summary['files_clean_after']} of "
        f"{summary['with_findings']} code bases clean, {summary['fixes']} fixes"
        + (f", behaviour {behavior['passed']}/{behavior['checked']} pass" if behavior["checked"] else "")
    )
    app.display_info(f"wrote {run.out}/results.json, {run.out}/report.md and plots")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"
