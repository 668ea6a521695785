"""GitLab: merge request discussions with suggested changes (python-gitlab, API v4).

Same policy as the GitHub reviewer: blocking findings get a diff discussion on their lines
(worst first, at most ``max_comments``) whose ```suggestion:-0+N block replaces exactly those
lines; the rest, and any GitLab refuses to place on the diff, are listed in one summary
discussion. The hidden ``<!-- promsec-ci:FINGERPRINT -->`` marker makes re-runs idempotent.

Endpoints: ``GET /projects/:id/merge_requests/:iid``, ``GET|POST .../discussions``,
``PUT|DELETE .../discussions/:discussion_id/notes/:note_id``.

Sample note::

    **B602 subprocess_popen_with_shell_equals_true** · CWE-78 · severity HIGH · confidence HIGH
    ...
    ```suggestion:-0+0
        subprocess.run(shlex.split(cmd))
    ```
    <!-- promsec-ci:9f0c... -->
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from promsec_ci.ci_env import BuildInfo
from promsec_ci.config import Options
from promsec_ci.records import Finding, Notice, Report
from promsec_ci.report.github import OUTSIDE_DIFF, InlineComment, plan_review, review_body
from promsec_ci.report.markdown import marker_key

SUMMARY_KEY = "review"  # shared with the GitHub review body: "review-<digest>"


@dataclass
class MRResult:
    """What posting did, for the log and the tests."""

    posted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    in_body: int = 0
    summary: str = ""  # "", "posted", "updated" or "unchanged"
    notices: list[Notice] = field(default_factory=list)


def gitlab_suggestion(start: int, end: int) -> str:
    """GitLab's fence info: the comment sits on ``start`` and replaces ``end - start`` more lines."""
    return f"suggestion:-0+{end - start}"


class GitLabMRReporter:
    """Keeps our discussions on the merge request in ``build`` in step with a report.

    Args:
        build: API URL, project id, MR IID and token (``PROMSEC_GITLAB_TOKEN``: the job token
            cannot write notes).
        max_comments: cap on diff discussions.
        timeout: HTTP timeout in seconds.
    """

    def __init__(self, build: BuildInfo, *, max_comments: int = 25, timeout: float = 30) -> None:
        self.build = build
        self.max_comments = max_comments
        self.timeout = timeout

    def client(self):
        import gitlab

        url = (self.build.api_url or "").removesuffix("/api/v4")
        return gitlab.Gitlab(url=url, private_token=self.build.token,
                             job_token=None if self.build.token else self.build.job_token,
                             timeout=self.timeout, per_page=100, retry_transient_errors=True)

    def post(self, report: Report, options: Options) -> MRResult:
        """Never raises for API failures: they become notices."""
        import gitlab
        from requests.exceptions import RequestException

        result = MRResult()
        if not (self.build.api_url and self.build.project_id and self.build.pr_number):
            result.notices.append(Notice("MR discussions skipped: not a merge request pipeline"))
            return result
        if not (self.build.token or self.build.job_token):
            result.notices.append(Notice("MR discussions skipped: no token (set PROMSEC_GITLAB_TOKEN)"))
            return result
        try:
            self._post(report, options, result)
        except gitlab.GitlabError as exc:
            code = getattr(exc, "response_code", None)
            if code in (401, 403):
                result.notices.append(Notice(
                    f"MR discussions skipped: the token cannot write notes ({code}); set PROMSEC_GITLAB_TOKEN "
                    "to a project access token with the api scope (findings are in gl-sast-report.json)"))
            else:
                result.notices.append(Notice(f"MR discussions skipped: GitLab API error {code}: {exc.error_message}"))
        except RequestException as exc:
            result.notices.append(Notice(f"MR discussions skipped: cannot reach the GitLab API ({exc})"))
        return result

    def _post(self, report: Report, options: Options, result: MRResult) -> None:
        import gitlab

        gl = self.client()
        project = gl.projects.get(self.build.project_id, lazy=True)
        mr = project.mergerequests.get(self.build.pr_number)
        refs = mr.diff_refs or {}
        # GitLab says which lines are on the diff only by refusing a position; assume each is.
        plan = plan_review(report, options, {f.path: None for f in report.findings}, self.max_comments,
                           suggestion_info=gitlab_suggestion)
        discussions = list(mr.discussions.list(iterator=True))
        ours, summary = self._ours(discussions)
        to_post = self._reconcile(mr, plan.inline, report, ours, result)

        in_body = list(plan.in_body)
        by_fp = {f.fingerprint: f for f in report.findings}
        for comment in to_post:
            line = comment.start_line or comment.line
            position = {"position_type": "text", "base_sha": refs.get("base_sha"), "start_sha": refs.get("start_sha"),
                        "head_sha": refs.get("head_sha") or self.build.review_sha, "new_path": comment.path,
                        "old_path": comment.path, "new_line": line}
            try:
                mr.discussions.create({"body": comment.body, "position": position})
                result.posted += 1
            except gitlab.GitlabCreateError as exc:
                if exc.response_code != 400:
                    raise
                in_body.append((by_fp[comment.fingerprint], OUTSIDE_DIFF))
        result.in_body = len(in_body)
        self._summary(mr, report, options, in_body, summary, result)

    def _ours(self, discussions: list) -> tuple[dict[str, list[tuple[Any, dict]]], tuple[Any, dict] | None]:
        ours: dict[str, list[tuple[Any, dict]]] = defaultdict(list)
        summary = None
        for discussion in discussions:
            notes = discussion.attributes.get("notes") or []
            if not notes:
                continue
            key = marker_key(notes[0].get("body"))
            if key is None:
                continue
            if key.startswith(SUMMARY_KEY):
                summary = (discussion, notes[0])
            else:
                ours[key].append((discussion, notes[0]))
        return ours, summary

    def _reconcile(self, mr, wanted: tuple[InlineComment, ...], report: Report,
                   ours: dict[str, list[tuple[Any, dict]]], result: MRResult) -> list[InlineComment]:
        present = {f.fingerprint for f in report.findings}
        to_post: list[InlineComment] = []
        stale: list[tuple[Any, dict]] = []
        for comment in wanted:
            olds = ours.pop(comment.fingerprint, [])
            line = comment.start_line or comment.line
            match = next((o for o in olds if (o[1].get("position") or {}).get("new_path") == comment.path
                          and (o[1].get("position") or {}).get("new_line") == line), None)
            if match is None:
                to_post.append(comment)
            elif match[1].get("body", "").strip() == comment.body.strip():
                result.unchanged += 1
            else:
                self._edit(mr, match, comment.body)
                result.updated += 1
            stale += [o for o in olds if o is not match]
        for key, olds in ours.items():
            if key not in present:  # the finding is gone: the author fixed it
                stale += olds
        for discussion, note in stale:
            if len(discussion.attributes.get("notes") or []) == 1:  # replies make it a conversation: keep
                mr.discussions.get(discussion.id, lazy=True).notes.delete(note["id"])
                result.deleted += 1
        return to_post

    def _edit(self, mr, found: tuple[Any, dict], body: str) -> None:
        discussion, note = found
        editable = mr.discussions.get(discussion.id, lazy=True).notes.get(note["id"], lazy=True)
        editable.body = body
        editable.save()

    def _summary(self, mr, report: Report, options: Options, in_body: list[tuple[Finding, str]],
                 existing: tuple[Any, dict] | None, result: MRResult) -> None:
        body = review_body(report, options, in_body)
        if existing is None:
            if in_body:
                mr.discussions.create({"body": body})
                result.summary = "posted"
            return
        if marker_key(existing[1].get("body")) == marker_key(body):
            result.summary = "unchanged"
            return
        self._edit(mr, existing, body)
        result.summary = "updated"
