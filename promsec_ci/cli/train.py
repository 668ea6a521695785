"""``promsec-ci train``: train the gGAN on JSONL datasets and write the model and its card."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from promsec_ci.cli.app import App


@click.command(short_help="Train the gGAN edit ranker on JSONL datasets.")
@click.option("--data", "data", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSONL dataset (repeatable): promsec_train, SVEN pairs, CyberSecEval, LLMSecEval.")
@click.option("--graph", "kind", type=click.Choice(["cfg", "ast", "dfg"]), default="cfg", show_default=True,
              help="Code graph kind.")
@click.option("--epochs", type=click.IntRange(min=1), default=30, show_default=True, help="Training epochs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (fixes the result on CPU).")
@click.option("--out", "out", type=click.Path(file_okay=False), default="models", show_default=True,
              help="Output folder for ggan-<graph>.pt, its card and the loss curves.")
@click.option("--exclude-cwe", "exclude_cwes", multiple=True, type=int,
              help="Leave units with findings of this CWE out of training (repeatable).")
@click.option("--holdout", "holdout", type=click.IntRange(0, 99), default=20, show_default=True,
              help="Percent of records (by crc32 of their id) kept out of training for evaluation.")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False), default=".promsec-cache",
              show_default=True, help="Cache of measured edits (content-hashed).")
@click.pass_obj
def train(app: App, *, data, kind, epochs, seed, out, exclude_cwes, holdout, cache_dir) -> None:
    """Measure every applicable edit of the flagged units in the datasets with Bandit, train the
    generator and discriminator (PromSec Algorithm 1) and write the model to OUT."""
    from promsec_ci.ggan.train import TrainConfig, collect, save_model
    from promsec_ci.ggan.train import train as run_training

    config = TrainConfig(kind=kind, epochs=epochs, seed=seed, holdout_percent=holdout,
                         exclude_cwes=tuple(exclude_cwes))
    try:
        dataset = collect(data, config, cache_dir)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        app.abort(f"cannot read training data: {exc}")
    if not dataset.train:
        app.abort("no trainable units: no flagged unit in the data has an applicable operator")
    app.display_info(f"{len(dataset.train)} training units, {len(dataset.held_out)} held out, "
                     f"{len(dataset.excluded)} excluded, {len(dataset.real)} clean graphs")
    result = run_training(dataset, config)
    path = save_model(result, config, out, extra={
        "data": [Path(p).name for p in data], "train_units": len(dataset.train),
        "held_out_units": len(dataset.held_out), "excluded_units": len(dataset.excluded),
        "real_graphs": len(dataset.real), "holdout": f"crc32(record id) % 100 < {holdout}"})
    final = result.history[-1]
    app.display_info(f"wrote {path} in {result.seconds:.0f}s (loss_g {final['loss_g']:.4f}, "
                     f"loss_d {final['loss_d']:.4f})")
