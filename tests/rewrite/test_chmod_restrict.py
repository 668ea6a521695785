"""chmod-restrict: permissive chmod modes -> owner-only bits."""

from collections import Counter
from textwrap import dedent

import pytest

from promsec_ci.analyzers.bandit import BanditAnalyzer
from promsec_ci.rewrite.chmod_restrict import ChmodRestrict

BANDIT = BanditAnalyzer()


def rules(text: str) -> Counter:
    found = BANDIT.analyze_text(text, "sample.py")
    assert found is not None, "sample does not parse"
    return Counter(f.rule_id for f in found)


def check(operator, before: str, line: int, after: str, rule: str) -> None:
    """The rewrite at ``line`` is exactly ``after``, clears ``rule`` and adds no finding."""
    before, after = dedent(before), dedent(after)
    assert rules(before)[rule] >= 1
    rewrite = operator.apply(before, line)
    assert rewrite is not None
    assert rewrite.text == after
    assert rules(after)[rule] == 0
    assert not rules(after) - rules(before), "the rewrite introduced a finding"


def test_world_writable_becomes_owner_only():
    check(
        ChmodRestrict,
        """\
        import os

        # make it runnable
        os.chmod(script, 0o777)  # was too open
        """,
        4,
        """\
        import os

        # make it runnable
        os.chmod(script, 0o700)  # was too open
        """,
        "B103",
    )


@pytest.mark.parametrize(
    ("mode", "new"), [("0o755", "0o700"), ("0o666", "0o600"), ("438", "0o600"), ("0o775", "0o700")]
)
def test_modes(mode, new):
    check(ChmodRestrict, f"import os\nos.chmod(p, {mode})\n", 2, f"import os\nos.chmod(p, {new})\n", "B103")


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.chmod(p, 0o644)\n",
        "import os\nos.chmod(p, 0o077)\n",
        "import os\nos.chmod(p, mode)\n",
        "import os\nos.chmod(p, mode=0o777)\n",
    ],
)
def test_refuses(source):
    assert ChmodRestrict.apply(source, 2) is None
