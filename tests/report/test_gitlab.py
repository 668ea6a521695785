import io
import json
import uuid

from promsec_ci.config import Options
from promsec_ci.report.gitlab import write_gitlab


def test_gitlab_sast_report_shape(report):
    stream = io.StringIO()
    write_gitlab(report, stream, Options())
    data = json.loads(stream.getvalue())

    assert data["version"].startswith("15.")
    scan = data["scan"]
    assert scan["type"] == "sast" and scan["status"] == "success"
    assert scan["start_time"] == "2026-11-24T08:00:00" and scan["end_time"] == "2026-11-24T08:00:01"
    assert {"id", "name", "version", "vendor"} <= set(scan["analyzer"]) and scan["scanner"]["version"] == "1.9.4"
    assert "syntax error" in scan["messages"][0]["value"]

    vulns = {v["identifiers"][0]["value"]: v for v in data["vulnerabilities"]}
    assert "B602" not in vulns  # nosec'd findings are not vulnerabilities
    md5 = vulns["B324"]
    uuid.UUID(md5["id"])
    assert md5["severity"] == "High"
    assert md5["location"] == {"file": "pkg/app.py", "start_line": 12, "end_line": 12}
    assert {"type": "cwe", "name": "CWE-327", "value": "327"}.items() <= md5["identifiers"][1].items()
    assert "solution" not in md5
    assert "yaml.safe_load" in vulns["B506"]["solution"]


def test_ids_are_stable_across_runs(report):
    def ids():
        stream = io.StringIO()
        write_gitlab(report, stream, Options())
        return [v["id"] for v in json.loads(stream.getvalue())["vulnerabilities"]]

    assert ids() == ids()
