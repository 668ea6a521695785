"""Reporters by format name. Each writes one ``Report`` to a text stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from promsec_ci.config import Options
from promsec_ci.records import Report

Writer = Callable[[Report, TextIO, Options], None]


def _text(report: Report, stream: TextIO, options: Options) -> None:
    from promsec_ci.report.text import write_text

    write_text(report, stream, options)


def _json(report: Report, stream: TextIO, options: Options) -> None:
    from promsec_ci.report.json import write_json

    write_json(report, stream, options)


def _sarif(report: Report, stream: TextIO, options: Options) -> None:
    from promsec_ci.report.sarif import write_sarif

    write_sarif(report, stream, options, category=options.extra.get("category", ""))


def _gitlab(report: Report, stream: TextIO, options: Options) -> None:
    from promsec_ci.report.gitlab import write_gitlab

    write_gitlab(report, stream, options)


FORMATS: dict[str, Writer] = {"text": _text, "json": _json, "sarif": _sarif, "gitlab": _gitlab}
