"""Loading evaluation records from JSONL files and folders."""

from __future__ import annotations

import json

import pytest

from promsec_ci.errors import PromsecError
from promsec_ci.eval.dataset import load_records


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_code_fields_of_every_shared_dataset_are_read_and_normalised(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"id": "a", "code": "import os\nos.system('ls')\n"},
        {"id": "b", "cwe": "CWE-89", "vulnerable_code": "    def f(x):\r\n        return x\r\n"},
        {"id": "c", "insecure_code": "eval(x)", "prompt": "write eval"},
        {"id": "d", "prompt": "Write a function that pings a host."},
        {"id": "e", "code": "public class A { }", "path": "A.java"},
    ])
    records = load_records(data)
    assert [r.id for r in records] == ["a", "b", "c", "d", "e"]
    assert records[1].code == "def f(x):\n    return x\n" and records[1].cwe == "CWE-89"
    assert records[2].code == "eval(x)\n" and records[2].prompt == "write eval"
    assert records[3].code is None and records[3].prompt.startswith("Write")
    assert records[4].language == "java" and records[4].path == "e.java"


def test_a_folder_of_python_files_is_a_dataset(tmp_path):
    (tmp_path / "b_cmd.py").write_text('"""CWE-78: a shell."""\nimport os\n', encoding="utf-8")
    (tmp_path / "a_sql.py").write_text('"""CWE-89: a query."""\n', encoding="utf-8")
    records = load_records(str(tmp_path))
    assert [(r.id, r.cwe) for r in records] == [("a_sql", "89"), ("b_cmd", "78")]


def test_duplicate_ids_are_kept_apart(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": 1, "code": "x = 1"}, {"id": 1, "code": "x = 2"}])
    assert [r.id for r in load_records(data)] == ["1", "1-2"]


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": 1, "code": "x"}\n{not json}\n', "d.jsonl:2: not JSON"),
    ('[1, 2]\n', "d.jsonl:1: a record must be a JSON object"),
    ('{"id": 1, "text": "x"}\n', "d.jsonl:1: no code"),
    ("\n", "no records"),
])
def test_bad_input_names_the_line(tmp_path, content, message):
    (tmp_path / "d.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(PromsecError, match=message):
        load_records(str(tmp_path / "d.jsonl"))


def test_missing_dataset(tmp_path):
    with pytest.raises(PromsecError, match="dataset not found"):
        load_records(str(tmp_path / "nope.jsonl"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(PromsecError, match="no .py files"):
        load_records(str(tmp_path / "empty"))


def test_holdout_split_is_the_one_training_leaves_out():
    from promsec_ci.eval.dataset import held_out
    from promsec_ci.ggan.data import held_out as trained_out

    ids = [f"rec-{i}" for i in range(300)]
    assert [held_out(i, 20) for i in ids] == [trained_out(i, 20) for i in ids]
    assert 30 < sum(held_out(i, 20) for i in ids) < 90
