"""``promsec-ci train``: bad input ends in one line and exit 2; a small corpus trains a model."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from click.testing import CliRunner

from promsec_ci.cli import cli
from promsec_ci.cli.app import App

FLAGGED = textwrap.dedent("""\
    import yaml


    def load_{i}(stream):
        text = stream.read()
        config = yaml.load(text)
        return config
    """)


def _corpus(tmp_path, rows):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_missing_data_file_is_one_line_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "from promsec_ci.cli import main; main()", "train",
                           "--data", str(tmp_path / "nope.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "does not exist" in proc.stderr


def test_corrupt_jsonl_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from promsec_ci.cli import main; main()", "train",
                           "--data", str(bad), "--out", str(tmp_path / "m")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "cannot read training data" in proc.stderr


def test_no_trainable_units_exit_2(tmp_path):
    data = _corpus(tmp_path, [{"id": "c", "secure_code": "def f(a):\n    return a + 1\n"}])
    result = CliRunner().invoke(cli, ["train", "--data", str(data), "--out", str(tmp_path / "m"),
                                      "--cache-dir", str(tmp_path / "cache")], obj=App())
    assert result.exit_code != 0
    assert "no trainable units" in str(result.exception)


def test_train_writes_model_card_and_curves(tmp_path):
    rows = [{"id": f"r{i}", "code": FLAGGED.format(i=i)} for i in range(6)]
    rows.append({"id": "c", "secure_code": "def f(a):\n    return a + 1\n"})
    data = _corpus(tmp_path, rows)
    out = tmp_path / "m"
    result = CliRunner().invoke(cli, ["train", "--data", str(data), "--epochs", "2", "--seed", "1", "--holdout", "0",
                                      "--out", str(out), "--cache-dir", str(tmp_path / "cache")], obj=App())
    assert result.exit_code == 0, result.output
    card = json.loads((out / "ggan-cfg.json").read_text())
    assert card["train_units"] == 6 and card["train"]["seed"] == 1 and card["train"]["epochs"] == 2
    assert "yaml-safe-load" in card["operators"]
    assert (out / "ggan-cfg.pt").stat().st_size < 5_000_000
    assert (out / "losses-cfg.png").is_file() and (out / "losses-cfg.csv").is_file()
