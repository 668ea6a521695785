"""The PromSec LLM loop over any OpenAI-compatible chat API (OpenAI, Azure OpenAI, vLLM, Ollama,
llama.cpp server).

``build_loop(options, root)`` is the pipeline's entry: ``None`` when no LLM is configured (no key
in ``OPENAI_API_KEY`` / ``PROMSEC_LLM_API_KEY`` and no base URL), when ``--no-llm`` is given, or
for the ``a2`` strategy (no LLM). ``openai`` itself is imported only when a call is made.
"""

from __future__ import annotations

from pathlib import Path

from promsec_ci.config import Options
from promsec_ci.llm.cache import ResponseCache
from promsec_ci.llm.client import LLMClient, LLMSettings
from promsec_ci.llm.loop import LLMLoop, LLMOutcome


def build_client(options: Options, root: str) -> LLMClient | None:
    """The chat client for ``options``, with its cache under ``root``; ``None`` when the LLM is off."""
    settings = LLMSettings.from_options(options)
    if settings is None:
        return None
    return LLMClient(settings, ResponseCache(Path(root) / options.cache_dir))


def build_loop(options: Options, root: str) -> LLMLoop | None:
    """The LLM loop for a run, or ``None`` when it is off.

    Args:
        options: LLM settings, strategy, budget, iterations.
        root: repository root; the cache lives in ``<root>/<options.cache_dir>``.
    """
    if options.strategy == "a2":
        return None
    client = build_client(options, root)
    return LLMLoop(options, root, client) if client is not None else None


__all__ = ["LLMClient", "LLMLoop", "LLMOutcome", "LLMSettings", "build_client", "build_loop"]
