"""A tiny JSONL corpus written by the tests: flagged units with yaml.load / shell=True, and
clean functions for the discriminator."""

from __future__ import annotations

import json
import textwrap

import pytest

FLAGGED = """\
import subprocess
import yaml


def load_{i}(path):
    data = open(path).read()
    config = yaml.load(data)
    return config["k{i}"]


def run_{i}(host):
    cmd = "ping -c 1 " + host
    subprocess.call(cmd, shell=True)
    return {i}
"""

CLEAN = """\
def add_{i}(a, b):
    total = a + b
    if total > {i}:
        return total
    return {i}
"""


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": f"r{i}", "code": textwrap.dedent(FLAGGED.format(i=i))} for i in range(12)]
    rows += [{"id": f"s{i}", "secure_code": CLEAN.format(i=i)} for i in range(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
