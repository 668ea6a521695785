import io
import json
from pathlib import Path

import jsonschema

from promsec_ci.config import Options
from promsec_ci.report.json import write_json

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "promsec_ci" / "report" / "report.schema.json").read_text())


def test_json_report_matches_its_documented_schema(report):
    stream = io.StringIO()
    write_json(report, stream, Options())
    data = json.loads(stream.getvalue())

    jsonschema.validate(data, SCHEMA)
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    assert by_rule["B324"]["blocking"] is True
    assert by_rule["B602"]["blocking"] is False and by_rule["B602"]["suppressed"] is True
    edits = by_rule["B506"]["fix"]["edits"]
    assert edits == [{"start_line": 7, "end_line": 7, "text": "    return yaml.safe_load(text)\n"}]
    assert data["summary"] == {"files_scanned": 2, "findings": 4, "blocking": 2, "fixes": 1}
