"""Enough of the GitHub REST API for PyGithub: pulls, files (paginated), review comments,
reviews, commits and the code-scanning SARIF upload, with tokens that can or cannot write,
rate-limit headers, and GitHub's 422 for comments on lines outside the diff."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import re
import time
from dataclasses import dataclass, field

from tests.servers.base import JsonServer, Request, Response

READ_ONLY = {"message": "Resource not accessible by integration",
             "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"}
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
_REPO = r"/repos/([^/]+/[^/]+)"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def patch_for(added: dict[int, str], context: int = 0) -> str:
    """A one-hunk-per-run unified diff patch whose RIGHT side adds the lines in ``added``."""
    hunks = []
    lines = sorted(added)
    runs = [list(g) for _, g in itertools.groupby(lines, key=lambda n, c=itertools.count(): n - next(c))]
    for run in runs:
        start = run[0]
        body = "".join(f"+{added[n]}\n" for n in run)
        hunks.append(f"@@ -{max(start - 1, 0)},0 +{start},{len(run)} @@\n{body}")
    return "".join(hunks)


def hunk_ranges(patch: str) -> list[range]:
    return [range(int(m.group(1)), int(m.group(1)) + int(m.group(2) or 1)) for m in _HUNK.finditer(patch)]


@dataclass
class Pull:
    repo: str
    number: int
    head_sha: str
    base_sha: str
    head_repo: str
    files: dict[str, str]  # path -> true patch (what GitHub validates comments against)
    omit_patch: set[str] = field(default_factory=set)  # files whose patch the API leaves out


class FakeGitHub(JsonServer):
    """Tokens: ``write-token`` may write, ``read-token`` may only read."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = {"write-token": "write", "read-token": "read"}
        self.pulls: dict[tuple[str, int], Pull] = {}
        self.comments: dict[int, dict] = {}
        self.reviews: list[dict] = []
        self.sarifs: list[dict] = []
        self.ids = itertools.count(1000)
        self.remaining = 5000
        r = _REPO
        self.route("GET", r, self.get_repo)
        self.route("GET", r + r"/commits/([0-9a-f]+)", self.get_commit)
        self.route("GET", r + r"/pulls/(\d+)", self.get_pull)
        self.route("GET", r + r"/pulls/(\d+)/files", self.list_files)
        self.route("GET", r + r"/pulls/(\d+)/comments", self.list_comments)
        self.route("GET", r + r"/pulls/(\d+)/reviews", self.list_reviews)
        self.route("POST", r + r"/pulls/(\d+)/reviews", self.create_review)
        self.route("PATCH", r + r"/pulls/comments/(\d+)", self.edit_comment)
        self.route("DELETE", r + r"/pulls/comments/(\d+)", self.delete_comment)
        self.route("POST", r + r"/code-scanning/sarifs", self.upload_sarif)

    # --- test helpers -------------------------------------------------------------------
    def add_pull(self, pull: Pull) -> Pull:
        self.pulls[(pull.repo, pull.number)] = pull
        return pull

    def push(self, pull: Pull, head_sha: str, files: dict[str, str]) -> None:
        """A new head commit: comments on lines the push changed become outdated (line null)."""
        pull.head_sha, pull.files = head_sha, files
        for comment in self.comments.values():
            if comment["pull"] == pull.number:
                comment["line"] = comment["start_line"] = None

    def reply(self, comment_id: int, body: str, user: str = "author") -> dict:
        parent = self.comments[comment_id]
        reply = {**parent, "id": next(self.ids), "body": body, "in_reply_to_id": comment_id,
                 "user": {"login": user, "id": 2, "type": "User"}}
        self.comments[reply["id"]] = reply
        return reply

    def ours(self) -> list[dict]:
        return [c for c in self.comments.values() if "<!-- promsec-ci:" in c["body"]]

    # --- protocol ----------------------------------------------------------------------
    def extra_headers(self, request: Request) -> dict[str, str]:
        self.remaining = max(self.remaining - 1, 0)
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Used": str(5000 - self.remaining), "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-RateLimit-Resource": "core"}

    def _auth(self, request: Request, write: bool) -> Response | None:
        header = request.headers.get("authorization", "")
        token = header.split(" ", 1)[1] if " " in header else ""
        access = self.tokens.get(token)
        if access is None:
            return Response(401, {"message": "Bad credentials"})
        if write and access != "write":
            return Response(403, READ_ONLY)
        return None

    def _pull(self, repo: str, number: str) -> Pull | None:
        return self.pulls.get((repo, int(number)))

    def _page(self, request: Request, items: list) -> Response:
        per_page = int(request.query.get("per_page", 30))
        page = int(request.query.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(items) // per_page))
        headers = {}
        base = f"{self.url}{request.path}?per_page={per_page}"
        links = []
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}&page={page - 1}>; rel="prev"')
            links.append(f'<{base}&page=1>; rel="first"')
        if links:
            headers["Link"] = ", ".join(links)
        return Response(200, chunk, headers)

    def get_repo(self, request: Request, repo: str) -> Response:
        return self._auth(request, False) or Response(200, {
            "id": 1, "name": repo.split("/")[1], "full_name": repo, "url": f"{self.url}/repos/{repo}",
            "owner": {"login": repo.split("/")[0], "id": 1, "type": "Organization"}})

    def get_commit(self, request: Request, repo: str, sha: str) -> Response:
        url = f"{self.url}/repos/{repo}/commits/{sha}"
        return self._auth(request, False) or Response(200, {"sha": sha, "url": url})

    def get_pull(self, request: Request, repo: str, number: str) -> Response:
        denied = self._auth(request, False)
        pull = self._pull(repo, number)
        if denied or pull is None:
            return denied or Response(404, {"message": "Not Found"})
        return Response(200, {
            "number": pull.number, "url": f"{self.url}/repos/{repo}/pulls/{pull.number}", "state": "open",
            "head": {"sha": pull.head_sha, "ref": "feature", "repo": {"full_name": pull.head_repo}},
            "base": {"sha": pull.base_sha, "ref": "main", "repo": {"full_name": repo}}})

    def list_files(self, request: Request, repo: str, number: str) -> Response:
        denied = self._auth(request, False)
        pull = self._pull(repo, number)
        if denied or pull is None:
            return denied or Response(404, {"message": "Not Found"})
        items = []
        for path, patch in pull.files.items():
            item = {"sha": "0" * 40, "filename": path, "status": "modified", "additions": patch.count("\n+"),
                    "deletions": 0, "changes": patch.count("\n+")}
            if path not in pull.omit_patch:
                item["patch"] = patch
            items.append(item)
        return self._page(request, items)

    def list_comments(self, request: Request, repo: str, number: str) -> Response:
        denied = self._auth(request, False)
        if denied:
            return denied
        items = [self._public(c) for c in sorted(self.comments.values(), key=lambda c: c["id"])
                 if c["repo"] == repo and c["pull"] == int(number)]
        return self._page(request, items)

    def list_reviews(self, request: Request, repo: str, number: str) -> Response:
        denied = self._auth(request, False)
        if denied:
            return denied
        return self._page(request, [r for r in self.reviews if r["pull"] == int(number) and r["repo"] == repo])

    def create_review(self, request: Request, repo: str, number: str) -> Response:
        denied = self._auth(request, True)
        pull = self._pull(repo, number)
        if denied or pull is None:
            return denied or Response(404, {"message": "Not Found"})
        data = request.body or {}
        if data.get("commit_id") not in (None, pull.head_sha):
            return Response(422, {"message": "Unprocessable Entity", "errors": ["commit_id is not part of the PR"]})
        if data.get("event") == "COMMENT" and not data.get("body") and not data.get("comments"):
            return Response(422, {"message": "Unprocessable Entity", "errors": ["Body is required"]})
        for comment in data.get("comments", []):
            problem = self._check_position(pull, comment)
            if problem:
                return Response(422, {"message": "Unprocessable Entity", "errors": [problem]})
        review_id = next(self.ids)
        review = {"id": review_id, "repo": repo, "pull": pull.number, "body": data.get("body", ""),
                  "state": "COMMENTED", "commit_id": pull.head_sha, "user": {"login": "github-actions[bot]", "id": 1},
                  "html_url": f"{self.url}/review/{review_id}"}
        self.reviews.append(review)
        for comment in data.get("comments", []):
            cid = next(self.ids)
            self.comments[cid] = {
                "id": cid, "repo": repo, "pull": pull.number, "pull_request_review_id": review_id,
                "body": comment["body"], "path": comment["path"], "line": comment["line"],
                "start_line": comment.get("start_line"), "side": comment.get("side", "RIGHT"),
                "original_line": comment["line"], "commit_id": pull.head_sha, "in_reply_to_id": None,
                "user": {"login": "github-actions[bot]", "id": 1, "type": "Bot"},
                "url": f"{self.url}/repos/{repo}/pulls/comments/{cid}"}
        return Response(200, review)

    def _check_position(self, pull: Pull, comment: dict) -> str | None:
        patch = pull.files.get(comment.get("path"))
        if patch is None:
            return "Path could not be resolved"
        hunks = hunk_ranges(patch)
        line, start = comment.get("line"), comment.get("start_line")
        hunk = next((h for h in hunks if line in h), None)
        if hunk is None:
            return "Line could not be resolved"
        if start is not None and (start not in hunk or start >= line):
            return "start_line must precede line in the same hunk"
        return None

    def _public(self, comment: dict) -> dict:
        return {k: v for k, v in comment.items() if k not in ("repo", "pull")}

    def edit_comment(self, request: Request, repo: str, cid: str) -> Response:
        denied = self._auth(request, True)
        comment = self.comments.get(int(cid))
        if denied or comment is None:
            return denied or Response(404, {"message": "Not Found"})
        comment["body"] = request.body["body"]
        return Response(200, self._public(comment))

    def delete_comment(self, request: Request, repo: str, cid: str) -> Response:
        denied = self._auth(request, True)
        if denied or int(cid) not in self.comments:
            return denied or Response(404, {"message": "Not Found"})
        del self.comments[int(cid)]
        return Response(204)

    def upload_sarif(self, request: Request, repo: str) -> Response:
        denied = self._auth(request, True)
        if denied:
            return denied
        data = request.body or {}
        missing = [k for k in ("commit_sha", "ref", "sarif") if not data.get(k)]
        if missing:
            return Response(422, {"message": f"missing {', '.join(missing)}"})
        sarif = json.loads(gzip.decompress(base64.b64decode(data["sarif"])))
        self.sarifs.append({**data, "decoded": sarif})
        sarif_id = f"sarif-{len(self.sarifs)}"
        return Response(202, {"id": sarif_id, "url": f"{self.url}/repos/{repo}/code-scanning/sarifs/{sarif_id}"})
