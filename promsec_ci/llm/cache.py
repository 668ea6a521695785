"""On-disk cache of LLM answers, keyed by model + request hash, so a re-run costs nothing.

Layout: ``<cache_dir>/llm/<first two hex>/<sha256>.json`` holding the answer text and the token
counts of the call that produced it. A corrupt or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Bump when the request shape changes so old entries stop matching.
_KEY_VERSION = 1


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    input_tokens: int
    output_tokens: int


def request_key(model: str, messages: list[dict[str, str]]) -> str:
    """Content hash of one request (temperature is always 0, so it is not part of the key)."""
    payload = json.dumps({"v": _KEY_VERSION, "model": model, "messages": messages},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Answers stored under ``directory``.

    Args:
        directory: the cache folder (``Options.cache_dir`` resolved against the repository root).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory) / "llm"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedAnswer | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            return CachedAnswer(str(data["text"]), int(data["input_tokens"]), int(data["output_tokens"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Store ``answer``; a read-only or full disk only loses the cache entry.

        Written through a temporary file and a rename, so readers never see half an entry, but
        without fsync: an entry lost in a crash is only a cache miss.
        """
        path = self._path(key)
        payload = json.dumps({"text": answer.text, "input_tokens": answer.input_tokens,
                              "output_tokens": answer.output_tokens})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temp, path)
        except OSError:
            Path(temp).unlink(missing_ok=True)
