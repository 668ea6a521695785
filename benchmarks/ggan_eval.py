"""gGAN evaluation on held-out records (``crc32(id) % 100 < 20``, never trained on).

Prints, measured in this run:

1. Ranking over the full action space (every statement x every operator answering one of the
   unit's rules, each edit measured with Bandit): how often the top-ranked edit verifies, and
   the edits verified until the first one that does, gGAN order vs enumeration order.
2. The real fixer (``search.FixSearch`` + ``verify.static``) with the gGAN, with plain
   enumeration (``--no-ggan``: every candidate of a level verified, argmin kept) and with
   enumeration order stopping at the first hit: fix rate, verifications per fixed finding, mean
   similarity of the fixes, how often the gGAN picks enumeration's argmin, and how often the
   first gGAN-ranked candidate verifies on the units it fixes.
3. Median graph build + generator forward per unit; model file size.
4. Q5: the same ranking metrics for CFG, AST and DFG models (same seed and epochs).
5. Q6: a CFG model trained without any CWE-78 unit, ranked on CWE-78 units.

Usage::

    python benchmarks/ggan_eval.py [--models models] [--epochs 30] [--seed 0] [--skip-q5] [--skip-q6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_DATA = [DATA / "promsec_train.jsonl", DATA / "sven_python_pairs.jsonl",
                DATA / "cyberseceval_instruct_python.jsonl", DATA / "llmseceval_python.jsonl"]


def ranking_metrics(ranker, samples) -> dict:
    """Top-1 verified rate and edits-until-first-verified, gGAN vs enumeration order."""
    top1, pos_g, pos_e, times = [], [], [], []
    for sample in samples:
        edits = [(c.line, c.operator) for c in sample.candidates]
        verified = {(c.line, c.operator) for c in sample.candidates if c.verified}
        findings = [f for f in sample.findings if sample.unit.start_line <= f.start_line <= sample.unit.end_line]
        clock = time.perf_counter()
        order = ranker.rank(sample.unit, sample.text, findings, edits)
        times.append(time.perf_counter() - clock)
        if not verified:
            continue
        top1.append(order[0] in verified)
        pos_g.append(next(i for i, e in enumerate(order, 1) if e in verified))
        pos_e.append(next(i for i, e in enumerate(edits, 1) if e in verified))
    n = len(top1)
    return {
        "units": len(samples), "units_with_a_verified_edit": n,
        "edits_per_unit": round(statistics.mean(len(s.candidates) for s in samples), 2) if samples else 0,
        "top1_verified": round(sum(top1) / n, 4) if n else None,
        "verifications_to_first_fix_ggan": round(statistics.mean(pos_g), 3) if n else None,
        "verifications_to_first_fix_enum": round(statistics.mean(pos_e), 3) if n else None,
        "ratio": round(statistics.mean(pos_g) / statistics.mean(pos_e), 3) if n else None,
        "median_rank_ms": round(statistics.median(times) * 1000, 2) if times else None,
    }


class EnumerationOrder:
    """A ranker that keeps the enumeration order: first-hit search with no model's opinion."""

    def rank(self, unit, text, findings, edits):
        return list(edits)


def fixer_metrics(samples_by_record, model_dir: Path) -> dict:
    """FixSearch with the gGAN ranker vs plain enumeration on the held-out flagged units.

    ``enum`` is the fixer's ``--no-ggan`` mode (every candidate of a beam level verified, the
    argmin of alpha*k + beta*d kept); ``enum_first_hit`` verifies in enumeration order and stops
    at the first candidate with no CWE left, like the gGAN, as a reference for what the ranking
    itself buys.
    """
    from promsec_ci.config import Options
    from promsec_ci.search import FixSearch, configured_registry

    modes = {"ggan": (Options(ggan=True, model_dir=str(model_dir)), None),
             "enum": (Options(ggan=False), None),
             "enum_first_hit": (Options(ggan=False), EnumerationOrder())}
    out = {}
    first_ok = []
    chosen: dict[str, list] = {}
    for mode, (options, ranker) in modes.items():
        search = FixSearch(options, ".", registry=configured_registry(options, None), ranker=ranker)
        if mode == "ggan" and search.ranker is None:
            return {"error": "model did not load: " + "; ".join(n.message for n in search.notices)}
        units = fixed_units = fixed_findings = verifications = 0
        similarities = []
        chosen[mode] = []
        clock = time.perf_counter()
        for sample in samples_by_record:
            unit = sample.unit
            targets = [f for f in sample.findings if unit.start_line <= f.start_line <= unit.end_line]
            outcome = search.search(unit, targets, sample.text)
            units += 1
            verifications += outcome.verifications
            chosen[mode].append(outcome.fix.edits if outcome.fix else None)
            if outcome.fix is not None:
                fixed_units += 1
                similarities.append(outcome.fix.similarity)
                before = len(search.verifier.cwe_findings(sample.text, unit, (unit.start_line, unit.end_line),
                                                          targets))
                fixed_findings += max(1, before - outcome.cwes_left)
                if mode == "ggan":
                    first_ok.append(_first_candidate_ok(search, unit, targets, sample.text))
        out[mode] = {"units": units, "fixed_units": fixed_units, "fixed_findings": fixed_findings,
                     "fix_rate": round(fixed_units / units, 4) if units else None,
                     "verifications": verifications,
                     "verifications_per_fixed_finding": round(verifications / fixed_findings, 3)
                     if fixed_findings else None,
                     "mean_fix_similarity": round(statistics.mean(similarities), 4) if similarities else None,
                     "seconds": round(time.perf_counter() - clock, 1)}
    g, e, h = out["ggan"], out["enum"], out["enum_first_hit"]
    for name, other in (("verification_ratio", e), ("verification_ratio_vs_first_hit", h)):
        if g["verifications_per_fixed_finding"] and other["verifications_per_fixed_finding"]:
            out[name] = round(g["verifications_per_fixed_finding"] / other["verifications_per_fixed_finding"], 3)
    if g["fix_rate"] is not None:
        out["fix_rate_diff_points"] = round(100 * (g["fix_rate"] - e["fix_rate"]), 2)
    both = [(a, b) for a, b in zip(chosen["ggan"], chosen["enum"], strict=True) if a is not None and b is not None]
    out["same_fix_as_enum_argmin"] = round(sum(a == b for a, b in both) / len(both), 4) if both else None
    out["first_ggan_candidate_verified"] = round(sum(first_ok) / len(first_ok), 4) if first_ok else None
    return out


def _first_candidate_ok(search, unit, targets, text) -> bool:
    """Verify only the top-ranked edit of the unit (the search's own action space)."""
    edits = search._edits(unit, targets, text, text)  # the ranked action space of the first beam step
    if not edits:
        return False
    _, _, rewrite = edits[0]
    return search.verifier.inspect(text, rewrite.text, unit, targets).verdict.ok


def open_action_samples(paths, cache_dir):
    """Held-out flagged units with the open action space: every operator at every statement."""
    from promsec_ci.ggan.data import SampleBuilder, held_out, read_records

    builder = SampleBuilder("cfg", cache_dir, open_actions=True)
    samples = []
    for record in read_records(paths):
        if held_out(record.id.split("#", 1)[0]):
            samples.extend(builder.from_record(record)[0])
    return samples


def model_for(kind: str, dataset, models: Path, epochs: int, seed: int, exclude=()):
    """The saved model for ``kind`` when present (and not excluding), else one trained now."""
    from promsec_ci.config import Options
    from promsec_ci.ggan.ranker import load_ranker
    from promsec_ci.ggan.train import TrainConfig, train

    path = models / f"ggan-{kind}.pt"
    if path.is_file() and not exclude:
        ranker, notices = load_ranker(Options(graph=kind), path=path)
        if ranker is not None:
            return ranker, path.stat().st_size, "loaded"
    config = TrainConfig(kind=kind, epochs=epochs, seed=seed, exclude_cwes=tuple(exclude))
    result = train(dataset, config, progress=False)
    from promsec_ci.ggan.ranker import Ranker

    ranker = Ranker(result.generator, {"kind": kind, "operators": result.operators})
    return ranker, None, f"trained {result.seconds:.0f}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=[str(p) for p in DEFAULT_DATA])
    parser.add_argument("--models", default="models")
    parser.add_argument("--cache-dir", default=".promsec-cache")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-q5", action="store_true")
    parser.add_argument("--skip-q6", action="store_true")
    parser.add_argument("--skip-fixer", action="store_true")
    parser.add_argument("--open-actions", action="store_true",
                        help="also rank held-out units with every operator tried at every node")
    args = parser.parse_args(argv)

    from promsec_ci.ggan.train import TrainConfig, collect

    models = Path(args.models)
    report: dict = {"held_out": "records with crc32(id) % 100 < 20 (SVEN fixed side follows its pair)"}
    kinds = ["cfg"] if args.skip_q5 else ["cfg", "ast", "dfg"]
    datasets = {}
    for kind in kinds:
        clock = time.perf_counter()
        dataset = collect(args.data, TrainConfig(kind=kind), args.cache_dir, progress=False)
        datasets[kind] = dataset
        ranker, size, how = model_for(kind, dataset, models, args.epochs, args.seed)
        metrics = ranking_metrics(ranker, dataset.held_out)
        metrics.update({"model": how, "model_bytes": size, "train_units": len(dataset.train),
                        "seconds": round(time.perf_counter() - clock, 1)})
        report[f"ranking_{kind}"] = metrics
        print(f"[{kind}] {json.dumps(metrics)}", flush=True)

    cfg = datasets["cfg"]
    if args.open_actions:
        open_samples = open_action_samples(args.data, args.cache_dir)
        ranker, _, _ = model_for("cfg", cfg, models, args.epochs, args.seed)
        report["ranking_cfg_open_actions"] = ranking_metrics(ranker, open_samples)
        print(f"[open] {json.dumps(report['ranking_cfg_open_actions'])}", flush=True)
    if not args.skip_fixer:
        report["fixer_cfg"] = fixer_metrics(cfg.held_out, models)
        print(f"[fixer] {json.dumps(report['fixer_cfg'])}", flush=True)

    if not args.skip_q6:
        from promsec_ci.ggan.train import Dataset

        without = Dataset(train=[s for s in cfg.train if 78 not in s.cwes], real=cfg.real, operators=cfg.operators)
        probe = [s for s in cfg.train + cfg.held_out if 78 in s.cwes]
        masked, _, how = model_for("cfg", without, models, args.epochs, args.seed, exclude=(78,))
        full, _, _ = model_for("cfg", cfg, models, args.epochs, args.seed)
        report["q6_cwe78"] = {"probe_units": len(probe), "train_units_without_cwe78": len(without.train),
                              "masked_model": ranking_metrics(masked, probe),
                              "full_model": ranking_metrics(full, probe)}
        print(f"[q6] {json.dumps(report['q6_cwe78'])}", flush=True)

    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
