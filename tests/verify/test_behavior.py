"""Behaviour checks run for real: a sandboxed child, real sqlite3, real Bandit findings."""

from __future__ import annotations

import textwrap

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.records import Finding, Level
from promsec_ci.units import UnitIndex
from promsec_ci.verify.behavior import BehaviorChecker
from promsec_ci.verify.harness import comparable, normalize_command, shell_injected
from promsec_ci.verify.inputs import examples_from_tests, find_signature, infer_schema

SQL = """
    import sqlite3

    def find_user(username):
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute("SELECT id, name, email FROM users WHERE name = '%s'" % username)
        return cur.fetchall()
"""
SQL_FIXED = SQL.replace("""'%s'" % username)""", """?", (username,))""")

PING = """
    import os

    def ping(host):
        return os.system("ping -c 1 " + host) == 0
"""

YAML = """
    import yaml

    def parse(text):
        return yaml.load(text, Loader=yaml.Loader)
"""

TAR = """
    import os
    import tarfile

    def unpack(archive, dest="extracted"):
        os.makedirs(dest, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(dest)
        return sorted(os.listdir(dest))
"""

HASH = """
    import hashlib

    def cache_key(content):
        return hashlib.md5(content.encode()).hexdigest()
"""


@pytest.fixture(scope="module")
def checker() -> BehaviorChecker:
    return BehaviorChecker(Options(behavior_examples=12, behavior_timeout=12.0))  # 3 s per call


def check(checker: BehaviorChecker, original: str, fixed: str):
    original = textwrap.dedent(original)
    fixed = textwrap.dedent(fixed)
    findings = BanditAnalyzer().analyze_text(original, "app.py")
    findings = [f for f in findings if f.rule_id != "B404"]
    assert findings, "the fixture must carry a finding"
    unit = UnitIndex(original, "app.py").locate(findings[0].start_line)
    return checker.check(original, fixed, unit, findings)


def test_parameterised_query_keeps_behaviour_and_closes_the_tautology(checker):
    verdict = check(checker, SQL, SQL_FIXED)
    assert verdict.ok, verdict.reason
    assert verdict.exercised and verdict.calls >= 10 and verdict.mismatches == 0
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("sql", True, False)]
    assert verdict.probes_passed is True


def test_unchanged_sql_fails_its_probe(checker):
    verdict = check(checker, SQL, SQL)
    assert not verdict.ok
    assert "probe sql still succeeds" in verdict.reason


def test_a_fix_that_changes_the_result_is_caught(checker):
    verdict = check(checker, SQL, SQL_FIXED.replace("SELECT id, name, email", "SELECT id, name"))
    assert not verdict.ok
    assert verdict.mismatches > 0 and "benign input" in verdict.reason


def test_a_fix_may_succeed_where_the_original_failed(checker):
    original = SQL.replace("""name = '%s'" % username""", """name = " + username""")
    fixed = original.replace("""name = " + username)""", """name = ?", (username,))""")
    verdict = check(checker, original, fixed)
    assert verdict.ok, verdict.reason
    assert verdict.refined > 0 and verdict.mismatches == 0
    working, failing = textwrap.dedent(fixed), textwrap.dedent(original)
    unit = UnitIndex(working, "app.py").locate(5)
    backwards = checker.check(working, failing, unit, [])
    assert not backwards.ok and "benign input" in backwards.reason  # a working original, a failing "fix"


def test_argv_list_equals_the_shell_string_and_closes_injection(checker):
    fixed = """
        import subprocess

        def ping(host):
            return subprocess.run(["ping", "-c", "1", host], check=False).returncode == 0
    """
    verdict = check(checker, PING, fixed)
    assert verdict.ok, verdict.reason
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("shell", True, False)]


def test_shell_script_with_positional_values_equals_the_pipeline_and_closes_injection(checker):
    original = """
        import os

        def count(directory):
            return os.system("ls " + directory + " | wc -l")
    """
    fixed = """
        import subprocess

        def count(directory):
            return subprocess.run(["/bin/sh", "-c", 'ls "$1" | wc -l', "sh", directory], check=False).returncode
    """
    verdict = check(checker, original, fixed)
    assert verdict.ok, verdict.reason
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("shell", True, False)]


def test_quoting_inside_the_shell_also_closes_injection(checker):
    fixed = """
        import os
        import shlex

        def ping(host):
            return os.system("ping -c 1 " + shlex.quote(host)) == 0
    """
    verdict = check(checker, PING, fixed)
    assert verdict.ok, verdict.reason


def test_a_fix_that_runs_another_command_is_caught(checker):
    fixed = """
        import subprocess

        def ping(host):
            return subprocess.run(["ping", "-c", "3", host], check=False).returncode == 0
    """
    verdict = check(checker, PING, fixed)
    assert not verdict.ok and "commands" in verdict.reason


def test_safe_load_keeps_benign_documents_and_stops_object_construction(checker):
    verdict = check(checker, YAML, YAML.replace("yaml.load(text, Loader=yaml.Loader)", "yaml.safe_load(text)"))
    assert verdict.ok, verdict.reason
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("yaml", True, False)]


def test_tar_data_filter_stops_members_escaping(checker):
    verdict = check(checker, TAR, TAR.replace("tar.extractall(dest)", 'tar.extractall(dest, filter="data")'))
    assert verdict.ok, verdict.reason
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("archive", True, False)]


def test_hash_for_a_cache_key_must_keep_its_value(checker):
    kept = check(checker, HASH, HASH.replace("content.encode())", "content.encode(), usedforsecurity=False)"))
    changed = check(checker, HASH, HASH.replace("md5", "sha256"))
    assert kept.ok, kept.reason
    assert not changed.ok and "ret" in changed.reason


def test_path_traversal_probe_needs_a_real_containment_check(checker):
    original = """
        import os

        def read(filename):
            with open(os.path.join("files", filename)) as handle:
                return handle.read()
    """
    fixed = """
        import os

        def read(filename):
            base = os.path.realpath("files")
            path = os.path.realpath(os.path.join(base, filename))
            if not path.startswith(base + os.sep):
                raise ValueError("outside the files folder")
            with open(path) as handle:
                return handle.read()
    """
    original, fixed = textwrap.dedent(original), textwrap.dedent(fixed)
    unit = UnitIndex(original, "app.py").locate(4)
    # Bandit has no rule for this; a finding from another analyzer with CWE-22 selects the probe
    path_finding = [Finding("semgrep", "path-join", "path-join", 22, Level.HIGH, Level.HIGH, "app.py", 5, 5, "")]
    verdict = checker.check(original, fixed, unit, path_finding)
    assert [(p.kind, p.original, p.fixed) for p in verdict.probes] == [("path", True, False)]
    assert verdict.ok, verdict.reason
    same = checker.check(original, original, unit, path_finding)
    assert not same.ok and "probe path" in same.reason


def test_sandbox_refuses_network_and_stops_runaway_calls(checker):
    original = """
        import socket

        def fetch(host):
            try:
                socket.create_connection((host, 80), timeout=1)
            except OSError as exc:
                return type(exc).__name__
            return "connected"
    """
    original = textwrap.dedent(original)
    unit = UnitIndex(original, "app.py").locate(5)
    verdict = checker.check(original, original, unit, [])
    assert verdict.ok and verdict.exercised, verdict.reason
    looping = original.replace('return "connected"', 'return "connected"\n\n\ndef spin():\n    pass')
    looping = looping.replace("    try:\n", "    while True:\n        pass\n    try:\n")
    verdict = checker.check(original, looping, unit, [])
    assert not verdict.ok and "Timeout" in verdict.reason


def test_units_that_cannot_be_called_are_reported_not_exercised(checker):
    original = textwrap.dedent("""
        def outer():
            def inner(x):
                return x
            return inner
    """)
    unit = UnitIndex(original, "app.py").locate(3)
    verdict = checker.check(original, original, unit, [])
    assert verdict.ok and not verdict.exercised and "not callable" in verdict.reason


@pytest.mark.parametrize(("shell", "command", "expected"), [
    (True, "ls -l x", ["argv", ["ls", "-l", "x"]]),
    (False, ["ls", "-l", "x"], ["argv", ["ls", "-l", "x"]]),
    (True, "ls -l 'a b'", ["argv", ["ls", "-l", "a b"]]),
    (False, ["sh", "-c", "ls x"], ["argv", ["ls", "x"]]),
    (False, ["/bin/sh", "-c", 'ls "$1" | wc', "sh", "a$b"], ["shell", 'ls "a\\$b" | wc']),
    (False, ["/bin/sh", "-c", "ls \"$1\" | awk '{print $1}'", "sh", "d"], ["shell", "ls \"d\" | awk '{print $1}'"]),
    (True, "ls x; touch pwned", ["shell", "ls x; touch pwned"]),
    (True, "du -sh * > out", ["shell", "du -sh * > out"]),
])
def test_commands_are_normalised_to_what_the_shell_would_run(shell, command, expected):
    assert normalize_command(shell, command) == expected


def test_injection_is_live_only_outside_single_quotes():
    assert shell_injected("id x; touch pwned", "touch pwned")
    assert shell_injected('id "$(touch pwned)"', "touch pwned")
    assert not shell_injected("id 'x; touch pwned'", "touch pwned")
    assert not shell_injected('id "x; touch pwned" | wc', "touch pwned")  # a pipe, the marker quoted
    assert not shell_injected('id "\\$(touch pwned)" | wc', "touch pwned")


def test_shell_strings_compare_by_words_not_quoting():
    assert comparable(["shell", "ls a | wc"]) == comparable(["shell", 'ls "a" | wc'])
    assert comparable(["shell", "echo 'a b' | wc"]) != comparable(["shell", "echo a b | wc"])


def test_signature_schema_and_test_examples(tmp_path):
    text = textwrap.dedent("""
        class Repo:
            def find(self, cursor, name: str, limit: int = 5):
                cursor.execute("SELECT id, title FROM books WHERE author = '" + name + "' AND year > 1990")
    """)
    signature = find_signature(text, "Repo.find")
    assert [(p.name, p.standin) for p in signature.params] == [("cursor", "cursor"), ("name", None), ("limit", None)]
    assert infer_schema(text) == {"books": ["title", "author", "year"]}
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_repo.py").write_text("def test_it():\n    Repo().find(c, 'dune', limit=2)\n")
    assert examples_from_tests(str(tmp_path), "Repo.find", signature) == [
        {"cursor": {"$standin": "cursor"}, "name": "dune", "limit": 2}]


def test_the_search_hides_fixes_that_change_behaviour_only_when_asked():
    import dataclasses

    from promsec_ci.search import FixSearch

    code = textwrap.dedent("""
        import hashlib


        def password_digest(password):
            return hashlib.md5(password.encode()).hexdigest()
    """)
    findings = BanditAnalyzer().analyze_text(code, "app.py")
    unit = UnitIndex(code, "app.py").locate(findings[0].start_line)
    plain = FixSearch(dataclasses.replace(Options(), ggan=False), ".").search(unit, findings, code)
    assert plain.fix is not None and plain.fix.operators == ("hash-sha256",)
    gated = FixSearch(dataclasses.replace(Options(), ggan=False, verify_behavior=True, behavior_examples=6), ".")
    outcome = gated.search(unit, findings, code)
    assert outcome.fix is None  # stored digests would no longer match
    assert any("behaviour check rejected" in n.message and "ret:" in n.message for n in outcome.notices)


def test_flask_views_get_their_request_fields_and_mysql_reaches_the_seeded_database(checker):
    original = """
        import MySQLdb
        from flask import Flask, request

        app = Flask(__name__)


        @app.route("/email")
        def email():
            name = request.args.get("username")
            db = MySQLdb.connect(host="db.internal", user="root", passwd="x", db="app")
            cur = db.cursor()
            cur.execute("SELECT email FROM users WHERE username = '%s'" % name)
            rows = cur.fetchall()
            db.close()
            return ", ".join(r[0] for r in rows)
    """
    fixed = original.replace("""'%s'" % name)""", """%s", (name,))""")
    verdict = check(checker, original, fixed)
    assert verdict.ok and verdict.exercised, verdict.reason
    assert [(p.kind, p.original, p.fixed, p.parameter) for p in verdict.probes] == [
        ("sql", True, False, "args:username")]


def test_file_size_and_memory_limits_stop_the_unit_not_the_check(checker):
    original = textwrap.dedent("""
        def fill():
            with open("big.bin", "wb") as handle:
                handle.write(b"x" * (20 << 20))
            return "written"


        def hog():
            return len(bytearray(8 << 30))
    """)
    index = UnitIndex(original, "app.py")
    fill = checker.check(original, original, index.locate(3), [])
    assert not fill.exercised and "OSError" in fill.reason  # RLIMIT_FSIZE: "File too large"
    hog = checker.check(original, original, index.locate(9), [])
    assert not hog.exercised and "MemoryError" in hog.reason  # RLIMIT_AS


def test_sibling_modules_of_the_repository_can_be_imported(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "helpers.py").write_text("def base_command():\n    return 'ping -c 1 '\n")
    original = textwrap.dedent("""
        import os

        from helpers import base_command


        def ping(host):
            return os.system(base_command() + host) == 0
    """)
    findings = BanditAnalyzer().analyze_text(original, "pkg/app.py")
    unit = UnitIndex(original, "pkg/app.py").locate(findings[0].start_line)
    checker = BehaviorChecker(Options(behavior_examples=4, behavior_timeout=12.0), root=str(tmp_path))
    verdict = checker.check(original, original, unit, findings)
    assert verdict.exercised and "probe shell still succeeds" in verdict.reason
    alone = BehaviorChecker(Options(behavior_examples=4, behavior_timeout=12.0)).check(original, original, unit,
                                                                                      findings)
    assert not alone.exercised and "ModuleNotFoundError" in alone.reason
