"""GitHub: pull request review comments with suggested changes (PyGithub), the job summary,
workflow annotations, step outputs and the code-scanning SARIF upload.

Quiet by design: only blocking findings get inline comments (at most ``max_comments``, worst
first); blocking findings that cannot be placed on the diff, or are over the cap, are listed in
the review body; every finding is in the job summary and the annotations.

Sample annotation::

    ::error file=app.py,line=12,endLine=12,title=B608 hardcoded_sql_expressions (CWE-89)::Possible SQL injection...

Endpoints: ``GET /repos/{o}/{r}/pulls/{n}/files``, ``GET .../pulls/{n}/comments``,
``GET .../pulls/{n}/reviews``, ``POST .../pulls/{n}/reviews``,
``PATCH|DELETE /repos/{o}/{r}/pulls/comments/{id}``, ``POST /repos/{o}/{r}/code-scanning/sarifs``.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from promsec_ci.ci_env import BuildInfo
from promsec_ci.config import Options
from promsec_ci.gate import is_blocking
from promsec_ci.records import Finding, Notice, Report
from promsec_ci.report.markdown import (
    comment_body,
    counts_line,
    digest,
    findings_table,
    marker,
    marker_key,
    pick_suggestion,
    summary_markdown,
)

REVIEW_KEY = "review"
OUTSIDE_DIFF = "outside the diff"
OVER_LIMIT = "over the comment limit"
NOT_PLACED = "GitHub could not place it on the diff"
READ_ONLY = "Resource not accessible by integration"
SUMMARY_LIMIT = 1_000_000  # bytes; GitHub refuses step summaries over 1 MiB
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


# --- workflow commands, job summary, step outputs -------------------------------------------

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: Report, options: Options) -> list[str]:
    """``::error``/``::warning``/``::notice`` workflow commands: error for blocking findings,
    warning for the others, notice for suppressed ones and for run notices."""
    lines = []
    for f in report.findings:
        command = "error" if is_blocking(f, options) else ("notice" if f.suppressed else "warning")
        title = f"{f.rule_id} {f.rule_name}" + (f" (CWE-{f.cwe})" if f.cwe else "")
        message = f.message + (" A verified fix is in the job summary." if f.fix is not None else "")
        props = f"file={_escape_property(f.path)},line={f.start_line},endLine={f.end_line}"
        lines.append(f"::{command} {props},title={_escape_property(title)}::{_escape_data(message)}")
    for n in report.notices:
        command = {"error": "error", "note": "notice"}.get(n.level, "warning")
        props = f" file={_escape_property(n.path)}" if n.path else ""
        lines.append(f"::{command}{props}::{_escape_data('promsec-ci: ' + n.message)}")
    return lines


def write_annotations(report: Report, options: Options, stream: TextIO) -> None:
    for line in annotation_lines(report, options):
        stream.write(line + "\n")
    stream.flush()


def append_file(path: str, text: str, limit: int | None = None) -> None:
    """Append to a GitHub file command (``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``); the runner
    reads these files after the step, so appending is the protocol, not a rewrite. ``limit``
    truncates ``text`` to that many bytes (GitHub drops job summaries over 1 MiB)."""
    if limit is not None and len(text.encode("utf-8")) > limit:
        note = "\n\n_(truncated: the full report is in the SARIF file)_\n"
        text = text.encode("utf-8")[:limit - len(note)].decode("utf-8", "ignore") + note
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def step_outputs(report: Report, options: Options, sarif_file: str | None) -> dict[str, str]:
    return {
        "sarif_file": sarif_file or "",
        "findings_count": str(len(report.findings)),
        "blocking_count": str(sum(1 for f in report.findings if is_blocking(f, options))),
        "fixes_count": str(len(report.fixes)),
    }


def format_outputs(values: Mapping[str, str]) -> str:
    out = []
    for name, value in values.items():
        if "\n" in value:
            delimiter = f"promsec_{digest(value)}"
            out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            out.append(f"{name}={value}\n")
    return "".join(out)


def file_link(build: BuildInfo, finding: Finding) -> str | None:
    if not (build.server_url and build.repository and build.review_sha):
        return None
    return f"{build.server_url}/{build.repository}/blob/{build.review_sha}/{finding.path}#L{finding.start_line}"


# --- the review plan (pure) -----------------------------------------------------------------

@dataclass(frozen=True)
class InlineComment:
    """A review comment on lines ``start_line..line`` (RIGHT side) of ``path``."""

    fingerprint: str
    path: str
    line: int
    start_line: int | None
    body: str

    def as_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}
        if self.start_line is not None:
            data["start_line"] = self.start_line
            data["start_side"] = "RIGHT"
        return data


@dataclass(frozen=True)
class ReviewPlan:
    """What a run wants on the PR: inline comments, and the blocking findings left for the body."""

    inline: tuple[InlineComment, ...]
    in_body: tuple[tuple[Finding, str], ...]


def hunk_ranges(patch: str | None) -> list[range] | None:
    """RIGHT-side line ranges of the hunks in one file's ``patch`` (``None`` when GitHub left the
    patch out, as it does for large diffs: placement is then unknown, not impossible)."""
    if patch is None:
        return None
    ranges = []
    for match in _HUNK.finditer(patch):
        start, length = int(match.group(1)), int(match.group(2) if match.group(2) is not None else 1)
        if length:
            ranges.append(range(start, start + length))
    return ranges


def _placeable(start: int, end: int, hunks: list[range] | None) -> bool:
    if hunks is None:
        return True
    return any(start in hunk and end in hunk for hunk in hunks)


def plan_review(report: Report, options: Options, diff: Mapping[str, list[range] | None],
                max_comments: int, *, suggestion_info=None) -> ReviewPlan:
    """Choose the inline comments: blocking findings, worst first, placed on the diff.

    Args:
        report: the run's report.
        options: gate thresholds (what is blocking).
        diff: path -> hunk ranges of the PR diff (``None``: the host did not say).
        max_comments: cap on inline comments; the rest go into the body.
        suggestion_info: ``f(start, end) -> fence info`` (GitLab's ``suggestion:-0+N``).
    """
    blocking = [f for f in report.findings if is_blocking(f, options) and f.fingerprint]
    blocking.sort(key=lambda f: (-f.severity, -f.confidence, f.path, f.start_line))
    inline: list[InlineComment] = []
    in_body: list[tuple[Finding, str]] = []
    seen: set[str] = set()
    suggested: set[tuple[str, int, int]] = set()  # one suggestion per range: findings may share a fix
    for finding in blocking:
        if finding.fingerprint in seen:
            continue
        seen.add(finding.fingerprint)
        if finding.path not in diff:
            in_body.append((finding, OUTSIDE_DIFF))
            continue
        hunks = diff[finding.path]
        suggestion, more = pick_suggestion(finding)
        if suggestion is not None and (finding.path, suggestion.start_line, suggestion.end_line) in suggested:
            suggestion, more = None, True
        if suggestion is not None and _placeable(suggestion.start_line, suggestion.end_line, hunks):
            start, end = suggestion.start_line, suggestion.end_line
        elif _placeable(finding.start_line, finding.end_line, hunks):
            start, end = finding.start_line, finding.end_line
            more = more or suggestion is not None
            suggestion = None
        else:
            in_body.append((finding, OUTSIDE_DIFF))
            continue
        if len(inline) >= max_comments:
            in_body.append((finding, OVER_LIMIT))
            continue
        if suggestion is not None:
            suggested.add((finding.path, start, end))
        info = suggestion_info(start, end) if suggestion_info else "suggestion"
        body = comment_body(finding, suggestion, more, suggestion_info=info)
        inline.append(InlineComment(finding.fingerprint, finding.path, end, start if start != end else None, body))
    return ReviewPlan(tuple(inline), tuple(in_body))


def review_body(report: Report, options: Options, in_body: Sequence[tuple[Finding, str]], link=None) -> str:
    """The review's own text: counts, and the blocking findings that have no inline comment.

    The marker's digest covers only those findings and reasons, so a re-run whose counts moved
    but whose list did not stays silent."""
    parts = ["### promsec-ci", "", counts_line(report, options) + "."]
    if in_body:
        reasons = {f.fingerprint: reason for f, reason in in_body}
        parts += ["", "Blocking findings without an inline comment:", "",
                  findings_table([f for f, _ in in_body], options, reasons, link)]
    others = sum(1 for f in report.findings if not is_blocking(f, options))
    if others:
        parts += ["", f"{others} non-blocking finding(s) are listed in the job summary and annotations."]
    key = digest("\n".join(sorted(f"{f.fingerprint}:{reason}" for f, reason in in_body)))
    return "\n".join(parts) + "\n\n" + marker(f"{REVIEW_KEY}-{key}")


# --- posting ----------------------------------------------------------------------------------

@dataclass
class ReviewResult:
    """What posting did, for the log and the tests."""

    posted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    in_body: int = 0
    review_posted: bool = False
    notices: list[Notice] = field(default_factory=list)


class GitHubReviewer:
    """Posts one review per run on the PR in ``build`` and keeps earlier comments in step.

    Args:
        build: repository, PR number, head sha, API URL and token.
        max_comments: cap on inline comments.
        write_interval: seconds between write requests (GitHub asks for 1 s).
        secondary_rate_wait: wait after a secondary rate limit without ``Retry-After``.
        max_rate_limit_wait: longest wait for a rate limit reset before giving up.
        timeout: HTTP timeout in seconds.
    """

    def __init__(self, build: BuildInfo, *, max_comments: int = 25, write_interval: float = 1.0,
                 secondary_rate_wait: float = 60.0, max_rate_limit_wait: float = 300.0, timeout: int = 30) -> None:
        self.build = build
        self.max_comments = max_comments
        self.write_interval = write_interval
        self.secondary_rate_wait = secondary_rate_wait
        self.max_rate_limit_wait = max_rate_limit_wait
        self.timeout = timeout

    def client(self):
        from github import Auth, Github, GithubRetry

        # GitHub signals secondary limits with 403 or 429 (+ Retry-After); GithubRetry adds 403.
        retry = GithubRetry(total=5, secondary_rate_wait=self.secondary_rate_wait,
                            max_rate_limit_wait=self.max_rate_limit_wait,
                            status_forcelist=[429, *range(500, 600)],
                            allowed_methods={"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"})
        return Github(auth=Auth.Token(self.build.token) if self.build.token else None,
                      base_url=self.build.api_url or "https://api.github.com", timeout=self.timeout,
                      per_page=100, retry=retry, lazy=True, seconds_between_requests=None,
                      seconds_between_writes=self.write_interval or None)

    def post(self, report: Report, options: Options) -> ReviewResult:
        """Reconcile our comments with ``report``; never raises for API failures (they become
        notices, and the job summary and annotations carry the findings)."""
        from github import GithubException
        from requests.exceptions import RequestException

        result = ReviewResult()
        if not (self.build.repository and self.build.pr_number and self.build.review_sha):
            result.notices.append(Notice("review comments skipped: not a pull request run"))
            return result
        if not self.build.token:
            result.notices.append(Notice("review comments skipped: no GitHub token (set github_token)"))
            return result
        try:
            self._post(report, options, result)
        except GithubException as exc:
            result.notices.append(Notice(_describe(exc)))
        except RequestException as exc:
            result.notices.append(Notice(f"review comments skipped: cannot reach the GitHub API ({exc})"))
        return result

    def _post(self, report: Report, options: Options, result: ReviewResult) -> None:
        from github import GithubException

        gh = self.client()
        repo = gh.get_repo(self.build.repository)
        pr = repo.get_pull(self.build.pr_number)
        diff = {f.filename: hunk_ranges(f.patch) for f in pr.get_files()}
        plan = plan_review(report, options, diff, self.max_comments)
        comments = list(pr.get_review_comments())
        reviews = [r for r in pr.get_reviews() if (marker_key(r.body) or "").startswith(REVIEW_KEY)]

        to_post = self._reconcile(plan, report, comments, result)
        in_body = list(plan.in_body)
        body = review_body(report, options, in_body, self._link)
        previous = marker_key(reviews[-1].body) if reviews else None
        if to_post or (marker_key(body) != previous and (in_body or reviews)):
            commit = repo.get_commit(self.build.review_sha)
            try:
                pr.create_review(commit=commit, body=body, event="COMMENT", comments=[c.as_api() for c in to_post])
            except GithubException as exc:
                if exc.status != 422 or not to_post:
                    raise
                # Some line is not in GitHub's diff (a file whose patch it left out, or a diff
                # that moved on): keep what we could verify inline, list the rest in the body.
                known = [c for c in to_post if diff.get(c.path) is not None]
                unknown = [c for c in to_post if diff.get(c.path) is None] or to_post
                if known == to_post:
                    known = []
                by_fp = {f.fingerprint: f for f in report.findings}
                in_body += [(by_fp[c.fingerprint], NOT_PLACED) for c in unknown]
                body = review_body(report, options, in_body, self._link)
                try:
                    pr.create_review(commit=commit, body=body, event="COMMENT", comments=[c.as_api() for c in known])
                    to_post = known
                except GithubException as again:
                    if again.status != 422 or not known:
                        raise
                    in_body += [(by_fp[c.fingerprint], NOT_PLACED) for c in known]
                    body = review_body(report, options, in_body, self._link)
                    pr.create_review(commit=commit, body=body, event="COMMENT", comments=[])
                    to_post = []
            result.review_posted = True
            result.posted = len(to_post)
        result.in_body = len(in_body)

    def _reconcile(self, plan: ReviewPlan, report: Report, comments: list, result: ReviewResult):
        """Update changed comments, delete outdated ones, and return the comments to post."""
        replied = {c.in_reply_to_id for c in comments if c.in_reply_to_id}
        ours: dict[str, list] = defaultdict(list)
        for c in comments:
            key = marker_key(c.body)
            if key and not key.startswith(REVIEW_KEY) and not c.in_reply_to_id:
                ours[key].append(c)
        present = {f.fingerprint for f in report.findings}
        to_post: list[InlineComment] = []
        stale = []
        for wanted in plan.inline:
            olds = ours.pop(wanted.fingerprint, [])
            match = next((o for o in olds if o.path == wanted.path and o.line == wanted.line
                          and (o.start_line or None) == wanted.start_line), None)
            if match is None:
                to_post.append(wanted)
            elif match.body.strip() == wanted.body.strip():
                result.unchanged += 1
            else:
                match.edit(wanted.body)
                result.updated += 1
            stale += [o for o in olds if o is not match]
        for key, olds in ours.items():
            if key not in present:  # the finding is gone: the author fixed it
                stale += olds
        for old in stale:
            if old.id not in replied:  # a thread with replies is a conversation: leave it
                old.delete()
                result.deleted += 1
        return to_post

    def _link(self, finding: Finding) -> str | None:
        return file_link(self.build, finding)


def _describe(exc) -> str:
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data)
    if exc.status == 403 and READ_ONLY.lower() in message.lower():
        return ("review comments skipped: the token is read-only (fork PR?); "
                "findings are in the job summary and annotations")
    if exc.status in (403, 429):
        return f"review comments skipped: GitHub rate limit or permission error ({exc.status}: {message})"
    return f"review comments skipped: GitHub API error {exc.status}: {message}"


# --- SARIF upload -----------------------------------------------------------------------------

def sarif_target(build: BuildInfo, scanned_sha: str | None = None) -> tuple[str | None, str | None]:
    """(commit_sha, ref) the analysis relates to: the PR head when that is what was scanned (its
    lines are the SARIF's lines), else the run's ``GITHUB_SHA``/``GITHUB_REF``."""
    if build.pr_number and build.head_sha and scanned_sha == build.head_sha:
        return build.head_sha, f"refs/pull/{build.pr_number}/head"
    return build.sha, build.ref


def sarif_payload(sarif_text: str, commit_sha: str, ref: str, workspace: str | None = None) -> dict[str, Any]:
    """The body of ``POST /repos/{o}/{r}/code-scanning/sarifs``: gzip + base64 SARIF."""
    encoded = base64.b64encode(gzip.compress(sarif_text.encode("utf-8"))).decode("ascii")
    payload: dict[str, Any] = {"commit_sha": commit_sha, "ref": ref, "sarif": encoded, "tool_name": "promsec-ci"}
    if workspace:
        payload["checkout_uri"] = f"file://{workspace}"
    return payload


def upload_sarif(build: BuildInfo, sarif_text: str, *, scanned_sha: str | None = None, timeout: int = 30) -> Notice:
    """Upload to code scanning; returns a note on success and a warning on failure (never raises).

    Args:
        build: repository, token, API URL, PR and commit facts.
        sarif_text: the SARIF 2.1.0 document.
        scanned_sha: the commit whose files were scanned (``Report.head_sha``).
        timeout: HTTP timeout in seconds.
    """
    from github import GithubException
    from requests.exceptions import RequestException

    commit_sha, ref = sarif_target(build, scanned_sha)
    if not (build.repository and commit_sha and ref and build.token):
        return Notice("SARIF upload skipped: needs GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF and a token")
    reviewer = GitHubReviewer(build, timeout=timeout, write_interval=0)
    try:
        gh = reviewer.client()
        url = f"{build.api_url}/repos/{build.repository}/code-scanning/sarifs"
        payload = sarif_payload(sarif_text, commit_sha, ref, build.workspace)
        _, data = gh.requester.requestJsonAndCheck("POST", url, input=payload)
    except GithubException as exc:
        message = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data)
        return Notice(f"SARIF upload failed ({exc.status}: {message}); "
                      "the workflow needs permissions: security-events: write")
    except RequestException as exc:
        return Notice(f"SARIF upload failed: cannot reach the GitHub API ({exc})")
    return Notice(f"SARIF uploaded to code scanning for {ref} (id {data.get('id', '?')})", level="note")


def publish_summary(report: Report, options: Options, build: BuildInfo, notices: Sequence[Notice] = ()) -> str:
    """The job summary markdown, with this run's reporter notices appended."""
    text = summary_markdown(report, options, link=lambda f: file_link(build, f))
    if notices:
        text += "\n**Reporter**\n\n" + "".join(f"- {n.message}\n" for n in notices)
    return text
