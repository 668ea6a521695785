"""A report built from a real Bandit scan of a small file, with one fix attached."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.fingerprints import assign_fingerprints
from promsec_ci.records import Edit, Fix, Notice, Report
from promsec_ci.units import UnitIndex

SOURCE = textwrap.dedent("""\
    import hashlib
    import subprocess
    import yaml


    def load(text):
        return yaml.load(text, Loader=yaml.Loader)


    def run(cmd):
        subprocess.call("ls " + cmd, shell=True)  # nosec B602
        return hashlib.md5(cmd.encode()).hexdigest()
""")

YAML_FIX = Fix(
    path="pkg/app.py",
    unit="load",
    edits=(Edit(7, 7, "    return yaml.safe_load(text)\n"),),
    operators=("yaml-safe-load",),
    directives=("Load YAML with yaml.safe_load so that no Python objects can be constructed.",),
    cwes_removed=(20,),
    description="Use yaml.safe_load",
    similarity=0.9,
    diff="-    return yaml.load(text, Loader=yaml.Loader)\n+    return yaml.safe_load(text)\n",
)


@pytest.fixture
def report() -> Report:
    findings = BanditAnalyzer().analyze_text(SOURCE, "pkg/app.py")
    index = UnitIndex(SOURCE, "pkg/app.py")
    findings = assign_fingerprints(findings, lambda f: index.locate(f.start_line))
    findings = [dataclasses.replace(f, fix=YAML_FIX) if f.rule_id == "B506" else f for f in findings]
    return Report(
        findings=tuple(findings),
        notices=(Notice("skipped: Python syntax error, file not analyzed", "pkg/broken.py"),),
        files_scanned=2,
        tools={"bandit": "1.9.4"},
        started_at="2026-11-24T08:00:00+00:00",
        finished_at="2026-11-24T08:00:01+00:00",
    )
