"""Java fixes verified for real: recompiled, re-analyzed by the tool that reported the finding,
and (for the path fix) exercised with an exploit probe in a JVM."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import textwrap

import pytest

from promsec_ci.analyzers.semgrep_java import SemgrepJavaAnalyzer, find_semgrep
from promsec_ci.analyzers.spotbugs import SpotBugsAnalyzer, find_engine
from promsec_ci.config import Options
from promsec_ci.fixes import apply_edits
from promsec_ci.java.fixer import JavaFixer
from promsec_ci.java.units import JavaUnitIndex

needs_semgrep = pytest.mark.skipif(find_semgrep() is None, reason="semgrep is not installed")
needs_engine = pytest.mark.skipif(find_engine() is None or shutil.which("javac") is None,
                                  reason="neither SpotBugs nor FindBugs, or no JDK")

SOURCE = textwrap.dedent("""\
    package demo;

    import java.security.MessageDigest;
    import java.sql.Connection;
    import java.sql.Statement;
    import java.util.Random;

    public class Accounts {
        static final String PASSWORD = "hunter22";

        public void find(Connection conn, String name) throws Exception {
            Statement st = conn.createStatement();
            st.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        }

        public int token(byte[] data) throws Exception {
            MessageDigest.getInstance("MD5").digest(data);
            return new Random().nextInt();
        }

        public int kind(String value) {
            switch (value) {
                case PASSWORD: return 1;
                default: return 0;
            }
        }
    }
""")


def _by_unit(findings, text, path):
    index = JavaUnitIndex(text, path)
    units = {}
    for number, finding in enumerate(findings):
        finding = dataclasses.replace(finding, fingerprint=f"fp{number}")
        unit = index.locate(finding.start_line, finding.end_line)
        units.setdefault(unit.name, (unit, []))[1].append(finding)
    return units


@pytest.fixture(scope="module")
def semgrep_fixes(tmp_path_factory):
    path = "src/demo/Accounts.java"
    analyzer = SemgrepJavaAnalyzer()
    findings = analyzer.analyze_text(SOURCE, path)
    fixer = JavaFixer(Options(cache_dir=str(tmp_path_factory.mktemp("cache"))), {"semgrep": analyzer})
    units = _by_unit(findings, SOURCE, path)
    prepared = fixer.prepare([(unit, group, SOURCE) for unit, group in units.values()])  # as the pipeline does
    outcomes = {name: (unit, group, fixer.fix(unit, group, SOURCE)) for name, (unit, group) in units.items()}
    return outcomes, prepared


@needs_semgrep
def test_sql_fix_is_verified_by_semgrep_and_applies_as_line_edits(semgrep_fixes):
    unit, findings, outcome = semgrep_fixes[0]["Accounts.find"]
    fix = outcome.fix

    assert fix is not None and fix.operators == ("promsec:java/java-prepared-statement",)
    assert fix.cwes_removed == (89,)
    assert outcome.resolved == {f.fingerprint for f in findings}
    fixed = apply_edits(SOURCE, fix.edits)
    assert 'conn.prepareStatement("SELECT * FROM users WHERE name = ?");' in fixed
    after = SemgrepJavaAnalyzer().analyze_text(fixed, "src/demo/Accounts.java")
    assert after is not None and not [f for f in after if f.cwe == 89]
    assert fix.similarity >= 0.6
    # Every candidate of the three units and the original went through semgrep in one run.
    assert semgrep_fixes[1].analyzer_runs == 1 and outcome.cost.analyzer_runs == 0


@needs_semgrep
def test_two_findings_in_one_method_are_fixed_together(semgrep_fixes):
    _, findings, outcome = semgrep_fixes[0]["Accounts.token"]

    assert {f.rule_id for f in findings} == {"java-weak-hash", "java-predictable-random"}
    assert set(outcome.fix.operators) == {"promsec:java/java-strong-hash", "promsec:java/java-secure-random"}
    assert outcome.resolved == {f.fingerprint for f in findings}
    assert sorted(outcome.fix.cwes_removed) == [328, 330]


@needs_semgrep
def test_a_rewrite_that_breaks_compilation_is_rejected(semgrep_fixes):
    # PASSWORD is a switch label: System.getenv is not a constant, so javac rejects the rewrite.
    unit, findings, outcome = semgrep_fixes[0]["<module>"]

    assert [f.rule_id for f in findings] == ["java-hardcoded-secret"]
    assert outcome.fix is None and outcome.resolved == frozenset()
    assert "does not compile" in outcome.notices[0].message


@needs_engine
def test_findbugs_finding_is_fixed_and_verified_by_findbugs(tmp_path):
    path = "src/demo/Accounts.java"
    analyzer = SpotBugsAnalyzer(cache_dir=str(tmp_path))
    findings = analyzer.analyze_text(SOURCE, path)
    units = _by_unit(findings, SOURCE, path)
    unit, group = units["Accounts.find"]

    outcome = JavaFixer(Options(cache_dir=str(tmp_path)), {"spotbugs": analyzer}).fix(unit, group, SOURCE)

    assert [f.rule_id for f in group] == ["SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE"]
    assert outcome.fix is not None and outcome.resolved == {group[0].fingerprint}
    assert outcome.cost.analyzer_runs == 1  # the original and the candidate, compiled and analyzed in one run


PROBE = textwrap.dedent("""\
    public class Files {
        static java.io.File open(String name) {
            return new java.io.File("/srv/data/" + name);
        }

        public static void main(String[] args) {
            for (String name : args) {
                try {
                    System.out.println(open(name).getPath());
                } catch (IllegalArgumentException e) {
                    System.out.println("rejected " + name);
                }
            }
        }
    }
""")


@pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime")
def test_path_fix_keeps_benign_paths_and_rejects_traversal(tmp_path):
    from promsec_ci.java.rewrite import by_name

    fixed = by_name("java-path-in-base-dir").apply(PROBE, 3).text
    runs = {}
    for label, text in (("before", PROBE), ("after", fixed)):
        (tmp_path / label).mkdir()
        source = tmp_path / label / "Files.java"
        source.write_text(text)
        result = subprocess.run(["java", str(source), "reports/a.txt", "../../etc/passwd"],
                                capture_output=True, text=True, timeout=120, check=True)
        runs[label] = result.stdout.splitlines()

    assert runs["before"] == ["/srv/data/reports/a.txt", "/srv/data/../../etc/passwd"]
    assert runs["after"] == ["/srv/data/reports/a.txt", "rejected ../../etc/passwd"]
