import pytest

from promsec_ci.config import Options
from promsec_ci.gate import exit_code
from promsec_ci.records import Finding, Level, Report


def report(severity: Level, confidence: Level, suppressed: bool = False) -> Report:
    return Report(findings=(Finding("bandit", "B1", "x", None, severity, confidence, "a.py", 1, 1, "m",
                                    suppressed=suppressed),))


@pytest.mark.parametrize(
    ("severity", "confidence", "suppressed", "expected"),
    [
        (Level.MEDIUM, Level.MEDIUM, False, 1),
        (Level.LOW, Level.HIGH, False, 0),
        (Level.HIGH, Level.LOW, False, 0),
        (Level.HIGH, Level.HIGH, True, 0),
    ],
)
def test_blocking_needs_severity_and_confidence_and_no_nosec(severity, confidence, suppressed, expected):
    assert exit_code(report(severity, confidence, suppressed), Options()) == expected


def test_exit_zero_and_thresholds():
    blocked = report(Level.MEDIUM, Level.MEDIUM)
    assert exit_code(blocked, Options(), exit_zero=True) == 0
    assert exit_code(blocked, Options(fail_on=Level.HIGH)) == 0
    assert exit_code(Report(findings=()), Options()) == 0
