"""Training the gGAN (PromSec Algorithm 1): for each mini-batch of flagged units, one
discriminator step then one generator step.

- Generator input: the unit's graph ``g``; its policy π gives ``ĝ`` with node features
  ``x̂_v = π_v(no-op)·x_v + Σ_k π_v(k)·φ(o_k(v))`` (φ measured by really applying operator k).
- Discriminator: real = graphs of units Bandit finds clean; fake = ``ĝ``.
- Generator loss: contrastive (expected Δk under π, embedding similarity, in-batch negatives)
  plus ``lambda`` times the adversarial loss.

A mini-batch (default 8) replaces the paper's single sample so the contrastive loss has
negatives; the D-then-G order per step is the algorithm's.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch_geometric.data import Batch, Data
from torch_geometric.nn import global_add_pool

from promsec_ci.ggan.data import Record, Sample, SampleBuilder, held_out, read_records
from promsec_ci.ggan.loss import (
    adversarial_loss,
    contrastive_loss,
    cosine_matrix,
    discriminator_loss,
    generator_loss,
    score,
)
from promsec_ci.ggan.model import (
    DESC_DIM,
    Discriminator,
    Generator,
    edited_features,
    operator_descriptor,
    policy,
)
from promsec_ci.graphs import FEATURE_DIM, to_data
from promsec_ci.graphs.base import RawGraph


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters and data selection of one training run.

    Args:
        kind: graph kind (``cfg``, ``ast``, ``dfg``).
        epochs: passes over the training samples.
        seed: seeds torch and the batch order.
        hidden: hidden size of both networks.
        batch_size: units per step (the contrastive negatives come from the same batch).
        lr_g: generator learning rate.
        lr_d: discriminator learning rate.
        alpha: weight of Δk in the score.
        beta: weight of the embedding similarity in the score.
        lam: weight of the adversarial loss in ``L_G``.
        temperature: contrastive softmax temperature.
        holdout_percent: records with ``crc32(id) % 100 < holdout_percent`` are never trained on.
        exclude_cwes: units with a finding of these CWEs are left out of training (Q6).
    """

    kind: str = "cfg"
    epochs: int = 30
    seed: int = 0
    hidden: int = 64
    batch_size: int = 8
    lr_g: float = 3e-3
    lr_d: float = 1e-3
    alpha: float = 1.0
    beta: float = 0.5
    lam: float = 0.1
    temperature: float = 0.5
    holdout_percent: int = 20
    exclude_cwes: tuple[int, ...] = ()


@dataclass
class Dataset:
    """Samples split by record id, plus clean graphs for the discriminator."""

    train: list[Sample] = field(default_factory=list)
    held_out: list[Sample] = field(default_factory=list)
    excluded: list[Sample] = field(default_factory=list)
    real: list[RawGraph] = field(default_factory=list)
    records: int = 0
    operators: list = field(default_factory=list)


def collect(paths: Sequence[str], config: TrainConfig, cache_dir: str | None,
            progress: bool = True, operators: Sequence | None = None) -> Dataset:
    """Read the datasets, measure every candidate edit (cached) and split the samples.

    Args:
        paths: JSONL files.
        config: graph kind, hold-out share and excluded CWEs.
        cache_dir: cache of measured edits (``None``: measure everything again).
        progress: show a progress bar.
        operators: the operators to use (default: the registry).
    """
    from tqdm import tqdm

    builder = SampleBuilder(config.kind, cache_dir, operators)
    records: list[Record] = list(read_records(paths))
    dataset = Dataset(records=len(records), operators=builder.operators)
    excluded = set(config.exclude_cwes)
    for record in tqdm(records, desc=f"measuring edits ({config.kind})", disable=not progress, unit="file"):
        samples, clean = builder.from_record(record)
        base_id = record.id.split("#", 1)[0]
        if held_out(base_id, config.holdout_percent):
            dataset.held_out.extend(samples)
            continue
        dataset.real.extend(clean)
        for sample in samples:
            if excluded & set(sample.cwes):
                dataset.excluded.append(sample)
            else:
                dataset.train.append(sample)
    return dataset


def descriptors_of(operators: Sequence) -> dict[str, list[float]]:
    return {op.meta.name: operator_descriptor(op.meta.rule_ids, op.meta.cwes) for op in operators}


def sample_data(sample: Sample, vocab: dict[str, int], descriptors: dict[str, list[float]]) -> Data:
    """One flagged unit as a ``Data`` with its pairs (``pair_index`` is re-based by ``Batch``)."""
    data = to_data(sample.raw)
    cands = sample.candidates
    data.pair_index = torch.tensor([c.node for c in cands], dtype=torch.long)
    data.pair_op = torch.tensor([vocab.get(c.operator, len(vocab)) for c in cands], dtype=torch.long)
    data.pair_desc = torch.tensor([descriptors.get(c.operator, [0.0] * DESC_DIM) for c in cands],
                                  dtype=torch.float32).reshape(-1, DESC_DIM)
    data.pair_phi = torch.tensor([c.phi for c in cands], dtype=torch.float32).reshape(-1, FEATURE_DIM)
    # reward per edit: CWEs removed, minus anything it introduced
    data.pair_dk = torch.tensor([float(c.delta_k - c.new_findings) for c in cands], dtype=torch.float32)
    data.k = torch.tensor([float(sample.k)])
    return data


def batched_embed(x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor, num_graphs: int,
                  hops: int = 2) -> torch.Tensor:
    """``graphs.embed`` for a batch of graphs, differentiable in ``x``."""
    n = x.size(0)
    src, dst = edge_index
    deg = torch.zeros(n).index_add(0, dst, torch.ones(dst.numel())).clamp(min=1).unsqueeze(1)
    parts = [global_add_pool(x, batch, num_graphs)]
    h = x
    for _ in range(hops):
        agg = torch.zeros_like(h).index_add(0, dst, h[src]) / deg
        h = (h + agg) / 2
        parts.append(global_add_pool(h, batch, num_graphs))
    return torch.cat(parts, dim=1)


@dataclass
class TrainResult:
    generator: Generator
    discriminator: Discriminator
    history: list[dict[str, float]]
    operators: list[str]
    seconds: float


def train(dataset: Dataset, config: TrainConfig, progress: bool = True,
          on_epoch: Callable[[dict[str, float]], None] | None = None) -> TrainResult:
    """Algorithm 1 over ``dataset.train`` (see module docstring)."""
    threads = torch.get_num_threads()
    # Graphs this small run fastest on one thread; more threads only fight over 2 cores.
    torch.set_num_threads(1)
    try:
        return _train(dataset, config, progress, on_epoch)
    finally:
        torch.set_num_threads(threads)


def _train(dataset: Dataset, config: TrainConfig, progress: bool,
           on_epoch: Callable[[dict[str, float]], None] | None) -> TrainResult:
    from tqdm import tqdm

    torch.manual_seed(config.seed)
    # CPU kernels used here are deterministic; torch.use_deterministic_algorithms would switch
    # scatter_add to a sort-based path ~100x slower on this workload.
    rng = random.Random(config.seed)
    clock = time.perf_counter()
    operators = [op.meta.name for op in dataset.operators]
    vocab = {name: i for i, name in enumerate(operators)}
    descriptors = descriptors_of(dataset.operators)
    items = [sample_data(s, vocab, descriptors) for s in dataset.train if s.candidates]
    reals = [to_data(r) for r in dataset.real] or [Data(x=torch.zeros(1, FEATURE_DIM),
                                                        edge_index=torch.zeros(2, 0, dtype=torch.long))]
    gen = Generator(FEATURE_DIM, config.hidden, len(operators))
    disc = Discriminator(FEATURE_DIM, config.hidden)
    opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr_g)
    opt_d = torch.optim.Adam(disc.parameters(), lr=config.lr_d)
    history: list[dict[str, float]] = []
    steps = max(1, -(-len(items) // config.batch_size)) * config.epochs
    bar = tqdm(total=steps, desc=f"training gGAN ({config.kind})", disable=not progress, unit="step")
    for epoch in range(1, config.epochs + 1):
        order = list(range(len(items)))
        rng.shuffle(order)
        sums = {"loss_d": 0.0, "loss_adv": 0.0, "loss_contrastive": 0.0, "loss_g": 0.0, "expected_dk": 0.0}
        batches = 0
        for start in range(0, len(order), config.batch_size):
            chosen = [items[i] for i in order[start: start + config.batch_size]]
            real = Batch.from_data_list([reals[rng.randrange(len(reals))] for _ in chosen])
            losses = _step(gen, disc, opt_g, opt_d, Batch.from_data_list(chosen), real, config)
            for key, value in losses.items():
                sums[key] += value
            batches += 1
            bar.update(1)
        row = {"epoch": float(epoch), **{k: v / max(1, batches) for k, v in sums.items()}}
        history.append(row)
        bar.set_postfix(loss_g=f"{row['loss_g']:.3f}", loss_d=f"{row['loss_d']:.3f}")
        if on_epoch:
            on_epoch(row)
    bar.close()
    return TrainResult(gen.eval(), disc.eval(), history, operators, time.perf_counter() - clock)


def _step(gen: Generator, disc: Discriminator, opt_g, opt_d, batch: Batch, real: Batch,
          config: TrainConfig) -> dict[str, float]:
    num_graphs = batch.num_graphs
    pair_graph = batch.batch[batch.pair_index]
    noop, logits = gen(batch.x, batch.edge_index, batch.pair_index, batch.pair_op, batch.pair_desc)
    pi_noop, pi_pairs = policy(noop, logits, batch.pair_index)
    x_hat = edited_features(batch.x, pi_noop, pi_pairs, batch.pair_index, batch.pair_phi)

    # Discriminator step (Eq. 6)
    opt_d.zero_grad()
    loss_d = discriminator_loss(disc(real.x, real.edge_index, real.batch),
                                disc(x_hat.detach(), batch.edge_index, batch.batch))
    loss_d.backward()
    opt_d.step()

    # Generator step (Eq. 2-5)
    opt_g.zero_grad()
    loss_adv = adversarial_loss(disc(x_hat, batch.edge_index, batch.batch))
    expected_dk = torch.zeros(num_graphs).index_add(0, pair_graph, pi_pairs * batch.pair_dk)
    emb = batched_embed(batch.x, batch.edge_index, batch.batch, num_graphs)
    emb_hat = batched_embed(x_hat, batch.edge_index, batch.batch, num_graphs)
    positive = score(expected_dk, (cosine_matrix(emb, emb_hat)).diagonal(), config.alpha, config.beta)
    k = batch.k
    negative = score(k.unsqueeze(1) - k.unsqueeze(0), cosine_matrix(emb, emb), config.alpha, config.beta)
    loss_c = contrastive_loss(positive, negative, config.temperature)
    loss_g = generator_loss(loss_c, loss_adv, config.lam)
    loss_g.backward()
    opt_g.step()
    return {"loss_d": loss_d.item(), "loss_adv": loss_adv.item(), "loss_contrastive": loss_c.item(),
            "loss_g": loss_g.item(), "expected_dk": expected_dk.mean().item()}


def save_model(result: TrainResult, config: TrainConfig, out_dir: str | Path, extra: dict | None = None) -> Path:
    """Write ``ggan-<kind>.pt`` (generator state + JSON-able config), ``ggan-<kind>.json`` (model
    card), ``losses-<kind>.csv`` and ``losses-<kind>.png`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_config = {
        "kind": config.kind,
        "operators": result.operators,
        "in_channels": FEATURE_DIM,
        "hidden_channels": config.hidden,
        "train": asdict(config),
    }
    path = out / f"ggan-{config.kind}.pt"
    tmp = out / f".ggan-{config.kind}.pt.tmp"
    torch.save({"state": result.generator.state_dict(), "config": model_config}, tmp)
    tmp.replace(path)
    write_curves(result.history, out, config.kind)
    card = {**model_config, "final": result.history[-1] if result.history else {},
            "train_seconds": round(result.seconds, 1), "model_bytes": path.stat().st_size, **(extra or {})}
    (out / f"ggan-{config.kind}.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return path


def write_curves(history: list[dict[str, float]], out: Path, kind: str) -> None:
    """Loss curves as CSV and PNG (matplotlib, Agg backend)."""
    if not history:
        return
    with open(out / f"losses-{kind}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    epochs = [row["epoch"] for row in history]
    for key in ("loss_g", "loss_contrastive", "loss_adv", "loss_d", "expected_dk"):
        ax.plot(epochs, [row[key] for row in history], label=key)
    ax.set_xlabel("epoch")
    ax.set_title(f"gGAN training ({kind})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"losses-{kind}.png", dpi=100)
    plt.close(fig)
