import textwrap

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.fingerprints import assign_fingerprints
from promsec_ci.units import UnitIndex

SOURCE = textwrap.dedent("""\
    import hashlib


    def digest(a, b):
        x = hashlib.md5(a).hexdigest()
        y = hashlib.md5(a).hexdigest()
        return x, y
""")


def fingerprints(source: str, path: str = "m.py") -> list[str]:
    findings = BanditAnalyzer().analyze_text(source, path)
    index = UnitIndex(source, path)
    result = assign_fingerprints(findings, lambda f: index.locate(f.start_line, f.end_line))
    return [f.fingerprint for f in sorted(result, key=lambda f: f.start_line)]


def test_fingerprints_ignore_line_shifts_and_indentation():
    before = fingerprints(SOURCE)
    shifted = fingerprints("# a comment\n\n\n" + SOURCE.replace("        x =", "        x  =  "))
    assert before == shifted


def test_identical_code_twice_in_one_unit_gets_distinct_fingerprints():
    prints = fingerprints(SOURCE)
    assert len(prints) == len(set(prints)) == 2


def test_path_and_unit_are_part_of_the_identity():
    assert fingerprints(SOURCE, "a.py") != fingerprints(SOURCE, "b.py")
    assert fingerprints(SOURCE) != fingerprints(SOURCE.replace("def digest", "def other"))
