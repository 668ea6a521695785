"""Token counts for servers that omit ``usage``: tiktoken when its BPE file loads, else chars/4.

tiktoken downloads its BPE files on first use and caches them (``TIKTOKEN_CACHE_DIR``). On an
offline runner without that cache the download fails; we then estimate one token per four
characters (OpenAI's published rule of thumb for English text and code) and the run's cost record
says so in ``Cost.token_source`` (``"chars/4"`` instead of ``"tiktoken:<encoding>"``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

CHARS_PER_TOKEN = 4
# Per-message framing tokens of the chat format (role, separators), as in OpenAI's cookbook.
_MESSAGE_OVERHEAD = 4


@lru_cache(maxsize=8)
def counter_for(model: str) -> tuple[Callable[[str], int], str]:
    """A token counting function for ``model`` and the name of the method it uses."""
    try:
        import tiktoken

        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            encoding = tiktoken.get_encoding("o200k_base")
        encoding.encode("probe")
    except Exception:  # noqa: BLE001 - any failure to load the BPE file means "estimate"
        return _estimate, "chars/4"
    return (lambda text: len(encoding.encode(text, disallowed_special=()))), f"tiktoken:{encoding.name}"


def _estimate(text: str) -> int:
    return max(1, (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN) if text else 0


def count_messages(model: str, messages: list[dict[str, str]]) -> tuple[int, str]:
    """Input tokens of a chat request, and the counting method."""
    count, method = counter_for(model)
    return sum(count(m["content"]) + _MESSAGE_OVERHEAD for m in messages) + 2, method


def count_text(model: str, text: str) -> tuple[int, str]:
    """Tokens of an answer, and the counting method."""
    count, method = counter_for(model)
    return count(text), method
