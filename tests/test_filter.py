import pytest

from promsec_ci.filter import FilterMode, filter_findings
from promsec_ci.records import FileChange, Finding, Level


def finding(line: int, end: int | None = None, path: str = "a.py") -> Finding:
    return Finding("bandit", "B602", "x", 78, Level.HIGH, Level.HIGH, path, line, end or line, "m")


FILES = {"a.py": FileChange("a.py", "", added_lines=frozenset({10, 11}), context_lines=frozenset(range(7, 15)))}


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        (FilterMode.ADDED, [10, 9]),
        (FilterMode.DIFF_CONTEXT, [10, 9, 7]),
        (FilterMode.FILE, [10, 9, 7, 1]),
        (FilterMode.NOFILTER, [10, 9, 7, 1]),
    ],
)
def test_modes_keep_what_they_promise(mode, kept):
    findings = [finding(10), finding(9, 11), finding(7), finding(1), finding(10, path="other.py")]
    assert [f.start_line for f in filter_findings(findings, FILES, mode)] == kept


def test_mode_names_round_trip_from_the_cli():
    assert FilterMode.from_cli("diff-context") is FilterMode.DIFF_CONTEXT
    with pytest.raises(ValueError):
        FilterMode.from_cli("everything")


def test_plain_path_scans_keep_everything():
    files = {"a.py": FileChange("a.py", "")}
    assert len(filter_findings([finding(1)], files, FilterMode.ADDED)) == 1
