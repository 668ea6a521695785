"""Candidate search over real Bandit and the verifier, with small operators written here and the
project's own registry."""

from __future__ import annotations

import dataclasses
import textwrap

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.fixes import apply_edits
from promsec_ci.records import Finding
from promsec_ci.rewrite import REGISTRY, OperatorRegistry
from promsec_ci.rewrite.base import Operator, OperatorMeta, Rewrite
from promsec_ci.search import FixSearch
from promsec_ci.units import UnitIndex


class LineReplace(Operator):
    """Replaces ``old`` by ``new`` on the line it is applied to; optionally only where ``marker`` is."""

    def __init__(self, name: str, rule: str, old: str, new: str, marker: str | None = None) -> None:
        self.meta = OperatorMeta(name=name, cwes=(327,), rule_ids=(rule,), directive=f"{name}: directive.",
                                 summary=f"{name}: summary")
        self.old, self.new, self.marker = old, new, marker

    def apply(self, source: str, line: int) -> Rewrite | None:
        lines = source.splitlines(keepends=True)
        if not 1 <= line <= len(lines) or (self.marker or self.old) not in lines[line - 1]:
            return None
        if self.marker:  # rewrite the whole flow: every line holding ``old``
            return Rewrite(source.replace(self.old, self.new), line)
        lines[line - 1] = lines[line - 1].replace(self.old, self.new)
        return Rewrite("".join(lines), line)


class Broken(Operator):
    meta = OperatorMeta(name="broken", cwes=(327,), rule_ids=("B324",), directive="x", summary="x")

    def apply(self, source: str, line: int) -> Rewrite | None:
        raise RuntimeError("operator bug")


SHA256 = LineReplace("t-sha256", "B324", "hashlib.md5(", "hashlib.sha256(")
EVAL = LineReplace("t-eval", "B324", "hashlib.md5(data)", "eval(data)")

TWO_HASHES = textwrap.dedent('''\
    import hashlib


    def digests(data, salt):
        """Two digests of the same payload."""
        inner = hashlib.md5(data).hexdigest()
        outer = hashlib.md5(salt + inner.encode()).hexdigest()
        size = len(data)
        return inner, outer, size
    ''')


class InOrder:
    """A ranker that keeps the enumeration order: the ranked search without a model's opinion."""

    def rank(self, unit, text, findings, edits):
        return list(edits)


class Prefer:
    """A ranker that puts one operator first."""

    def __init__(self, operator: str) -> None:
        self.operator = operator

    def rank(self, unit, text, findings, edits):
        return sorted(edits, key=lambda edit: edit[1] != self.operator)


def setup(text: str, *operators: Operator, rule: str | None = None, ranker=None, **options):
    findings = [f for f in BanditAnalyzer().analyze_text(text, "m.py") if rule is None or f.rule_id == rule]
    unit = UnitIndex(text, "m.py").locate(findings[0].start_line)
    findings = [f for f in findings if unit.start_line <= f.start_line <= unit.end_line]
    search = FixSearch(Options(ggan=False, **options), ".", registry=OperatorRegistry(operators), ranker=ranker)
    return search, unit, findings


def test_edits_compose_until_no_cwe_is_left():
    search, unit, findings = setup(TWO_HASHES, SHA256, rule="B324", ranker=InOrder())
    outcome = search.search(unit, findings, TWO_HASHES)
    fix = outcome.fix
    assert fix is not None and outcome.cwes_left == 0
    assert fix.operators == ("t-sha256",) and fix.directives == ("t-sha256: directive.",)
    assert fix.cwes_removed == (327,)
    # two CWEs: the chain of top-ranked edits is verified first, as a whole
    assert outcome.verifications == fix.verifications == 1
    assert apply_edits(TWO_HASHES, fix.edits) == TWO_HASHES.replace("hashlib.md5(", "hashlib.sha256(")
    assert outcome.cost.analyzer_runs >= 3 and outcome.cost.total_seconds > 0


def test_the_chain_reaches_more_cwes_than_the_beam_depth():
    lines = "".join(f"    d{i} = hashlib.md5(data + b'{i}').hexdigest()\n" for i in range(6))
    text = f"import hashlib\n\n\ndef digests(data):\n{lines}    return d0, d1, d2, d3, d4, d5\n"
    search, unit, findings = setup(text, SHA256, rule="B324", ranker=InOrder())
    assert len(findings) == 6
    outcome = search.search(unit, findings, text)
    assert outcome.cwes_left == 0 and outcome.verifications == 1


def test_plain_enumeration_verifies_every_alternative_of_a_level_and_keeps_the_argmin():
    text = "import hashlib\n\n\ndef key(data, n):\n    n += 1\n    return hashlib.md5(data).hexdigest() * n\n"
    longer = LineReplace("t-sha3", "B324", "hashlib.md5(data)", "hashlib.sha3_256(bytes(data))")
    search, unit, findings = setup(text, longer, SHA256)
    outcome = search.search(unit, findings, text)
    # both verify with no CWE left; the first enumerated one is further from the original
    assert outcome.verifications == 2 and outcome.cwes_left == 0
    assert outcome.fix.operators == ("t-sha256",)

    ranked = setup(text, longer, SHA256, ranker=InOrder())[0].search(unit, findings, text)
    assert ranked.verifications == 1 and ranked.fix.operators == ("t-sha3",)


def test_plain_enumeration_checks_the_first_level_even_when_the_chain_verifies():
    lines = "".join(f"    d{i} = hashlib.md5(data + b'{i}').hexdigest()\n" for i in range(3))
    text = f"import hashlib\n\n\ndef digests(data):\n{lines}    return d0, d1, d2\n"
    search, unit, findings = setup(text, SHA256, rule="B324")
    outcome = search.search(unit, findings, text)
    assert outcome.cwes_left == 0 and outcome.verifications == 1 + 3  # the chain, then 3 single edits


def test_when_the_chain_fails_the_beam_still_finds_the_composition():
    search, unit, findings = setup(TWO_HASHES, EVAL, SHA256, rule="B324")
    outcome = search.search(unit, findings, TWO_HASHES)
    assert outcome.fix is not None and outcome.fix.operators == ("t-sha256",)
    # chain (eval + sha256) rejected, then 3 single edits, then the composition
    assert outcome.verifications == 5
    assert outcome.rejections[0].startswith("1 new finding: B307")
    assert "eval(" not in apply_edits(TWO_HASHES, outcome.fix.edits)


def test_a_failing_candidate_costs_a_verification_and_the_ranker_order_is_followed():
    text = "import hashlib\n\n\ndef key(data, n):\n    n += 1\n    return hashlib.md5(data).hexdigest() * n\n"
    search, unit, findings = setup(text, EVAL, SHA256, ranker=InOrder())
    outcome = search.search(unit, findings, text)
    assert outcome.fix.operators == ("t-sha256",)
    assert outcome.verifications == 2  # enumeration order tries the eval rewrite first; it adds B307

    search = setup(text, EVAL, SHA256, ranker=Prefer("t-sha256"))[0]
    ranked = search.search(unit, findings, text)
    assert ranked.fix.operators == ("t-sha256",) and ranked.verifications == 1


def test_the_best_candidate_is_kept_for_the_llm_even_when_nothing_verifies():
    search, unit, findings = setup(TWO_HASHES, SHA256, rule="B324", min_similarity=0.99)
    outcome = search.search(unit, findings, TWO_HASHES)
    assert outcome.fix is None
    assert outcome.cwes_left == 2
    assert outcome.best_text == TWO_HASHES.replace("hashlib.md5(", "hashlib.sha256(")
    assert outcome.operators == ("t-sha256", "t-sha256") and outcome.directives == ("t-sha256: directive.",)
    assert len(outcome.rejections) == outcome.verifications == 3
    assert all(reason.startswith("token similarity") for reason in outcome.rejections)


def test_no_applicable_operator_means_no_candidate():
    absent = LineReplace("t-sha1", "B324", "hashlib.sha1(", "hashlib.sha256(")
    search, unit, findings = setup(TWO_HASHES, Broken(), absent, rule="B324")
    outcome = search.search(unit, findings, TWO_HASHES)
    assert (outcome.fix, outcome.best_text, outcome.verifications) == (None, None, 0)


def test_an_operator_that_only_applies_where_the_data_flows_is_found():
    text = textwrap.dedent('''\
        import sqlite3


        def find(name):
            conn = sqlite3.connect("db")
            query = "SELECT id FROM users WHERE name = '%s'" % name
            rows = conn.execute(query).fetchall()
            return rows
        ''')
    fixed = text.replace('''"SELECT id FROM users WHERE name = '%s'" % name''', '"SELECT id FROM users WHERE name = ?"')
    fixed = fixed.replace("conn.execute(query)", "conn.execute(query, (name,))")

    class Parameterise(Operator):
        meta = OperatorMeta(name="t-param", cwes=(89,), rule_ids=("B608",), directive="bind values",
                            summary="parameterised")

        def apply(self, source: str, line: int) -> Rewrite | None:
            return Rewrite(fixed, line) if "conn.execute(query)" in source.splitlines()[line - 1] else None

    search, unit, findings = setup(text, Parameterise(), rule="B608")
    assert findings[0].start_line == 6
    outcome = search.search(unit, findings, text)
    assert outcome.fix is not None and outcome.fix.operators == ("t-param",)


def test_resolved_names_only_the_findings_the_fix_removes():
    text = "import hashlib\n\n\ndef check(data, n):\n    assert n > 0\n    return hashlib.md5(data).hexdigest()\n"
    search, unit, findings = setup(text, SHA256)
    findings = [dataclasses.replace(f, fingerprint=f.rule_id) for f in findings]
    assert {f.rule_id for f in findings} == {"B101", "B324"}
    fix = search.search(unit, findings, text).fix
    assert search.resolved(fix, unit, findings, text) == {"B324"}


def test_the_same_line_flagged_in_another_function_does_not_hide_the_fix():
    text = ("import hashlib\n\n\ndef first(data):\n    return hashlib.md5(data).hexdigest()\n\n\n"
            "def second(data):\n    return hashlib.md5(data).hexdigest()\n")
    search, unit, findings = setup(text, SHA256)
    assert unit.name == "first" and [f.start_line for f in findings] == [5]
    fix = search.search(unit, findings, text).fix
    assert fix is not None
    assert search.resolved(fix, unit, findings, text) == {findings[0].fingerprint}


def test_the_project_registry_fixes_an_unsafe_yaml_load():
    assert REGISTRY.by_rule_id("B506"), "the yaml operator is registered"
    text = "import yaml\n\n\ndef load(stream):\n    config = yaml.load(stream, Loader=yaml.Loader)\n    return config\n"
    findings: list[Finding] = BanditAnalyzer().analyze_text(text, "m.py")
    unit = UnitIndex(text, "m.py").locate(5)
    outcome = FixSearch(Options(ggan=False), ".").search(unit, findings, text)
    assert outcome.fix is not None and outcome.cwes_left == 0
    assert "yaml.safe_load(stream)" in apply_edits(text, outcome.fix.edits)


def test_sql_fix_uses_the_placeholder_of_the_repository_driver(tmp_path):
    source = textwrap.dedent("""\
        def find(cursor, name):
            cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
            return cursor.fetchall()
        """)
    findings = BanditAnalyzer().analyze_text(source, "db.py")
    unit = UnitIndex(source, "db.py").locate(2)

    assert FixSearch(Options(ggan=False), str(tmp_path)).search(unit, findings, source).fix is None

    (tmp_path / "requirements.txt").write_text("psycopg2-binary==2.9.9\n")
    fix = FixSearch(Options(ggan=False), str(tmp_path)).search(unit, findings, source).fix
    assert fix is not None
    assert 'cursor.execute("SELECT * FROM users WHERE name = %s", (str(name),))' in fix.edits[0].text


def test_ranked_search_follows_the_first_verified_step_and_enumeration_checks_its_siblings():
    # one edit keeps enough similarity, two do not: the best reachable is one CWE left
    ranked, unit, findings = setup(TWO_HASHES, SHA256, rule="B324", ranker=InOrder(), min_similarity=0.97)
    plain = setup(TWO_HASHES, SHA256, rule="B324", min_similarity=0.97)[0]
    greedy, every = ranked.search(unit, findings, TWO_HASHES), plain.search(unit, findings, TWO_HASHES)
    assert greedy.cwes_left == every.cwes_left == 1
    assert greedy.rejections == every.rejections == ("token similarity 0.96 < 0.97",)  # the chain of both
    assert greedy.verifications == 2 and every.verifications == 3  # chain + first edit vs chain + both edits


def test_production_only_operators_are_not_tried_on_test_code():
    text = "import hashlib\n\n\ndef key(data):\n    return hashlib.md5(data).hexdigest()\n"
    fixture_only = LineReplace("t-prod", "B324", "hashlib.md5(", "hashlib.sha256(")
    fixture_only.meta = dataclasses.replace(fixture_only.meta, production_only=True)
    search, unit, findings = setup(text, fixture_only)
    assert search.search(unit, findings, text).fix is not None
    in_tests = dataclasses.replace(unit, path="tests/test_keys.py")
    assert search.search(in_tests, findings, text).fix is None


def test_is_test_code():
    from promsec_ci.changes import is_test_code

    assert all(map(is_test_code, ["tests/db.py", "pkg/testing/suite.py", "test_x.py", "a/x_test.py", "conftest.py"]))
    assert not any(map(is_test_code, ["app/db.py", "contest.py", "pkg/attestation.py", "tests.py"]))
