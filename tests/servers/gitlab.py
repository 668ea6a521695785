"""Enough of the GitLab API v4 for python-gitlab: merge requests and their discussions (create,
list paginated, edit and delete notes), tokens that can or cannot write, and GitLab's 400 for a
position outside the diff."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.servers.base import JsonServer, Request, Response
from tests.servers.github import hunk_ranges

_MR = r"/api/v4/projects/([^/]+)/merge_requests/(\d+)"
BAD_POSITION = {"message": '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}'}


@dataclass
class MergeRequest:
    project_id: str
    iid: int
    base_sha: str
    head_sha: str
    files: dict[str, str]  # path -> patch


class FakeGitLab(JsonServer):
    """Tokens (``PRIVATE-TOKEN``): ``write-token`` may write, ``read-token`` may only read."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = {"write-token": "write", "read-token": "read"}
        self.mrs: dict[tuple[str, int], MergeRequest] = {}
        self.discussions: dict[str, dict] = {}
        self.ids = itertools.count(500)
        self.route("GET", r"/api/v4/projects/([^/]+)", self.get_project)
        self.route("GET", _MR, self.get_mr)
        self.route("GET", _MR + r"/discussions", self.list_discussions)
        self.route("POST", _MR + r"/discussions", self.create_discussion)
        self.route("PUT", _MR + r"/discussions/(\w+)/notes/(\d+)", self.edit_note)
        self.route("DELETE", _MR + r"/discussions/(\w+)/notes/(\d+)", self.delete_note)

    def add_mr(self, mr: MergeRequest) -> MergeRequest:
        self.mrs[(mr.project_id, mr.iid)] = mr
        return mr

    def reply(self, discussion_id: str, body: str) -> None:
        self.discussions[discussion_id]["notes"].append(
            {"id": next(self.ids), "body": body, "author": {"username": "author"}, "system": False})

    def notes(self) -> list[dict]:
        return [n for d in self.discussions.values() for n in d["notes"] if "<!-- promsec-ci:" in n["body"]]

    def _auth(self, request: Request, write: bool) -> Response | None:
        access = self.tokens.get(request.headers.get("private-token", ""))
        if access is None:
            return Response(401, {"message": "401 Unauthorized"})
        if write and access != "write":
            return Response(403, {"message": "403 Forbidden"})
        return None

    def _mr(self, request: Request, project: str, iid: str,
            write: bool = False) -> tuple[Response | None, MergeRequest]:
        denied = self._auth(request, write)
        mr = self.mrs.get((project, int(iid)))
        if denied is None and mr is None:
            denied = Response(404, {"message": "404 Not found"})
        return denied, mr

    def get_project(self, request: Request, project: str) -> Response:
        return self._auth(request, False) or Response(200, {"id": int(project), "path_with_namespace": "grp/app"})

    def get_mr(self, request: Request, project: str, iid: str) -> Response:
        denied, mr = self._mr(request, project, iid)
        return denied or Response(200, {
            "id": 1, "iid": mr.iid, "project_id": int(project), "state": "opened",
            "sha": mr.head_sha, "diff_refs": {"base_sha": mr.base_sha, "start_sha": mr.base_sha,
                                              "head_sha": mr.head_sha}})

    def list_discussions(self, request: Request, project: str, iid: str) -> Response:
        denied, mr = self._mr(request, project, iid)
        if denied:
            return denied
        items = [d for d in self.discussions.values() if d["mr"] == (project, mr.iid)]
        per_page = int(request.query.get("per_page", 20))
        page = int(request.query.get("page", 1))
        chunk = [{k: v for k, v in d.items() if k != "mr"} for d in items[(page - 1) * per_page: page * per_page]]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items))}
        if page * per_page < len(items):
            headers["Link"] = f'<{self.url}{request.path}?page={page + 1}&per_page={per_page}>; rel="next"'
        return Response(200, chunk, headers)

    def create_discussion(self, request: Request, project: str, iid: str) -> Response:
        denied, mr = self._mr(request, project, iid, write=True)
        if denied:
            return denied
        data = request.body or {}
        position = data.get("position")
        if position is not None:
            patch = mr.files.get(position.get("new_path"))
            line = position.get("new_line")
            if patch is None or not any(line in hunk for hunk in hunk_ranges(patch)):
                return Response(400, BAD_POSITION)
            if position.get("head_sha") != mr.head_sha:
                return Response(400, BAD_POSITION)
        discussion_id = f"d{next(self.ids)}"
        note = {"id": next(self.ids), "body": data["body"], "position": position, "type": "DiffNote" if position
                else "DiscussionNote", "author": {"username": "promsec-bot"}, "system": False}
        self.discussions[discussion_id] = {"id": discussion_id, "mr": (project, mr.iid), "individual_note": False,
                                           "notes": [note]}
        return Response(201, {"id": discussion_id, "individual_note": False, "notes": [note]})

    def _note(self, discussion_id: str, note_id: str) -> dict | None:
        discussion = self.discussions.get(discussion_id)
        if discussion is None:
            return None
        return next((n for n in discussion["notes"] if n["id"] == int(note_id)), None)

    def edit_note(self, request: Request, project: str, iid: str, discussion_id: str, note_id: str) -> Response:
        denied, _ = self._mr(request, project, iid, write=True)
        note = self._note(discussion_id, note_id)
        if denied or note is None:
            return denied or Response(404, {"message": "404 Note Not Found"})
        note["body"] = request.body["body"]
        return Response(200, note)

    def delete_note(self, request: Request, project: str, iid: str, discussion_id: str, note_id: str) -> Response:
        denied, _ = self._mr(request, project, iid, write=True)
        note = self._note(discussion_id, note_id)
        if denied or note is None:
            return denied or Response(404, {"message": "404 Note Not Found"})
        discussion = self.discussions[discussion_id]
        discussion["notes"].remove(note)
        if not discussion["notes"]:
            del self.discussions[discussion_id]
        return Response(204)
