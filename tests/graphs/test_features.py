import zlib

from promsec_ci.graphs import build_raw
from promsec_ci.graphs.features import (
    API_BUCKETS,
    RISKY_FLAGS,
    STRING_FLAGS,
    TAINT_FLAGS,
    offset,
    stable_bucket,
)
from promsec_ci.records import Finding, Level

from .helpers import unit_of

SOURCE = """\
from subprocess import run as go
from flask import request


def handler(name):
    host = request.args.get("h")
    go(f"ping {host}", shell=True)
    cur.execute("SELECT * FROM t WHERE n = '%s'" % name)
    return 1
"""


def _rows():
    unit, text = unit_of(SOURCE, 6)
    finding = Finding("bandit", "B602", "subprocess_popen_with_shell_equals_true", 78, Level.HIGH,
                      Level.HIGH, "m.py", 7, 7, "shell")
    raw = build_raw(unit, "cfg", [finding], module_text=text)
    return dict(zip(raw.lines, raw.x, strict=False))


def _flag(row, part, names, name):
    return row[offset(part) + names.index(name)]


def test_stable_bucket_is_crc32():
    assert stable_bucket("subprocess.run", API_BUCKETS) == zlib.crc32(b"subprocess.run") % API_BUCKETS


def test_call_resolved_through_from_import_alias():
    row = _rows()[7]
    assert row[offset("api") + stable_bucket("subprocess.run", API_BUCKETS)] == 1.0
    assert _flag(row, "risky", RISKY_FLAGS, "shell=True") == 1.0
    assert _flag(row, "string", STRING_FLAGS, "f-string") == 1.0
    assert _flag(row, "string", STRING_FLAGS, "into-sink") == 1.0


def test_taint_from_request_and_parameter():
    rows = _rows()
    assert _flag(rows[6], "taint", TAINT_FLAGS, "request") == 1.0
    assert _flag(rows[7], "taint", TAINT_FLAGS, "tainted-name") == 1.0  # host came from request
    assert _flag(rows[7], "taint", TAINT_FLAGS, "parameter") == 0.0
    assert _flag(rows[8], "taint", TAINT_FLAGS, "parameter") == 1.0
    assert _flag(rows[8], "string", STRING_FLAGS, "percent") == 1.0
    assert rows[8][offset("api") + stable_bucket(".execute", API_BUCKETS)] == 1.0


def test_findings_mark_only_their_node():
    rows = _rows()
    assert rows[7][offset("finding") + stable_bucket("B602", 16)] == 1.0
    assert sum(rows[8][offset("finding"):]) == 0.0
