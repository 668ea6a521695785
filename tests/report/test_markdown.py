import difflib

from promsec_ci.records import Edit, Fix
from promsec_ci.report.markdown import code_block, fence_for, marker, marker_key, suggestions


def fix_between(old: str, new: str) -> Fix:
    diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "a/m.py", "b/m.py"))
    return Fix("m.py", "f", (), ("op",), diff=diff)


def test_fence_is_longer_than_any_backtick_run_inside():
    assert fence_for("plain") == "```"
    assert fence_for("a ```` b ` c") == "`````"
    assert code_block("x = '```'", "suggestion") == "````suggestion\nx = '```'\n````"


def test_marker_round_trip():
    assert marker_key("text\n" + marker("ab12") + "\n") == "ab12"
    assert marker_key("<!-- other -->") is None and marker_key(None) is None


def test_suggestion_from_diff_spans_changed_lines_only():
    old = "".join(f"line{i}\n" for i in range(1, 11))
    new = old.replace("line4\n", "LINE4\n").replace("line6\n", "LINE6\n")
    (only,) = suggestions(fix_between(old, new))
    assert (only.start_line, only.end_line) == (4, 6)
    assert only.text == "LINE4\nline5\nLINE6\n"


def test_pure_insertion_is_anchored_on_a_neighbouring_line():
    old = "import os\n\n\ndef f():\n    return os.getcwd()\n"
    new = "import os\nimport shlex\n\n\ndef f():\n    return os.getcwd()\n"
    (only,) = suggestions(fix_between(old, new))
    assert (only.start_line, only.end_line, only.text) == (1, 1, "import os\nimport shlex\n")


def test_edits_are_used_when_there_is_no_diff():
    fix = Fix("m.py", "f", (Edit(3, 4, "a\n"), Edit(1, 0, "import x\n")), ("op",))
    assert [(s.start_line, s.end_line) for s in suggestions(fix)] == [(3, 4)]
