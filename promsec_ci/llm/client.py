"""The chat client: any OpenAI-compatible API through the ``openai`` package.

Temperature 0, a per-call timeout, our own bounded retries (the ``openai`` client's are switched
off so that every attempt is counted and ``Retry-After`` is honoured exactly), a run budget of
calls and tokens, and the on-disk cache in front of it all. The key comes from
``OPENAI_API_KEY`` or ``PROMSEC_LLM_API_KEY``; the LLM is on only when a key or a base URL is set.
"""

from __future__ import annotations

import dataclasses
import email.utils
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from promsec_ci.config import Options
from promsec_ci.llm.cache import CachedAnswer, ResponseCache, request_key
from promsec_ci.llm.tokens import count_messages, count_text
from promsec_ci.records import Cost

KEY_VARIABLES = ("PROMSEC_LLM_API_KEY", "OPENAI_API_KEY")
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_RETRY_WAIT = 30.0


class LLMError(Exception):
    """A call that produced no answer; ``str()`` is the one-line reason for a notice."""


class BudgetExhausted(LLMError):
    """The run's call or token budget is spent."""


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to call the model.

    Args:
        model: model name (``gpt-4o-mini``, ``qwen2.5-coder:7b`` ...).
        base_url: API base URL (``http://localhost:11434/v1``); ``None`` means api.openai.com.
        api_key: the key; servers that need none (Ollama, llama.cpp) get a dummy.
        timeout: seconds per call.
        max_calls: calls per run (cache hits are free).
        max_tokens: input + output tokens per run.
        retries: further attempts after a 429, a 5xx or a connection error.
    """

    model: str
    base_url: str | None
    api_key: str
    timeout: float
    max_calls: int
    max_tokens: int
    retries: int = 3

    @classmethod
    def from_options(cls, options: Options, env: Mapping[str, str] | None = None) -> LLMSettings | None:
        """Settings when the LLM is on: ``--llm`` forces it, ``--no-llm`` disables it, and by
        default it is on only when a key or a base URL is configured."""
        env = os.environ if env is None else env
        key = next((env[name] for name in KEY_VARIABLES if env.get(name)), None)
        base_url = options.llm_base_url or env.get("OPENAI_BASE_URL") or None
        if options.llm is False or (options.llm is None and not key and not base_url):
            return None
        return cls(
            model=options.llm_model,
            base_url=base_url,
            api_key=key or "not-needed",
            timeout=options.llm_timeout,
            max_calls=options.llm_max_calls,
            max_tokens=options.llm_max_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """One answer and what it cost (zero calls when it came from the cache)."""

    text: str
    cost: Cost
    cached: bool = False
    server_seconds: float = 0.0


class LLMClient:
    """Chat completions with retries, budget and cache.

    Args:
        settings: model, URL, key, limits.
        cache: answers on disk; ``None`` disables caching.
        sleep: how to wait between retries (``time.sleep``).
    """

    def __init__(self, settings: LLMSettings, cache: ResponseCache | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.cache = cache
        self.sleep = sleep
        self.calls = 0  # HTTP attempts, retries included
        self.tokens = 0
        self.retries = 0
        self.spent = Cost()  # everything this client cost so far, failed calls included
        self._client = None

    @property
    def model(self) -> str:
        return self.settings.model

    def _openai(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(api_key=self.settings.api_key, base_url=self.settings.base_url,
                                         timeout=self.settings.timeout, max_retries=0)
        return self._client

    def budget_left(self) -> bool:
        return self.calls < self.settings.max_calls and self.tokens < self.settings.max_tokens

    def complete(self, messages: list[dict[str, str]]) -> Completion:
        """The model's answer to ``messages``; raises ``LLMError`` with the reason on failure."""
        key = request_key(self.model, messages)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return Completion(hit.text, Cost(), cached=True)
        started = time.perf_counter()
        calls_before = self.calls
        try:
            response, server_seconds = self._call_with_retries(messages)
        finally:
            self.spent = self.spent + Cost(llm_queries=self.calls - calls_before,
                                           llm_seconds=time.perf_counter() - started)
        text, cost = self._read(response, messages)
        self.spent = self.spent + cost
        cost = dataclasses.replace(cost, llm_queries=self.calls - calls_before,
                                   llm_seconds=time.perf_counter() - started)
        self.tokens += cost.input_tokens + cost.output_tokens
        if self.cache is not None:
            self.cache.put(key, CachedAnswer(text, cost.input_tokens, cost.output_tokens))
        return Completion(text, cost, server_seconds=server_seconds)

    def _call_with_retries(self, messages: list[dict[str, str]]):
        import openai

        attempt = 0
        while True:
            if not self.budget_left():
                raise BudgetExhausted(
                    f"LLM budget spent ({self.calls}/{self.settings.max_calls} calls, "
                    f"{self.tokens}/{self.settings.max_tokens} tokens)")
            self.calls += 1
            started = time.perf_counter()
            try:
                response = self._openai().chat.completions.create(
                    model=self.model, messages=messages, temperature=0)
                return response, time.perf_counter() - started
            except openai.APITimeoutError:
                # Not retried: a server that is slow once is usually slow again, and each try
                # would cost a whole timeout.
                raise LLMError(f"LLM call timed out after {self.settings.timeout:g}s") from None
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status not in RETRY_STATUSES or attempt >= self.settings.retries:
                    message = re.sub(r"^Error code: \d+ - ", "", str(exc.message))
                    raise LLMError(f"LLM server answered HTTP {status}: {_short(message)}") from None
                wait = _retry_after(exc.response.headers) if exc.response is not None else None
            except openai.APIConnectionError as exc:
                if attempt >= self.settings.retries:
                    raise LLMError(f"cannot reach the LLM server: {_short(str(exc.__cause__ or exc))}") from None
                wait = None
            except openai.OpenAIError as exc:
                raise LLMError(f"LLM call failed: {_short(str(exc))}") from None
            self.retries += 1
            self.sleep(min(MAX_RETRY_WAIT, wait if wait is not None else 0.5 * 2 ** attempt))
            attempt += 1

    def _read(self, response, messages: list[dict[str, str]]) -> tuple[str, Cost]:
        choices = getattr(response, "choices", None) or []
        if not choices or choices[0].message is None:
            raise LLMError("LLM answer had no choices")
        message = choices[0].message
        # A refusal arrives as ``refusal`` with no content: keep its words, they hold no code.
        text = message.content or getattr(message, "refusal", None) or ""
        usage = getattr(response, "usage", None)
        if usage is not None and usage.prompt_tokens is not None and usage.completion_tokens is not None:
            return text, Cost(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens)
        tokens_in, method = count_messages(self.model, messages)
        tokens_out, _ = count_text(self.model, text)
        counted = tokens_in + tokens_out
        exact = method.startswith("tiktoken")
        return text, Cost(input_tokens=tokens_in, output_tokens=tokens_out,
                          tokens_counted=counted if exact else 0, tokens_estimated=0 if exact else counted)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
