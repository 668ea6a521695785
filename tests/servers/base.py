"""A threaded JSON HTTP server with regex routes, request logging and injected failures."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Injected:
    method: str
    pattern: re.Pattern[str]
    response: Response
    times: int


Handler = Callable[..., Response]


class JsonServer:
    """Routes ``(method, regex)`` to handlers called as ``handler(request, *groups)``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self.injected: list[Injected] = []
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"/?$"), handler))

    def inject(self, method: str, pattern: str, response: Response, times: int = 1) -> None:
        """Answer the next ``times`` matching requests with ``response`` instead of the route."""
        self.injected.append(Injected(method, re.compile(pattern + r"/?$"), response, times))

    def extra_headers(self, request: Request) -> dict[str, str]:
        return {}

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> JsonServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                server._dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        request = Request(handler.command, parts.path, query, {k.lower(): v for k, v in handler.headers.items()}, body)
        with self.lock:
            self.requests.append(request)
            response = self._respond(request)
            headers = {**self.extra_headers(request), **response.headers}
        payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        handler.send_response(response.status)
        if payload:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _respond(self, request: Request) -> Response:
        for item in self.injected:
            if item.times > 0 and item.method == request.method and item.pattern.match(request.path):
                item.times -= 1
                return item.response
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                return handler(request, *match.groups())
        return Response(404, {"message": "Not Found"})

    def count(self, method: str, pattern: str) -> int:
        regex = re.compile(pattern + r"/?$")
        return sum(1 for r in self.requests if r.method == method and regex.match(r.path))
