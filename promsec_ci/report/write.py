"""Pair ``--format`` with ``--output`` and write every report of one run."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from promsec_ci.config import Options
from promsec_ci.errors import PromsecError
from promsec_ci.fileio import atomic_write
from promsec_ci.records import Report
from promsec_ci.report import FORMATS

if TYPE_CHECKING:
    from promsec_ci.cli.app import App


def pair_outputs(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str]]:
    """(format, destination) pairs; a format without an output goes to stdout ('-')."""
    formats = list(formats) or ["text"]
    if len(outputs) > len(formats):
        raise PromsecError("more --output than --format values: give one --format per --output")
    pairs = [(fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)]
    if sum(1 for _, dest in pairs if dest == "-") > 1:
        raise PromsecError("only one report can go to stdout: give --output for the others")
    return pairs


def write_reports(report: Report, options: Options, formats: Sequence[str], outputs: Sequence[str],
                  app: App | None = None) -> None:
    for fmt, dest in pair_outputs(formats, outputs):
        writer = FORMATS[fmt]
        if dest == "-":
            if fmt == "text" and app is not None:
                writer(report, app.console.file, options)
            else:
                writer(report, sys.stdout, options)
            continue
        buffer = io.StringIO()
        writer(report, buffer, options)
        try:
            atomic_write(dest, buffer.getvalue())
        except OSError as exc:
            raise PromsecError(f"cannot write {dest}: {exc.strerror or exc}") from None
