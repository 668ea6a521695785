import textwrap

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.records import FileChange, Level

SOURCE = textwrap.dedent("""\
    import hashlib
    import subprocess


    def run(cmd):
        subprocess.call("ls " + cmd, shell=True)  # nosec B602
        return hashlib.md5(cmd.encode()).hexdigest()
""")


def test_findings_carry_rule_cwe_levels_lines_and_code():
    findings = {f.rule_id: f for f in BanditAnalyzer().analyze_text(SOURCE, "pkg/run.py")}

    md5 = findings["B324"]
    assert (md5.cwe, md5.severity, md5.confidence) == (327, Level.HIGH, Level.HIGH)
    assert (md5.path, md5.start_line, md5.end_line) == ("pkg/run.py", 7, 7)
    assert md5.code.strip() == "return hashlib.md5(cmd.encode()).hexdigest()"
    assert md5.help_url.startswith("https://bandit.readthedocs.io/")
    assert findings["B404"].rule_name == "import_subprocess"


def test_nosec_marks_the_finding_suppressed_instead_of_dropping_it():
    findings = {f.rule_id: f for f in BanditAnalyzer().analyze_text(SOURCE, "run.py")}
    assert findings["B602"].suppressed is True
    assert findings["B324"].suppressed is False


def test_ruff_bandit_noqa_codes_suppress_their_bandit_rule_only():
    source = textwrap.dedent("""\
        import hashlib


        def cache_dir():
            return "/var/tmp/app"  # noqa: S108, E501
        def label(x):
            return hashlib.md5(x).hexdigest()  # noqa: E501
        def other(x):
            return hashlib.md5(x).hexdigest()  # noqa
    """)
    findings = {(f.rule_id, f.start_line): f for f in BanditAnalyzer().analyze_text(source, "c.py")}
    assert findings[("B108", 5)].suppressed is True
    assert findings[("B324", 7)].suppressed is False
    assert findings[("B324", 9)].suppressed is False


def test_skip_and_tests_select_rules():
    skipped = BanditAnalyzer(skip=("B324",)).analyze_text(SOURCE, "run.py")
    only = BanditAnalyzer(tests=("B324",)).analyze_text(SOURCE, "run.py")
    assert "B324" not in {f.rule_id for f in skipped}
    assert {f.rule_id for f in only} == {"B324"}


def test_unparsable_file_becomes_a_notice_and_others_still_scan():
    files = [FileChange("bad.py", "def broken(:\n"), FileChange("ok.py", SOURCE), FileChange("x.java", "class X {}")]
    analysis = BanditAnalyzer().analyze(files)
    assert [n.path for n in analysis.notices] == ["bad.py"]
    assert {f.path for f in analysis.findings} == {"ok.py"}


def test_a_file_with_a_coding_line_is_analyzed_in_that_encoding():
    # "Á" is C3 81 in UTF-8, and 0x81 is no cp1252 character: read as UTF-8 bytes it would not parse.
    text = ("# -*- coding: cp1252 -*-\nimport yaml\n\n\ndef load(s):\n    # \u00c1rbol\n"
            "    return yaml.load(s, Loader=yaml.Loader)\n")
    findings = BanditAnalyzer().analyze_text(text, "legacy.py")
    assert findings is not None and [(f.rule_id, f.start_line) for f in findings] == [("B506", 7)]
