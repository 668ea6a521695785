"""GitLab MR reporter against a local GitLab API v4 server, with the real python-gitlab client
and reports from real scans of small git repositories."""

from __future__ import annotations

import dataclasses

import pytest

from promsec_ci.ci_env import BuildInfo
from promsec_ci.pipeline import ScanRequest, scan
from promsec_ci.records import Edit, Fix
from promsec_ci.report.gitlab_mr import GitLabMRReporter, gitlab_suggestion
from promsec_ci.report.markdown import marker_key
from tests.servers.gitlab import FakeGitLab, MergeRequest
from tests.servers.repos import FIXED, HEAD, diff_of, pr_scan


@pytest.fixture
def server():
    fake = FakeGitLab().start()
    yield fake
    fake.stop()


def build_for(server, mr: MergeRequest, token: str = "write-token") -> BuildInfo:
    return BuildInfo(host="gitlab", repository="grp/app", project_id=mr.project_id, pr_number=mr.iid,
                     head_sha=mr.head_sha, api_url=f"{server.url}/api/v4", token=token)


@pytest.fixture
def first_run(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    mr = server.add_mr(MergeRequest("42", 5, base, head, {"app.py": diff_of(git_repo, base, head, "app.py")}))
    result = GitLabMRReporter(build_for(server, mr)).post(report, options)
    return report, options, mr, result


def test_first_run_opens_a_diff_discussion_per_blocking_finding(first_run, server):
    report, options, mr, result = first_run
    assert result.posted == 3 and not result.notices and result.summary == ""
    notes = server.notes()
    assert len(notes) == 3 and all(n["type"] == "DiffNote" for n in notes)
    shell = next(f for f in report.findings if f.rule_id == "B602")
    note = next(n for n in notes if marker_key(n["body"]) == shell.fingerprint)
    assert note["position"]["new_line"] == shell.start_line and note["position"]["head_sha"] == mr.head_sha
    assert "CWE-78" in note["body"]


def test_rerun_is_idempotent(first_run, server):
    report, options, mr, _ = first_run
    before = {n["id"]: n["body"] for n in server.notes()}
    again = GitLabMRReporter(build_for(server, mr)).post(report, options)
    assert (again.posted, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)
    assert {n["id"]: n["body"] for n in server.notes()} == before
    assert server.count("POST", r"/api/v4/projects/42/merge_requests/5/discussions") == 3


def test_suggestion_block_uses_gitlab_line_offsets(first_run, server):
    report, options, mr, _ = first_run
    shell = next(f for f in report.findings if f.rule_id == "B602")
    line = shell.start_line
    new_text = FIXED.splitlines(True)[line - 1] + "    # no shell\n"
    fix = Fix("app.py", "run", (Edit(line - 1, line, HEAD.splitlines(True)[line - 2] + new_text),), ("x",))
    report = dataclasses.replace(report, findings=tuple(
        dataclasses.replace(f, fix=fix) if f is shell else f for f in report.findings))
    result = GitLabMRReporter(build_for(server, mr)).post(report, options)
    # the two-line suggestion starts one line earlier: the old note is replaced, not edited
    assert result.posted == 1 and result.deleted == 1
    note = next(n for n in server.notes() if marker_key(n["body"]) == shell.fingerprint)
    assert note["position"]["new_line"] == line - 1
    assert "```suggestion:-0+1\n    import subprocess\n    return subprocess.call(cmd.split())\n    # no shell\n```" \
        in note["body"]
    assert gitlab_suggestion(4, 4) == "suggestion:-0+0"


def test_fixed_finding_note_is_deleted_unless_someone_replied(first_run, server, git_repo):
    report, options, mr, _ = first_run
    load_discussion = next(d for d in server.discussions.values() if "B301" in d["notes"][0]["body"])
    server.reply(load_discussion["id"], "Trusted input only.")
    git_repo.write("app.py", FIXED.replace("pickle.loads(blob)", "blob.decode()"))
    mr.head_sha = git_repo.commit("fix")
    report = scan(ScanRequest(root=str(git_repo.path), options=options, base="main"))
    result = GitLabMRReporter(build_for(server, mr)).post(report, options)
    bodies = [n["body"] for n in server.notes()]
    assert not any("B602" in b for b in bodies) and any("B301" in b for b in bodies)
    assert result.deleted == 1


def test_position_outside_the_diff_goes_into_the_summary(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    # GitLab's diff only knows the first added lines: the others are refused with 400
    mr = server.add_mr(MergeRequest("42", 6, base, head, {"app.py": "@@ -5,0 +6,6 @@\n+\n+\n+x\n+x\n+x\n+x\n"}))
    result = GitLabMRReporter(build_for(server, mr)).post(report, options)
    assert result.posted == 1 and result.in_body == 2 and result.summary == "posted"
    summary = next(n for n in server.notes() if n["position"] is None)
    assert summary["body"].count("outside the diff") == 2
    again = GitLabMRReporter(build_for(server, mr)).post(report, options)
    assert again.summary == "unchanged" and again.posted == 0


def test_max_comments_moves_the_rest_into_the_summary(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    mr = server.add_mr(MergeRequest("42", 7, base, head, {"app.py": diff_of(git_repo, base, head, "app.py")}))
    result = GitLabMRReporter(build_for(server, mr), max_comments=2).post(report, options)
    assert result.posted == 2 and result.in_body == 1
    assert "over the comment limit" in next(n for n in server.notes() if n["position"] is None)["body"]


def test_read_only_token_is_a_notice_not_a_crash(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    mr = server.add_mr(MergeRequest("42", 8, base, head, {"app.py": diff_of(git_repo, base, head, "app.py")}))
    result = GitLabMRReporter(build_for(server, mr, token="read-token")).post(report, options)
    assert result.posted == 0 and "cannot write notes (403)" in result.notices[0].message
    assert server.notes() == []


def test_not_a_merge_request_pipeline(first_run):
    report, options, _, _ = first_run
    result = GitLabMRReporter(BuildInfo(host="gitlab")).post(report, options)
    assert "not a merge request" in result.notices[0].message


def test_cli_in_a_merge_request_pipeline(git_repo, server, tmp_path):
    import json
    import os
    import subprocess
    import sys

    report, _, base, head = pr_scan(git_repo)
    server.add_mr(MergeRequest("42", 9, base, head, {"app.py": diff_of(git_repo, base, head, "app.py")}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    env.update(GITLAB_CI="true", CI_API_V4_URL=f"{server.url}/api/v4", CI_PROJECT_ID="42", CI_PROJECT_PATH="grp/app",
               CI_MERGE_REQUEST_IID="9", CI_MERGE_REQUEST_DIFF_BASE_SHA=base, CI_COMMIT_SHA=head,
               CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", PROMSEC_GITLAB_TOKEN="write-token")
    done = subprocess.run([sys.executable, "-m", "promsec_ci", "scan", "--no-fix", "--reporter", "gitlab-mr",
                           "-f", "gitlab", "-o", str(tmp_path / "gl-sast-report.json")], cwd=git_repo.path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "warning" not in done.stderr
    assert len(server.notes()) == 3
    sast = json.loads((tmp_path / "gl-sast-report.json").read_text())
    assert len(sast["vulnerabilities"]) == len(report.findings)
