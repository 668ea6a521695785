import csv

import torch

from promsec_ci.config import Options
from promsec_ci.ggan.ranker import load_ranker
from promsec_ci.ggan.train import TrainConfig, collect, save_model, train
from promsec_ci.units import UnitIndex

from .ops import OPERATORS

CONFIG = TrainConfig(kind="cfg", epochs=12, seed=3, hidden=16, batch_size=4, holdout_percent=0)

UNSEEN = """\
import yaml


def read_settings(blob):
    text = blob.strip()
    settings = yaml.load(text)
    return settings
"""


def test_training_is_deterministic_and_learns_to_rank(corpus, tmp_path):
    dataset = collect([str(corpus)], CONFIG, str(tmp_path / "cache"), progress=False, operators=OPERATORS)
    assert len(dataset.train) == 24 and len(dataset.real) == 6
    first = train(dataset, CONFIG, progress=False)
    second = train(dataset, CONFIG, progress=False)
    for (name, a), (_, b) in zip(first.generator.state_dict().items(), second.generator.state_dict().items(),
                                 strict=True):
        assert torch.equal(a, b), name
    assert first.history[-1]["expected_dk"] > first.history[0]["expected_dk"]

    path = save_model(first, CONFIG, tmp_path / "out")
    for name in ("ggan-cfg.json", "losses-cfg.csv", "losses-cfg.png"):
        assert (tmp_path / "out" / name).is_file()
    with open(tmp_path / "out" / "losses-cfg.csv") as handle:
        assert len(list(csv.DictReader(handle))) == CONFIG.epochs

    ranker, notices = load_ranker(Options(), operators=OPERATORS, path=path)
    assert ranker is not None and notices == []
    unit = UnitIndex(UNSEEN, "m.py").locate(6)
    edits = [(6, "t-yaml-comment"), (99, "t-yaml-safe"), (6, "t-yaml-safe")]
    assert ranker.rank(unit, UNSEEN, [], edits) == [(6, "t-yaml-safe"), (6, "t-yaml-comment"), (99, "t-yaml-safe")]
