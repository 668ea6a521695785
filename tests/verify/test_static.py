"""Static verification with the real Bandit: every check can reject a candidate on its own."""

from __future__ import annotations

import math
import textwrap

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.config import Options
from promsec_ci.units import UnitIndex
from promsec_ci.verify.static import StaticVerifier, map_region

ORIGINAL = textwrap.dedent('''\
    import functools

    import yaml


    def helper(x):
        return x * 2


    @functools.lru_cache(maxsize=None)
    def load(stream, strict=False, *, name="cfg"):
        # parse the settings
        data = yaml.load(stream, Loader=yaml.Loader)
        if strict and not isinstance(data, dict):
            raise ValueError(f"{name}: expected a mapping, got {type(data).__name__}")
        settings = {key.lower(): value for key, value in (data or {}).items()}
        return {name: settings, "strict": strict}
    ''')

FIXED = ORIGINAL.replace("yaml.load(stream, Loader=yaml.Loader)", "yaml.safe_load(stream)")


@pytest.fixture(scope="module")
def analyzer() -> BanditAnalyzer:
    return BanditAnalyzer()


def verify(candidate: str, original: str = ORIGINAL, line: int | None = None, **options):
    line = line or next(i for i, text in enumerate(original.splitlines(), 1) if "yaml.load(" in text)
    findings = [f for f in BanditAnalyzer().analyze_text(original, "app.py") if f.start_line == line]
    assert findings, "the fixture must hold a finding at the line"
    unit = UnitIndex(original, "app.py").locate(line)
    return StaticVerifier(Options(**options)).verify(original, candidate, unit, findings)


def test_a_real_fix_verifies_with_its_numbers():
    verdict = verify(FIXED)
    assert verdict.ok, verdict.reason
    assert (verdict.cwes_before, verdict.cwes_left, verdict.new_findings) == (1, 0, 0)
    assert 0.8 < verdict.similarity < 1.0
    assert verdict.reason.startswith("verified: k 1 -> 0")


def test_a_candidate_that_does_not_parse_is_rejected():
    verdict = verify(FIXED.replace("return {name", "return {{name"))
    assert not verdict.ok and verdict.reason.startswith("does not parse")


def test_the_unit_must_keep_its_name():
    verdict = verify(FIXED.replace("def load(", "def load_safely("))
    assert not verdict.ok and verdict.reason == "unit load not found in the rewritten file"


@pytest.mark.parametrize(("before", "after", "reason"), [
    ('strict=False, *, name="cfg"', 'strict=False, *, name="cfg", extra=None', "signature of load changed"),
    ("strict=False", "strict", "signature of load changed"),
    ("def load(", "async def load(", "load changed between def and async def"),
    ("@functools.lru_cache(maxsize=None)\n", "", "decorators of load changed"),
])
def test_the_unit_must_keep_signature_async_ness_and_decorators(before, after, reason):
    verdict = verify(FIXED.replace(before, after))
    assert not verdict.ok
    assert verdict.reason == reason


def test_every_other_function_must_stay():
    candidate = FIXED.replace("def helper(x):\n    return x * 2\n", "")
    verdict = verify(candidate)
    assert not verdict.ok and verdict.reason == "functions or classes removed: helper"


def test_a_new_finding_elsewhere_is_rejected_even_though_lines_shifted():
    candidate = "import subprocess\n" + FIXED.replace("return x * 2", "return eval(x)")
    verdict = verify(candidate)
    assert not verdict.ok
    assert verdict.new_findings == 1 and verdict.reason.startswith("1 new finding: B307")


def test_a_candidate_that_removes_no_cwe_is_rejected():
    verdict = verify(ORIGINAL.replace("# parse the settings", "# parse the settings safely"))
    assert not verdict.ok
    assert verdict.reason == "no CWE removed in the unit (k=1 before, 1 after)"


def test_a_stub_that_drops_the_unit_inputs_is_rejected():
    body = FIXED.index("    data = yaml.safe_load")
    stub = FIXED[:body] + "    return {}\n"
    verdict = verify(stub)
    assert not verdict.ok and verdict.reason == "load no longer reads data, key, name, settings, stream, strict, value"
    assert verdict.cwes_left == 0


def test_a_rewrite_that_keeps_the_inputs_but_not_the_code_fails_the_similarity_threshold():
    body = FIXED.index("    data = yaml.safe_load")
    rewrite = FIXED[:body] + ("    data = settings = {key: value for key, value in [(stream, strict)]}\n"
                              "    return {name: data or settings}\n")
    verdict = verify(rewrite, min_similarity=0.8)
    assert not verdict.ok and verdict.reason == f"token similarity {verdict.similarity:.2f} < 0.80"
    assert verify(FIXED, min_similarity=0.8).ok


def test_a_one_line_function_is_compared_file_wide_but_must_keep_its_inputs():
    original = ("import os\n\nFOLDER = '/srv/data'\n\n\ndef ago(days):\n"
                "    return os.popen(\"date --date='\" + str(days) + \" day ago' +'%Y'\").read()[:-1]\n\n\n"
                "def listing():\n    return sorted(os.listdir(FOLDER))\n")
    fixed = original.replace(
        "os.popen(\"date --date='\" + str(days) + \" day ago' +'%Y'\").read()",
        "subprocess.run(['date', '--date=' + str(days) + ' day ago', '+%Y'], capture_output=True, text=True).stdout",
    ).replace("import os\n", "import os\nimport subprocess\n")
    verdict = verify(fixed, original, line=7)
    assert verdict.ok, verdict.reason
    stub = original.replace(original.splitlines()[6], "    return '2024'")
    rejected = verify(stub, original, line=7)
    assert not rejected.ok and rejected.reason == "ago no longer reads days"


def test_the_subprocess_review_markers_of_a_shell_free_rewrite_are_not_new_findings():
    original = ("import os\n\n\ndef ping(host, log):\n    log.info('pinging %s', host)\n"
                "    status = os.system('ping -c 1 ' + host)\n    log.info('status %d', status)\n"
                "    return status == 0\n")
    candidate = original.replace("os.system('ping -c 1 ' + host)",
                                 "subprocess.run(['ping', '-c', '1', host]).returncode").replace(
        "import os\n", "import os\nimport subprocess\n")
    found = {f.rule_id for f in BanditAnalyzer().analyze_text(candidate, "app.py")}
    assert {"B404", "B603"} <= found
    verdict = verify(candidate, original, line=6)
    assert verdict.ok, verdict.reason


def test_subprocess_markers_already_in_the_unit_neither_count_as_cwes_nor_as_new():
    original = ("import os\nimport subprocess\n\n\ndef refresh(host, log):\n    subprocess.call(['sync'])\n"
                "    log.info('pinging %s', host)\n    status = os.system('ping -c 1 ' + host)\n"
                "    return status == 0\n")
    candidate = original.replace("os.system('ping -c 1 ' + host)",
                                 "subprocess.run(['ping', '-c', '1', host]).returncode")
    findings = BanditAnalyzer().analyze_text(original, "app.py")
    assert {f.rule_id for f in findings} >= {"B404", "B603", "B607", "B605"}
    unit = UnitIndex(original, "app.py").locate(8)
    verdict = StaticVerifier(Options()).verify(original, candidate, unit, findings)
    assert verdict.ok, verdict.reason
    assert (verdict.cwes_before, verdict.cwes_left) == (1, 0)


def test_module_level_code_is_followed_through_added_imports():
    original = "import yaml\n\nCONFIG = yaml.load(open('c.yml'), Loader=yaml.Loader)\nDEBUG = False\n"
    candidate = "import json\nimport yaml\n\nCONFIG = yaml.safe_load(open('c.yml'))\nDEBUG = False\n"
    assert map_region(original, candidate, 3, 3) == (4, 4)
    verdict = verify(candidate, original, line=3)
    assert verdict.ok, verdict.reason


def test_module_level_code_is_compared_file_wide():
    original = 'import os\n\nDB = os.path.join("data", "users.db")\nADMIN_PASSWORD = "s3cr3t-admin"\nDEBUG = False\n'
    candidate = original.replace('"s3cr3t-admin"', 'os.environ["ADMIN_PASSWORD"]')
    verdict = verify(candidate, original, line=4)
    assert verdict.ok, verdict.reason
    assert verdict.similarity > 0.8


def test_a_lower_severity_target_sets_the_cwe_floor():
    original = ("import random\n\n\ndef token(user):\n    salt = user.name.encode()\n"
                "    value = random.randint(0, 10**6)\n    return salt.hex() + str(value)\n")
    candidate = original.replace("random.randint(0, 10**6)", "secrets.randbelow(10**6 + 1)").replace(
        "import random\n", "import random\nimport secrets\n")
    verdict = verify(candidate, original, line=6)
    assert verdict.ok, verdict.reason
    assert (verdict.cwes_before, verdict.cwes_left) == (1, 0)


def test_bandit_results_are_cached_by_text(analyzer):
    verifier = StaticVerifier(Options(), analyzer)
    unit = UnitIndex(ORIGINAL, "app.py").locate(13)
    findings = [f for f in analyzer.analyze_text(ORIGINAL, "app.py") if f.rule_id == "B506"]
    for _ in range(3):
        verifier.verify(ORIGINAL, FIXED, unit, findings)
    assert verifier.analyzer_runs == 2


def test_whole_file_check_of_combined_fixes(analyzer):
    verifier = StaticVerifier(Options(), analyzer)
    assert verifier.verify_file(ORIGINAL, FIXED, "app.py") == ""
    assert verifier.verify_file(ORIGINAL, ORIGINAL, "app.py") == "combined fixes remove no finding"
    assert verifier.verify_file(ORIGINAL, FIXED + "\neval('1')\n", "app.py") == "combined fixes add findings: B307"
    assert verifier.verify_file(ORIGINAL, FIXED + "\n)\n", "app.py").startswith("combined fixes do not parse")


def test_graph_similarity_is_checked():
    verdict = verify(FIXED)
    assert verdict.ok and not math.isnan(verdict.graph_similarity)
    assert 0.0 <= verdict.graph_similarity <= 1.0
    strict = verify(FIXED, min_graph_similarity=1.01)
    assert not strict.ok and strict.reason.startswith("graph similarity")


def test_a_tiny_unit_is_not_gated_on_its_graph_ratio_but_still_reports_it(analyzer):
    # A one-statement function's graph is little more than the fixed statement: the fix is
    # judged on the file (token similarity, signature, kept variables), its graph ratio is shown.
    original = "import random\n\n\ndef reset_code():\n    return random.randint(100000, 999999)\n"
    fixed = "import secrets\n\n\ndef reset_code():\n    return secrets.randbelow(900000) + 100000\n"
    unit = UnitIndex(original, "t.py").locate(5)
    findings = [f for f in analyzer.analyze_text(original, "t.py") if f.rule_id == "B311"]
    strict = Options(min_graph_similarity=0.99)

    verdict = StaticVerifier(strict, analyzer).verify(original, fixed, unit, findings)

    assert verdict.ok, verdict.reason
    assert verdict.graph_similarity < 0.99


@pytest.mark.parametrize(
    "stub_body",
    ["    return 'TODO'\n", "    pass\n", "    raise NotImplementedError\n", '    """Generated."""\n    ...\n'],
)
def test_stubs_are_rejected_whatever_their_similarity(analyzer, stub_body):
    original = "import random\n\n\ndef reset_code():\n    return random.randint(100000, 999999)\n"
    unit = UnitIndex(original, "t.py").locate(5)
    findings = analyzer.analyze_text(original, "t.py")
    stub = "import random\n\n\ndef reset_code():\n" + stub_body

    verdict = StaticVerifier(Options(min_similarity=0.0, min_graph_similarity=0.0), analyzer).verify(
        original, stub, unit, findings)

    assert not verdict.ok and "reset_code" in verdict.reason
