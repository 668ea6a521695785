"""chmod-restrict: permissive chmod modes -> owner-only bits."""

import pytest

from promsec_ci.rewrite.chmod_restrict import ChmodRestrict
from tests.rewrite.rewrite_check import check


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
    ("mode", "new"), [("0o777", "0o700"), ("0o666", "0o600"), ("438", "0o600"), ("0o775", "0o700")]
)
def test_modes(mode, new):
    check(ChmodRestrict, f"import os\nos.chmod(p, {mode})\n", 2, f"import os\nos.chmod(p, {new})\n", "B103")


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.chmod(p, 0o644)\n",
        "import os\nos.chmod(p, 0o077)\n",
        # Only the owner writes: a program others run (Bandit flags the group execute bit).
        "import os\nos.chmod(venv_python, 0o755)\n",
        "import os\nos.chmod(p, mode)\n",
        "import os\nos.chmod(p, mode=0o777)\n",
    ],
)
def test_refuses(source):
    assert ChmodRestrict.apply(source, 2) is None
