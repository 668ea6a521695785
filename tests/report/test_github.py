"""GitHub reporter against a local GitHub REST server, with the real PyGithub client and
reports from real scans of small git repositories."""

from __future__ import annotations

import dataclasses
import difflib
import io
import time

import pytest

from promsec_ci.ci_env import BuildInfo
from promsec_ci.config import Options
from promsec_ci.gate import is_blocking
from promsec_ci.pipeline import ScanRequest, scan
from promsec_ci.records import Edit, Fix, Report
from promsec_ci.report.github import (
    GitHubReviewer,
    annotation_lines,
    format_outputs,
    hunk_ranges,
    plan_review,
)
from promsec_ci.report.hosts import publish
from promsec_ci.report.markdown import marker_key
from tests.servers.base import Response
from tests.servers.github import SECONDARY, FakeGitHub, Pull, patch_for
from tests.servers.repos import FIXED, HEAD, diff_of, pr_scan


@pytest.fixture
def server():
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


def open_pull(server, git_repo, number: int, base: str, head: str, head_repo: str = "octo/app") -> Pull:
    files = {"app.py": diff_of(git_repo, base, head, "app.py")}
    return server.add_pull(Pull("octo/app", number, head, base, head_repo, files))


def build_for(server, pull: Pull, token: str = "write-token") -> BuildInfo:
    return BuildInfo(host="github", repository=pull.repo, pr_number=pull.number, head_sha=pull.head_sha,
                     sha=pull.head_sha, ref=f"refs/pull/{pull.number}/merge", api_url=server.url, token=token,
                     head_repository=pull.head_repo, server_url="https://github.example")


def reviewer(build: BuildInfo, **kwargs) -> GitHubReviewer:
    return GitHubReviewer(build, write_interval=0, secondary_rate_wait=0.1, **kwargs)


def with_fix(report: Report, rule_id: str, original: str, fixed: str, prompt: str | None = None) -> Report:
    old, new = original.splitlines(True), fixed.splitlines(True)
    diff = "".join(difflib.unified_diff(old, new, "a/app.py", "b/app.py"))
    edits = tuple(Edit(i1 + 1, i2, "".join(new[j1:j2]))
                  for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes() if tag != "equal")
    fix = Fix(path="app.py", unit="run", edits=edits, operators=("subprocess-no-shell",),
              directives=("Pass an argument list without a shell.",), similarity=0.9, diff=diff, prompt=prompt)
    return dataclasses.replace(report, findings=tuple(
        dataclasses.replace(f, fix=fix) if f.rule_id == rule_id else f for f in report.findings))


@pytest.fixture
def first_run(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    pull = server.add_pull(Pull("octo/app", 7, head, base, "octo/app",
                                {"app.py": diff_of(git_repo, base, head, "app.py")}))
    result = reviewer(build_for(server, pull)).post(report, options)
    return report, options, pull, result


def test_first_run_posts_one_review_with_a_comment_per_blocking_finding(first_run, server):
    report, options, pull, result = first_run
    blocking = {f.rule_id for f in report.findings if is_blocking(f, options)}
    assert {"B602", "B301", "B324"} <= blocking
    assert result.review_posted and result.posted == len(blocking) and not result.notices
    assert len(server.reviews) == 1 and server.reviews[0]["commit_id"] == pull.head_sha
    comments = server.ours()
    assert len(comments) == len(blocking)
    by_rule = {c["body"].split("**")[1].split()[0]: c for c in comments}
    shell = next(f for f in report.findings if f.rule_id == "B602")
    assert by_rule["B602"]["line"] == shell.end_line and by_rule["B602"]["side"] == "RIGHT"
    assert "CWE-78" in by_rule["B602"]["body"] and "severity HIGH" in by_rule["B602"]["body"]
    assert marker_key(by_rule["B602"]["body"]) == shell.fingerprint
    # non-blocking findings (B404 import subprocess, LOW) stay out of the inline comments
    assert "B404" not in by_rule and any(f.rule_id == "B404" for f in report.findings)


def test_rerun_with_the_same_findings_posts_nothing_new(first_run, server):
    report, options, pull, _ = first_run
    before = (len(server.reviews), {c["id"]: c["body"] for c in server.ours()})
    again = reviewer(build_for(server, pull)).post(report, options)
    assert not again.review_posted and again.posted == 0 and again.unchanged == len(before[1])
    assert (len(server.reviews), {c["id"]: c["body"] for c in server.ours()}) == before
    assert server.count("PATCH", r"/repos/octo/app/pulls/comments/\d+") == 0


def test_changed_comment_is_updated_in_place(first_run, server):
    report, options, pull, _ = first_run
    shell = next(f for f in report.findings if f.rule_id == "B602")
    line = shell.start_line
    fixed_line = HEAD.splitlines(True)[line - 1].replace("cmd, shell=True", "cmd.split()")
    report = dataclasses.replace(report, findings=tuple(
        dataclasses.replace(f, fix=Fix("app.py", "run", (Edit(line, line, fixed_line),), ("x",), diff=""))
        if f is shell else f for f in report.findings))
    result = reviewer(build_for(server, pull)).post(report, options)
    assert result.updated == 1 and result.posted == 0
    body = next(c["body"] for c in server.ours() if marker_key(c["body"]) == shell.fingerprint)
    assert "```suggestion\n" + fixed_line + "```" in body


def test_outdated_comment_is_deleted_after_the_author_fixes_the_code(first_run, server, git_repo):
    report, options, pull, _ = first_run
    load_comment = next(c for c in server.ours() if "B301" in c["body"])
    server.reply(load_comment["id"], "We only unpickle our own cache here.")
    git_repo.write("app.py", FIXED.replace("pickle.loads(blob)", "blob.decode()").replace("import pickle", "pass"))
    head = git_repo.commit("fix shell and pickle")
    server.push(pull, head, {"app.py": diff_of(git_repo, pull.base_sha, head, "app.py")})
    report = scan(ScanRequest(root=str(git_repo.path), options=options, base="main"))
    assert {"B602", "B301"}.isdisjoint(f.rule_id for f in report.findings)

    result = reviewer(build_for(server, pull)).post(report, options)

    bodies = [c["body"] for c in server.ours()]
    assert not any("B602" in b for b in bodies)  # deleted
    assert any("B301" in b for b in bodies)  # kept: the author replied to it
    # B602's comment is gone for good; B324's was outdated by the push, so it moves to the new head
    assert result.deleted == 2 and result.posted == 1
    assert [c["line"] is not None for c in server.ours() if "B324" in c["body"]] == [True]


def test_suggestion_covers_exactly_the_commented_lines(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    report = with_fix(report, "B602", HEAD, FIXED, prompt="Write run(cmd) that runs ``cmd`` without a shell.")
    pull = open_pull(server, git_repo, 8, base, head)
    reviewer(build_for(server, pull)).post(report, options)
    comment = next(c for c in server.ours() if "B602" in c["body"])
    line = next(f for f in report.findings if f.rule_id == "B602").start_line
    assert comment["line"] == line and comment["start_line"] is None
    assert "```suggestion\n    return subprocess.call(cmd.split())\n```" in comment["body"]
    # the prompt holds a run of two backticks inside a <details>, fenced by a longer run
    assert "<details><summary>Optimized prompt</summary>" in comment["body"]
    assert "```text\nWrite run(cmd) that runs ``cmd`` without a shell.\n```" in comment["body"]


def test_read_only_token_falls_back_to_summary_and_annotations(git_repo, server, tmp_path):
    report, options, base, head = pr_scan(git_repo)
    pull = open_pull(server, git_repo, 15, base, head, "fork/app")
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    build = dataclasses.replace(build_for(server, pull, token="read-token"), step_summary=str(summary),
                                output=str(output))
    stream = io.StringIO()
    reviews_before = len(server.reviews)
    notices = publish(report, options, reporter="github-pr-review", build=build, stream=stream, write_interval=0,
                      sarif_file="out.sarif")
    assert build.is_fork
    assert any("read-only" in n.message for n in notices)
    assert len(server.reviews) == reviews_before
    text = summary.read_text()
    assert "B602" in text and "read-only" in text
    lines = stream.getvalue().splitlines()
    assert any(line.startswith("::error file=app.py,line=") and "B602" in line for line in lines)
    assert any(line.startswith("::warning file=app.py") and "B404" in line for line in lines)
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values["sarif_file"] == "out.sarif" and int(values["blocking_count"]) == 3
    assert int(values["findings_count"]) == len(report.findings) and values["fixes_count"] == "0"


def test_line_outside_the_diff_goes_into_the_review_body(git_repo, server):
    # filter_mode=file also reports findings on unchanged lines, which GitHub cannot comment on
    old = "import pickle\n\n\ndef old(b):\n    return pickle.loads(b)\n" + "\n# padding\n" * 5
    git_repo.write("app.py", old)
    base = git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("app.py", old + "\n\ndef new(x):\n    return eval(x)\n")
    head = git_repo.commit("feature")
    options = Options(fix=False, filter_mode="file")
    report = scan(ScanRequest(root=str(git_repo.path), options=options, base="main"))
    pull = open_pull(server, git_repo, 9, base, head)
    result = reviewer(build_for(server, pull)).post(report, options)
    assert [c["line"] for c in server.ours()] == [19]
    assert result.in_body == 1
    assert "app.py:5" in server.reviews[-1]["body"] and "outside the diff" in server.reviews[-1]["body"]


def test_422_from_github_moves_unplaceable_comments_into_the_body(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    # GitHub left this file's patch out (large diff) and only knows one hunk of it
    true_patch = patch_for({9: "def run(cmd):"})
    pull = server.add_pull(Pull("octo/app", 10, head, base, "octo/app", {"app.py": true_patch}, omit_patch={"app.py"}))
    result = reviewer(build_for(server, pull)).post(report, options)
    assert result.review_posted and result.posted == 0 and result.in_body == 3
    assert server.count("POST", r"/repos/octo/app/pulls/10/reviews") == 2
    assert "could not place" in server.reviews[-1]["body"]


def test_secondary_rate_limit_is_waited_out_then_the_review_is_posted(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    pull = open_pull(server, git_repo, 11, base, head)
    server.inject("POST", r"/repos/octo/app/pulls/11/reviews", Response(403, SECONDARY, {"Retry-After": "1"}))
    started = time.monotonic()
    result = reviewer(build_for(server, pull)).post(report, options)
    assert result.review_posted and result.posted == 3 and not result.notices
    assert server.count("POST", r"/repos/octo/app/pulls/11/reviews") == 2
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured


def test_more_findings_than_max_comments(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    pull = open_pull(server, git_repo, 12, base, head)
    result = reviewer(build_for(server, pull), max_comments=1).post(report, options)
    assert result.posted == 1 and result.in_body == 2 and len(server.ours()) == 1
    assert server.reviews[-1]["body"].count("over the comment limit") == 2


def test_fork_pr_with_a_write_token_reviews_the_head_commit(first_run, server, git_repo):
    report, options, _, _ = first_run
    pull = server.add_pull(Pull("octo/app", 13, git_repo.git("rev-parse", "HEAD"), "0" * 40, "someone/app-fork",
                                {"app.py": diff_of(git_repo, "main", "HEAD", "app.py")}))
    build = build_for(server, pull)
    assert build.is_fork
    result = reviewer(build).post(report, options)
    assert result.posted == 3 and server.reviews[-1]["commit_id"] == pull.head_sha


def test_pull_request_with_300_files_is_paginated(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    files = {f"pkg/mod{i:03}.py": patch_for({1: f"x = {i}"}) for i in range(299)}
    files["app.py"] = diff_of(git_repo, base, head, "app.py")  # the 300th file: on page 3
    pull = server.add_pull(Pull("octo/app", 14, head, base, "octo/app", files))
    result = reviewer(build_for(server, pull)).post(report, options)
    assert result.posted == 3 and result.in_body == 0
    assert server.count("GET", r"/repos/octo/app/pulls/14/files") == 3


def test_sarif_upload_sends_gzip_base64_with_commit_and_ref(first_run, server, tmp_path):
    report, options, pull, _ = first_run
    build = build_for(server, pull)
    notices = publish(report, options, reporter="none", build=build, upload=True)
    assert [n.level for n in notices] == ["note"]
    upload = server.sarifs[-1]
    # the scan read the PR head: that commit and refs/pull/N/head, whose lines the SARIF uses
    assert report.head_sha == pull.head_sha
    assert (upload["commit_sha"], upload["ref"]) == (pull.head_sha, "refs/pull/7/head")
    publish(dataclasses.replace(report, head_sha=None), options, reporter="none",
            build=dataclasses.replace(build, sha="f" * 40), upload=True)
    # no record of the scanned commit: the run's own GITHUB_SHA and GITHUB_REF
    assert (server.sarifs[-1]["commit_sha"], server.sarifs[-1]["ref"]) == ("f" * 40, "refs/pull/7/merge")
    assert upload["decoded"]["version"] == "2.1.0"
    assert {r["ruleId"] for r in upload["decoded"]["runs"][0]["results"]} >= {"B602", "B301"}


def test_read_only_sarif_upload_is_a_warning_not_a_crash(first_run, server):
    report, options, pull, _ = first_run
    notices = publish(report, options, reporter="none", build=build_for(server, pull, "read-token"), upload=True)
    assert notices[0].level == "warning" and "security-events: write" in notices[0].message


def test_annotations_escape_workflow_command_characters():
    from promsec_ci.records import Finding, Level

    finding = Finding("bandit", "B101", "assert_used", 703, Level.LOW, Level.HIGH, "a,b:c.py", 3, 3,
                      "100% bad\nnext line", fingerprint="f" * 32)
    (line,) = annotation_lines(Report(findings=(finding,)), Options())
    assert line == ("::warning file=a%2Cb%3Ac.py,line=3,endLine=3,title=B101 assert_used (CWE-703)"
                    "::100%25 bad%0Anext line")


def test_outputs_format_and_hunk_ranges():
    assert format_outputs({"a": "1", "b": "x\ny"}).startswith("a=1\nb<<promsec_")
    assert hunk_ranges("@@ -1,2 +3,4 @@\n x\n@@ -9 +20 @@\n+y\n") == [range(3, 7), range(20, 21)]
    assert hunk_ranges(None) is None


def test_plan_needs_a_fingerprint_and_respects_the_cap(first_run):
    report, options, _, _ = first_run
    plan = plan_review(report, options, {"app.py": None}, max_comments=2)
    assert len(plan.inline) == 2 and [reason for _, reason in plan.in_body] == ["over the comment limit"]


def test_cli_in_a_shallow_pull_request_checkout(git_repo, server, tmp_path):
    """The action's entry point end to end: event file, shallow clone, merge-base, review, outputs."""
    import json
    import os
    import subprocess
    import sys

    report, _, base, head = pr_scan(git_repo)
    git_repo.git("checkout", "-q", "main")
    git_repo.write("later.py", "print('main moved on')\n")
    git_repo.commit("main moves on")  # the event's base sha is now stale
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--branch", "feature", f"file://{git_repo.path}",
                    str(checkout)], check=True)
    pull = open_pull(server, git_repo, 21, base, head)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 21, "pull_request": {
        "number": 21, "base": {"ref": "main", "sha": base, "repo": {"full_name": "octo/app"}},
        "head": {"ref": "feature", "sha": head, "repo": {"full_name": "octo/app"}}}}))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    env.update(GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event),
               GITHUB_REPOSITORY="octo/app", GITHUB_API_URL=server.url, GITHUB_TOKEN="write-token",
               GITHUB_SHA=head, GITHUB_REF="refs/pull/21/merge", GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_OUTPUT=str(output), GITHUB_WORKSPACE=str(checkout))
    done = subprocess.run([sys.executable, "-m", "promsec_ci", "scan", "--no-fix", "--reporter", "github-pr-review",
                           "-f", "sarif", "-o", "results.sarif"], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert len(server.reviews) == 1 and len(server.ours()) == 3
    assert server.reviews[0]["commit_id"] == pull.head_sha
    assert "::error file=app.py" in done.stdout
    assert "B602" in summary.read_text()
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values == {"sarif_file": "results.sarif", "findings_count": str(len(report.findings)),
                      "blocking_count": "3", "fixes_count": "0"}
    assert (checkout / "results.sarif").is_file()


def test_429_with_retry_after_is_retried(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    pull = open_pull(server, git_repo, 16, base, head)
    server.inject("GET", r"/repos/octo/app/pulls/16/files", Response(429, SECONDARY, {"Retry-After": "0"}))
    result = reviewer(build_for(server, pull)).post(report, options)
    assert result.posted == 3 and server.count("GET", r"/repos/octo/app/pulls/16/files") == 2


def test_exhausted_primary_rate_limit_is_a_notice_not_a_long_wait(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    pull = open_pull(server, git_repo, 17, base, head)
    reset = str(int(time.time()) + 3600)
    server.inject("GET", r"/repos/octo/app/pulls/17/files", Response(
        403, {"message": "API rate limit exceeded for installation ID 1."},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}))
    started = time.monotonic()
    result = reviewer(build_for(server, pull), max_rate_limit_wait=5).post(report, options)
    assert time.monotonic() - started < 5
    assert result.posted == 0 and "rate limit" in result.notices[0].message
    assert server.reviews == []


def test_findings_sharing_one_fix_get_one_suggestion(git_repo, server):
    report, options, base, head = pr_scan(git_repo)
    # one fix for the whole file, attached to every blocking finding: only one comment may carry
    # the suggestion for a given range, the others point to the full diff
    both = FIXED.replace("pickle.loads(blob)", "blob.decode()")
    for rule in ("B602", "B301"):
        report = with_fix(report, rule, HEAD, both)
    pull = open_pull(server, git_repo, 18, base, head)
    reviewer(build_for(server, pull)).post(report, options)
    comments = {c["body"].split("**")[1].split()[0]: c for c in server.ours()}
    # the two edits are 5 lines apart: one diff hunk, so one suggestion spanning both, on B602 (HIGH)
    shell, load = (next(f for f in report.findings if f.rule_id == r) for r in ("B602", "B301"))
    assert (comments["B602"]["start_line"], comments["B602"]["line"]) == (shell.start_line, load.end_line)
    assert comments["B602"]["body"].count("```suggestion") == 1
    assert "```suggestion" not in comments["B301"]["body"] and "Full diff of the fix" in comments["B301"]["body"]
    assert comments["B301"]["line"] == load.start_line


def test_step_summary_is_truncated_below_githubs_limit(tmp_path):
    from promsec_ci.report.github import append_file

    target = tmp_path / "summary.md"
    append_file(str(target), "é" * 2_000_000, limit=1_000_000)
    data = target.read_bytes()
    assert len(data) <= 1_000_000 and data.decode("utf-8").endswith("in the SARIF file)_\n")
