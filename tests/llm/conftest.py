"""Fixtures for the LLM tests: a scripted OpenAI-compatible server and options pointing at it."""

from __future__ import annotations

import dataclasses

import pytest

from promsec_ci.config import Options


@pytest.fixture
def llm_options():
    """Options for a run against ``server`` (LLM forced on, short timeout)."""

    def make(server, **overrides) -> Options:
        values = {"llm": True, "llm_base_url": server.url, "llm_model": "test-model", "llm_timeout": 5.0,
                  **overrides}
        return dataclasses.replace(Options(), **values)

    return make
