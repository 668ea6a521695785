"""The scan pipeline with fixing on: fixes reach findings, only the ones they remove, in every report."""

from __future__ import annotations

import io
import json
import textwrap

from promsec_ci.config import Options
from promsec_ci.pipeline import ScanRequest, scan
from promsec_ci.report.json import write_json
from promsec_ci.report.sarif import write_sarif

SOURCE = textwrap.dedent('''\
    import yaml


    def load(stream, strict):
        assert strict in (True, False)
        settings = yaml.load(stream, Loader=yaml.Loader)
        exec(settings["hook"])
        return settings
    ''')


def run(tmp_path, **options):
    (tmp_path / "svc.py").write_text(SOURCE)
    return scan(ScanRequest(root=str(tmp_path), options=Options(ggan=False, llm=False, **options),
                            paths=(str(tmp_path),)))


def test_the_fix_is_attached_only_to_the_finding_it_removes(tmp_path):
    report = run(tmp_path)
    by_rule = {f.rule_id: f for f in report.findings}
    assert set(by_rule) == {"B101", "B506", "B102"}
    fix = by_rule["B506"].fix
    assert fix is not None and fix.operators == ("yaml-safe-load",) and fix.unit == "load"
    assert by_rule["B101"].fix is None and by_rule["B102"].fix is None
    assert [(e.start_line, e.end_line) for e in fix.edits] == [(6, 6)]
    assert fix.edits[0].text == "    settings = yaml.safe_load(stream)\n"
    assert report.cost.analyzer_runs >= 2


def test_reports_carry_the_fix(tmp_path):
    report = run(tmp_path)
    options = Options()
    out = io.StringIO()
    write_json(report, out, options)
    fixed = [f for f in json.loads(out.getvalue())["findings"] if f["fix"]]
    assert [f["rule_id"] for f in fixed] == ["B506"]
    out = io.StringIO()
    write_sarif(report, out, options)
    results = [r for run_ in json.loads(out.getvalue())["runs"] for r in run_["results"] if r.get("fixes")]
    replacement = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"]["startLine"] == 6
    assert "safe_load" in replacement["insertedContent"]["text"]


def test_no_fix_option_skips_fixing(tmp_path):
    report = run(tmp_path, fix=False)
    assert report.findings and all(f.fix is None for f in report.findings)
