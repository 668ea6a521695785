"""Facts about the CI run, read from environment variables (GitHub Actions, GitLab CI).

This is the only module that reads CI environment variables; reporters get a ``BuildInfo``.

Sample::

    BuildInfo(host="github", repository="octo/app", pr_number=7, base_ref="main",
              base_sha="1a2b...", head_sha="3c4d...", api_url="https://api.github.com", ...)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promsec_ci.errors import PromsecError

GITHUB_API_URL = "https://api.github.com"
_PR_EVENTS = ("pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment")


@dataclass(frozen=True)
class BuildInfo:
    """Where a run happens and which pull/merge request it reviews.

    Args:
        host: ``github``, ``gitlab`` or ``local`` (no CI detected).
        repository: ``owner/name`` on GitHub, the project path on GitLab.
        sha: the commit the CI checked out (GitHub's merge commit for pull requests).
        ref: the git ref of the run (``refs/pull/7/merge``).
        pr_number: pull request number or merge request IID; ``None`` outside a PR.
        base_ref: the branch the PR targets.
        base_sha: the base commit the event names (may be stale; the scan computes the merge-base).
        head_sha: the PR's head commit: review comments and scans refer to its lines.
        head_repository: ``owner/name`` the head branch lives in (differs for fork PRs).
        api_url: REST API root (``GITHUB_API_URL`` or ``CI_API_V4_URL``).
        server_url: web root, for links.
        token: API token (``GITHUB_TOKEN``/``INPUT_GITHUB_TOKEN``, ``PROMSEC_GITLAB_TOKEN``/``GITLAB_TOKEN``).
        job_token: GitLab ``CI_JOB_TOKEN`` (read access only for MR notes).
        project_id: GitLab numeric project id.
        workspace: checkout directory.
        step_summary: file the job summary is appended to (``GITHUB_STEP_SUMMARY``).
        output: file step outputs are appended to (``GITHUB_OUTPUT``).
        event_name: the triggering event.
    """

    host: str = "local"
    repository: str | None = None
    sha: str | None = None
    ref: str | None = None
    pr_number: int | None = None
    base_ref: str | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    head_repository: str | None = None
    api_url: str | None = None
    server_url: str | None = None
    token: str | None = None
    job_token: str | None = None
    project_id: str | None = None
    workspace: str | None = None
    step_summary: str | None = None
    output: str | None = None
    event_name: str | None = None

    @property
    def owner(self) -> str | None:
        return self.repository.split("/", 1)[0] if self.repository and "/" in self.repository else None

    @property
    def repo(self) -> str | None:
        return self.repository.split("/", 1)[1] if self.repository and "/" in self.repository else None

    @property
    def is_fork(self) -> bool:
        """True for a PR whose head branch lives in another repository (its token is read-only)."""
        return bool(self.head_repository and self.repository and self.head_repository != self.repository)

    @property
    def review_sha(self) -> str | None:
        """The commit review comments attach to: the PR head, else the checked-out commit."""
        return self.head_sha or self.sha


def get_build_info(env: Mapping[str, str] | None = None) -> BuildInfo:
    """Detect the CI host from ``env`` (default ``os.environ``) and collect its facts.

    Args:
        env: the environment to read; tests pass a plain dict.

    Raises:
        PromsecError: ``GITHUB_EVENT_PATH`` names a file that is missing or not JSON.
    """
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") == "true" or env.get("GITHUB_EVENT_PATH"):
        return _github(env)
    if env.get("GITLAB_CI") == "true" or env.get("CI_API_V4_URL"):
        return _gitlab(env)
    return BuildInfo(workspace=_get(env, "PWD"))


def _get(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _github(env: Mapping[str, str]) -> BuildInfo:
    event_name = _get(env, "GITHUB_EVENT_NAME")
    event = _read_event(_get(env, "GITHUB_EVENT_PATH"))
    pull = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else None
    number = base_ref = base_sha = head_sha = head_repo = None
    if pull is not None:
        number = _int(pull.get("number", event.get("number")))
        base = pull.get("base") or {}
        head = pull.get("head") or {}
        base_ref, base_sha = base.get("ref"), base.get("sha")
        head_sha = head.get("sha")
        head_repo = ((head.get("repo") or {}).get("full_name")) or None
    elif event_name in _PR_EVENTS:
        number = _int(event.get("number"))
    return BuildInfo(
        host="github",
        repository=_get(env, "GITHUB_REPOSITORY"),
        sha=_get(env, "GITHUB_SHA"),
        ref=_get(env, "GITHUB_REF"),
        pr_number=number,
        base_ref=base_ref or _get(env, "GITHUB_BASE_REF"),
        base_sha=base_sha,
        head_sha=head_sha,
        head_repository=head_repo,
        api_url=(_get(env, "GITHUB_API_URL") or GITHUB_API_URL).rstrip("/"),
        server_url=_get(env, "GITHUB_SERVER_URL") or "https://github.com",
        token=_get(env, "INPUT_GITHUB_TOKEN", "GITHUB_TOKEN"),
        workspace=_get(env, "GITHUB_WORKSPACE"),
        step_summary=_get(env, "GITHUB_STEP_SUMMARY"),
        output=_get(env, "GITHUB_OUTPUT"),
        event_name=event_name,
    )


def _read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise PromsecError(f"GITHUB_EVENT_PATH names a missing file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PromsecError(f"cannot read the GitHub event file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise PromsecError(f"the GitHub event file {path} does not hold a JSON object")
    return data


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _gitlab(env: Mapping[str, str]) -> BuildInfo:
    source = _get(env, "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH")
    return BuildInfo(
        host="gitlab",
        repository=_get(env, "CI_PROJECT_PATH"),
        sha=_get(env, "CI_COMMIT_SHA"),
        ref=_get(env, "CI_COMMIT_REF_NAME"),
        pr_number=_int(_get(env, "CI_MERGE_REQUEST_IID")),
        base_ref=_get(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        # GitLab computes the merge-base itself and hands it over.
        base_sha=_get(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA"),
        head_sha=_get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_COMMIT_SHA"),
        head_repository=source,
        api_url=(_get(env, "CI_API_V4_URL") or "").rstrip("/") or None,
        server_url=_get(env, "CI_SERVER_URL"),
        token=_get(env, "PROMSEC_GITLAB_TOKEN", "GITLAB_TOKEN"),
        job_token=_get(env, "CI_JOB_TOKEN"),
        project_id=_get(env, "CI_MERGE_REQUEST_PROJECT_ID", "CI_PROJECT_ID"),
        workspace=_get(env, "CI_PROJECT_DIR"),
        event_name=_get(env, "CI_PIPELINE_SOURCE"),
    )
