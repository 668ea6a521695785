"""Inference: the trained generator orders a unit's candidate edits, most promising first.

The model file (``ggan-<kind>.pt``) holds ``{"state": generator state dict, "config": JSON-able
dict}`` and is read with ``torch.load(weights_only=True)``. It is looked up in
``options.model_dir`` when set, else in the package's ``models_data`` folder (shipped with
``pip install``), else in the repository's ``models/`` folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promsec_ci.config import Options
from promsec_ci.records import Finding, Notice, Unit

PACKAGE_MODELS = Path(__file__).resolve().parent.parent / "models_data"
REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


def model_path(options: Options, kind: str | None = None) -> Path:
    """Where the model for ``kind`` (default ``options.graph``) is expected."""
    name = f"ggan-{kind or options.graph}.pt"
    if options.model_dir:
        return Path(options.model_dir) / name
    for folder in (PACKAGE_MODELS, REPO_MODELS):
        if (folder / name).is_file():
            return folder / name
    return PACKAGE_MODELS / name


class Ranker:
    """Orders (line, operator) edits of a unit by the generator's per-node probabilities.

    Args:
        generator: the trained generator (eval mode).
        config: the model's saved config (``operators``, ``kind``, feature sizes).
        operators: the operators edits may name (default: the registry); one the model's
            vocabulary does not know is scored by the shared, operator-agnostic term only.
    """

    def __init__(self, generator: Any, config: dict[str, Any], operators: Sequence | None = None) -> None:
        from promsec_ci.ggan.model import operator_descriptor

        if operators is None:
            from promsec_ci.rewrite import REGISTRY

            operators = list(REGISTRY)
        self.generator = generator.eval()
        self.config = config
        self.kind: str = config["kind"]
        self.vocab = {name: i for i, name in enumerate(config["operators"])}
        self.descriptors = {op.meta.name: operator_descriptor(op.meta.rule_ids, op.meta.cwes) for op in operators}

    def scores(self, unit: Unit, text: str, findings: Sequence[Finding],
               edits: list[tuple[int, str]]) -> dict[tuple[int, str], float]:
        """π of every edit that lands on a graph node (others are absent)."""
        import torch

        from promsec_ci.ggan.model import DESC_DIM, policy
        from promsec_ci.graphs import build_graph

        graph = build_graph(_unit_in(unit, text, edits), self.kind, findings, text)
        keyed = [(edit, graph.node_at(edit[0])) for edit in edits]
        keyed = [(edit, node) for edit, node in keyed if node is not None]
        if not keyed:
            return {}
        unknown = len(self.vocab)
        pair_index = torch.tensor([node for _, node in keyed], dtype=torch.long)
        pair_op = torch.tensor([self.vocab.get(name, unknown) for (_, name), _ in keyed], dtype=torch.long)
        pair_desc = torch.tensor([self.descriptors.get(name, [0.0] * DESC_DIM) for (_, name), _ in keyed],
                                 dtype=torch.float32)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a few dozen nodes: threading costs more than it saves
        try:
            with torch.no_grad():
                noop, logits = self.generator(graph.data.x, graph.data.edge_index, pair_index, pair_op,
                                              pair_desc)
                _, pi = policy(noop, logits, pair_index)
        finally:
            torch.set_num_threads(threads)
        return {edit: float(p) for (edit, _), p in zip(keyed, pi, strict=True)}

    def rank(self, unit: Unit, text: str, findings: Sequence[Finding],
             edits: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """``edits`` best first; edits on lines outside the graph go last, in their given order.

        Args:
            unit: the unit being fixed.
            text: the file text the edits apply to.
            findings: the findings being fixed (they mark their nodes).
            edits: (line, operator name) pairs whose precondition holds.
        """
        scores = self.scores(unit, text, findings, edits)
        order = {edit: i for i, edit in enumerate(edits)}
        ranked = sorted(scores, key=lambda e: (-scores[e], order[e]))
        return ranked + [e for e in edits if e not in scores]


def _unit_in(unit: Unit, text: str, edits: list[tuple[int, str]]) -> Unit:
    """The unit as it stands in ``text`` (earlier edits may have shifted it)."""
    if edits and text:
        from promsec_ci.units import UnitIndex

        located = UnitIndex(text, unit.path).locate(min(line for line, _ in edits))
        if located.name == unit.name:
            return located
    return unit


def load_ranker(options: Options, operators: Sequence | None = None,
                path: Path | None = None) -> tuple[Ranker | None, list[Notice]]:
    """The ranker for ``options.graph``, or ``None`` and one warning when the model cannot load.

    Args:
        options: ``graph`` and ``model_dir`` choose the file.
        operators: passed to ``Ranker`` (default: the registry).
        path: an explicit model file (overrides ``options``).
    """
    path = path or model_path(options)
    fallback = "falling back to plain enumeration"
    if not path.is_file():
        return None, [Notice(f"gGAN model not found at {path}; {fallback}", level="warning")]
    try:
        import torch

        from promsec_ci.ggan.model import Generator

        blob = torch.load(path, map_location="cpu", weights_only=True)
        config = blob["config"]
        generator = Generator(config["in_channels"], config["hidden_channels"], len(config["operators"]))
        generator.load_state_dict(blob["state"])
        return Ranker(generator, config, operators), []
    except Exception as exc:  # noqa: BLE001 - any unreadable model means "no model"
        return None, [Notice(f"gGAN model corrupt at {path} ({type(exc).__name__}); {fallback}", level="warning")]
