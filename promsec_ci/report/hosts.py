"""Code-host reporters for ``scan --reporter``: pick the PR's diff range from the CI, then
publish the report where the PR is reviewed.

``github-pr-review``: one review with inline comments and suggested changes, plus the job
summary and workflow annotations. ``github-check``: the job summary and annotations only (the
job's check run shows them; no write permission needed). ``gitlab-mr``: MR discussions with
suggestions. ``none``: nothing beyond ``--format``.
"""

from __future__ import annotations

import dataclasses
import io
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from promsec_ci.ci_env import BuildInfo, get_build_info
from promsec_ci.config import Options
from promsec_ci.records import Notice, Report

if TYPE_CHECKING:
    from promsec_ci.cli.app import App
    from promsec_ci.pipeline import ScanRequest

REPORTERS = ("none", "github-pr-review", "github-check", "gitlab-mr")


def prepare_request(request: ScanRequest, reporter: str, build: BuildInfo | None = None) -> ScanRequest:
    """For a PR run without ``--base``/``--staged``/paths, diff the PR: merge-base of its base
    and head, fetching and deepening a shallow checkout as needed. Other requests are returned
    with their base made resolvable (a shallow clone gets deepened)."""
    from promsec_ci.git_history import ensure_merge_base

    if reporter == "none" or request.staged:
        return request
    build = build or get_build_info()
    if request.base:
        # CI checkouts rarely have a local branch named like the base: try the remote's too.
        bases = [request.base] + ([f"origin/{request.base}"] if not request.base.startswith("origin/") else [])
        found = ensure_merge_base(request.root, bases, request.head)
        return dataclasses.replace(request, base=found.base, head=found.head)
    if request.paths != (".",) or build.pr_number is None:
        return request
    bases = []
    if build.host == "gitlab" and build.base_sha:
        bases.append(build.base_sha)  # GitLab hands over the merge-base itself
    if build.base_ref:
        bases.append(f"origin/{build.base_ref}")
    if build.base_sha and build.base_sha not in bases:
        bases.append(build.base_sha)
    if not bases:
        return request
    found = ensure_merge_base(request.root, bases, build.head_sha)
    return dataclasses.replace(request, base=found.base, head=found.head)


def sarif_destination(formats: Sequence[str], outputs: Sequence[str]) -> str | None:
    """The file this run wrote SARIF to, if any."""
    for index, fmt in enumerate(formats):
        if fmt == "sarif" and index < len(outputs) and outputs[index] != "-":
            return outputs[index]
    return None


def publish(report: Report, options: Options, *, reporter: str, max_comments: int = 25,
            sarif_file: str | None = None, upload: bool = False, github_output: str | None = None,
            build: BuildInfo | None = None, app: App | None = None, stream: TextIO | None = None,
            write_interval: float = 1.0) -> list[Notice]:
    """Publish ``report`` with ``reporter``; returns (and shows) the reporters' notices.

    Never raises for host API failures: the gate decides the exit code, not the reporter.

    Args:
        report: the run's report.
        options: gate thresholds.
        reporter: one of ``REPORTERS``.
        max_comments: cap on inline comments.
        sarif_file: the SARIF file the run wrote (an output, and what ``upload`` sends).
        upload: upload SARIF to GitHub code scanning.
        github_output: step outputs file (default ``GITHUB_OUTPUT``).
        build: CI facts (default: read from the environment).
        app: where notices are shown.
        stream: where workflow commands go (default stdout).
        write_interval: seconds between GitHub write requests.
    """
    build = build or get_build_info()
    notices: list[Notice] = []
    if reporter in ("github-pr-review", "github-check"):
        notices += _github(report, options, build, reporter, max_comments, stream or sys.stdout, write_interval)
    elif reporter == "gitlab-mr":
        from promsec_ci.report.gitlab_mr import GitLabMRReporter

        notices += GitLabMRReporter(build, max_comments=max_comments).post(report, options).notices
    if upload:
        from promsec_ci.report.github import upload_sarif

        notices.append(upload_sarif(build, _sarif_text(report, options, sarif_file), scanned_sha=report.head_sha))
    output = github_output or build.output
    if output:
        from promsec_ci.report.github import append_file, format_outputs, step_outputs

        append_file(output, format_outputs(step_outputs(report, options, sarif_file)))
    if app is not None:
        for notice in notices:
            (app.display_info if notice.level == "note" else app.display_warning)(notice.message)
    return notices


def _github(report: Report, options: Options, build: BuildInfo, reporter: str, max_comments: int,
            stream: TextIO, write_interval: float) -> list[Notice]:
    from promsec_ci.report.github import (
        SUMMARY_LIMIT,
        GitHubReviewer,
        append_file,
        publish_summary,
        write_annotations,
    )

    notices: list[Notice] = []
    if reporter == "github-pr-review":
        result = GitHubReviewer(build, max_comments=max_comments, write_interval=write_interval).post(report, options)
        notices += result.notices
    write_annotations(report, options, stream)
    if build.step_summary:
        append_file(build.step_summary, publish_summary(report, options, build, notices), SUMMARY_LIMIT)
    return notices


def _sarif_text(report: Report, options: Options, sarif_file: str | None) -> str:
    if sarif_file:
        try:
            with open(sarif_file, encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            pass
    from promsec_ci.report.sarif import write_sarif

    buffer = io.StringIO()
    write_sarif(report, buffer, options, category=options.extra.get("category", ""))
    return buffer.getvalue()
