"""A scripted model behind the OpenAI chat completions protocol, on 127.0.0.1, for the real
``openai`` client.

``ScriptedModel(model)`` answers ``POST /v1/chat/completions``: ``model(request)`` gets the JSON
body and returns a ``Reply`` (status, content, usage or none, headers, a delay before answering,
a refusal). Every request is recorded; ``server_seconds`` is the time spent inside ``model`` plus
delays, so a benchmark can tell our own overhead from the server's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer.

    Args:
        content: the assistant message text (``None`` with ``refusal`` for a refusal).
        status: HTTP status; non-200 sends an OpenAI-style error body.
        usage: send a ``usage`` object (counted as words) or omit it.
        headers: extra response headers (``Retry-After``).
        delay: seconds to wait before answering (a slow server, a timeout).
        refusal: the refusal text, for a model that declines.
    """

    content: str | None = ""
    status: int = 200
    usage: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    refusal: str | None = None


Model = Callable[[dict[str, Any]], Reply]


def scripted(replies: Iterable[Reply | str]) -> Model:
    """A model that answers with ``replies`` in order and repeats the last one."""
    queue = [r if isinstance(r, Reply) else Reply(r) for r in replies]
    state = {"i": 0}

    def model(_request: dict[str, Any]) -> Reply:
        reply = queue[min(state["i"], len(queue) - 1)]
        state["i"] += 1
        return reply

    return model


def last_user(request: dict[str, Any]) -> str:
    """The content of the request's last user message."""
    return next((m["content"] for m in reversed(request["messages"]) if m["role"] == "user"), "")


def is_inversion(request: dict[str, Any]) -> bool:
    """True for a prompt-inversion request (our inversion wording)."""
    return "instruction a developer would give" in last_user(request)


class ScriptedModel:
    """The server. Use as a context manager; ``url`` is the ``base_url`` for the client."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.server_seconds = 0.0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedModel:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                server._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        clock = time.perf_counter()
        with self._lock:
            self.requests.append(body)
            self.headers.append({k.lower(): v for k, v in handler.headers.items()})
        if handler.path.rstrip("/") != "/v1/chat/completions":
            reply = Reply(status=404, content="no such endpoint")
        else:
            reply = self.model(body)
        if reply.delay:
            time.sleep(reply.delay)
        payload = json.dumps(_body(body, reply)).encode("utf-8")
        with self._lock:
            self.server_seconds += time.perf_counter() - clock
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up (timeout test)
            pass


def _body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    if reply.status != 200:
        return {"error": {"message": reply.content or "error", "type": "server_error", "code": reply.status}}
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.refusal is not None:
        message = {"role": "assistant", "content": None, "refusal": reply.refusal}
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
    }
    if reply.usage:
        prompt = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
        completion = len((reply.content or reply.refusal or "").split())
        body["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                         "total_tokens": prompt + completion}
    return body
