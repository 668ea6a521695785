import io
import json
from pathlib import Path

import jsonschema
import pytest

from promsec_ci.config import Options
from promsec_ci.fingerprints import VERSION
from promsec_ci.records import Report
from promsec_ci.report.sarif import write_sarif

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text())


def render(report: Report, **kwargs) -> dict:
    stream = io.StringIO()
    write_sarif(report, stream, Options(), **kwargs)
    return json.loads(stream.getvalue())


def test_log_is_valid_sarif_2_1_0(report, schema):
    log = render(report)
    jsonschema.validate(log, schema)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")


def test_empty_report_is_valid_and_has_one_run(schema):
    log = render(Report(findings=(), tools={"bandit": "1.9.4"}))
    jsonschema.validate(log, schema)
    assert len(log["runs"]) == 1 and log["runs"][0]["results"] == []


def test_rules_carry_cwe_tags_precision_and_security_severity(report):
    run = render(report, category="pr")["runs"][0]
    assert run["automationDetails"]["id"] == "pr/bandit/"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    md5 = rules["B324"]
    assert md5["properties"]["tags"] == ["security", "external/cwe/cwe-327"]
    assert md5["properties"]["security-severity"] == "7.5"
    assert md5["properties"]["precision"] == "high"
    assert md5["defaultConfiguration"]["level"] == "error"
    for key in ("name", "shortDescription", "fullDescription", "help", "helpUri"):
        assert key in md5
    assert "CWE-327" in md5["help"]["markdown"]


def test_results_have_location_fingerprint_suppression_and_fix(report):
    results = {r["ruleId"]: r for r in render(report)["runs"][0]["results"]}
    md5 = results["B324"]
    location = md5["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "pkg/app.py"
    assert location["region"]["startLine"] == 12 and location["region"]["startColumn"] >= 1
    assert len(md5["partialFingerprints"][VERSION]) == 32
    assert results["B602"]["suppressions"] == [{"kind": "inSource", "justification": "# nosec"}]
    assert "suppressions" not in md5

    fix = results["B506"]["fixes"][0]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {"startLine": 7, "startColumn": 1, "endLine": 8, "endColumn": 1}
    assert replacement["insertedContent"]["text"] == "    return yaml.safe_load(text)\n"


def test_notices_become_tool_notifications(report):
    invocation = render(report)["runs"][0]["invocations"][0]
    notification = invocation["toolExecutionNotifications"][0]
    assert "syntax error" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/broken.py"
