import io

from promsec_ci.config import Options
from promsec_ci.report.text import write_text


def test_text_lists_findings_fix_notices_and_summary(report):
    stream = io.StringIO()
    write_text(report, stream, Options(), color=False)
    out = stream.getvalue()

    assert "pkg/app.py:12  B324 hashlib  CWE-327  HIGH/HIGH  blocking" in out
    assert "  12 |     return hashlib.md5(cmd.encode()).hexdigest()" in out
    assert "suppressed (nosec)" in out
    assert "+    return yaml.safe_load(text)" in out
    assert "notice pkg/broken.py: skipped: Python syntax error" in out
    assert out.rstrip().splitlines()[-1] == "4 findings (2 blocking) in 2 files, 1 fix, 1 notice"
