import json

import pytest

from promsec_ci.ci_env import get_build_info
from promsec_ci.errors import PromsecError


def event_file(tmp_path, data) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_github_pull_request_event(tmp_path):
    event = {"number": 7, "pull_request": {
        "number": 7, "base": {"ref": "main", "sha": "b" * 40, "repo": {"full_name": "octo/app"}},
        "head": {"ref": "feat", "sha": "h" * 40, "repo": {"full_name": "someone/app"}}}}
    build = get_build_info({
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event_file(tmp_path, event),
        "GITHUB_REPOSITORY": "octo/app", "GITHUB_SHA": "m" * 40, "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_API_URL": "https://ghe.example/api/v3/", "INPUT_GITHUB_TOKEN": "t1", "GITHUB_TOKEN": "t2",
        "GITHUB_STEP_SUMMARY": "/s", "GITHUB_OUTPUT": "/o", "GITHUB_WORKSPACE": "/w"})
    assert (build.host, build.owner, build.repo, build.pr_number) == ("github", "octo", "app", 7)
    assert (build.base_ref, build.base_sha, build.head_sha) == ("main", "b" * 40, "h" * 40)
    assert build.review_sha == "h" * 40 and build.sha == "m" * 40
    assert build.api_url == "https://ghe.example/api/v3" and build.token == "t1"  # the action input wins
    assert build.is_fork and (build.step_summary, build.output, build.workspace) == ("/s", "/o", "/w")


def test_github_push_event_has_no_pull_request(tmp_path):
    build = get_build_info({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REPOSITORY": "o/r",
                            "GITHUB_EVENT_PATH": event_file(tmp_path, {"ref": "refs/heads/main"}),
                            "GITHUB_SHA": "a" * 40})
    assert build.pr_number is None and build.review_sha == "a" * 40 and not build.is_fork
    assert build.api_url == "https://api.github.com"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_bad_event_file_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "event.json"
    path.write_text(content)
    with pytest.raises(PromsecError, match="event file"):
        get_build_info({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path)})
    with pytest.raises(PromsecError, match="missing file"):
        get_build_info({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(tmp_path / "nope.json")})


def test_gitlab_merge_request_pipeline():
    build = get_build_info({
        "GITLAB_CI": "true", "CI_API_V4_URL": "https://gitlab.example/api/v4", "CI_PROJECT_ID": "42",
        "CI_PROJECT_PATH": "grp/app", "CI_MERGE_REQUEST_IID": "5", "CI_MERGE_REQUEST_DIFF_BASE_SHA": "b" * 40,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_SHA": "h" * 40, "CI_JOB_TOKEN": "job",
        "PROMSEC_GITLAB_TOKEN": "pat", "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": "grp/app"})
    assert (build.host, build.project_id, build.pr_number, build.repository) == ("gitlab", "42", 5, "grp/app")
    assert (build.base_sha, build.head_sha, build.base_ref) == ("b" * 40, "h" * 40, "main")
    assert (build.token, build.job_token) == ("pat", "job") and not build.is_fork


def test_no_ci_detected():
    build = get_build_info({"PATH": "/bin"})
    assert build.host == "local" and build.pr_number is None and build.token is None
