"""Small builders shared by the graph tests."""

from __future__ import annotations

import textwrap

from promsec_ci.units import UnitIndex


def unit_of(text: str, line: int, path: str = "m.py"):
    text = textwrap.dedent(text)
    return UnitIndex(text, path).locate(line), text
