from __future__ import annotations

import time

import pytest

from promsec_ci.config import Options
from promsec_ci.llm.cache import ResponseCache
from promsec_ci.llm.client import BudgetExhausted, LLMClient, LLMError, LLMSettings, _retry_after
from tests.servers.openai_server import Reply, ScriptedModel, scripted

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "say hello twice"}]


def client_for(server, tmp_path=None, **overrides) -> LLMClient:
    values = {"model": "test-model", "base_url": server.url, "api_key": "k", "timeout": 5.0,
              "max_calls": 10, "max_tokens": 10_000, **overrides}
    cache = ResponseCache(tmp_path) if tmp_path is not None else None
    return LLMClient(LLMSettings(**values), cache)


def test_well_behaved_call_sends_temperature_zero_and_reads_usage():
    with ScriptedModel(scripted(["hello hello"])) as server:
        client = client_for(server)
        answer = client.complete(MESSAGES)
    assert answer.text == "hello hello"
    assert answer.cost.llm_queries == 1
    assert (answer.cost.input_tokens, answer.cost.output_tokens) == (5, 2)  # words, as the server counts
    assert answer.cost.tokens_counted == answer.cost.tokens_estimated == 0
    assert answer.cost.llm_seconds > 0
    request = server.requests[0]
    assert request["temperature"] == 0
    assert request["model"] == "test-model"
    assert request["messages"] == MESSAGES
    assert server.headers[0]["authorization"] == "Bearer k"


def test_429_then_success_honours_retry_after_and_counts_both_calls():
    replies = [Reply("slow down", status=429, headers={"Retry-After": "0.3"}), Reply("ok now")]
    with ScriptedModel(scripted(replies)) as server:
        client = client_for(server)
        clock = time.perf_counter()
        answer = client.complete(MESSAGES)
        elapsed = time.perf_counter() - clock
    assert answer.text == "ok now"
    assert len(server.requests) == 2
    assert client.retries == 1
    assert answer.cost.llm_queries == 2
    assert elapsed >= 0.3


def test_5xx_retries_are_bounded_and_end_in_one_line_error():
    with ScriptedModel(scripted([Reply("boom", status=503, headers={"retry-after-ms": "10"})])) as server:
        client = client_for(server, retries=2)
        with pytest.raises(LLMError, match="HTTP 503"):
            client.complete(MESSAGES)
    assert len(server.requests) == 3
    assert client.spent.llm_queries == 3


def test_client_errors_are_not_retried():
    with ScriptedModel(scripted([Reply("bad key", status=401)])) as server:
        client = client_for(server)
        with pytest.raises(LLMError, match="HTTP 401"):
            client.complete(MESSAGES)
    assert len(server.requests) == 1


def test_timeout_is_one_error_quickly():
    with ScriptedModel(scripted([Reply("late", delay=2.0)])) as server:
        client = client_for(server, timeout=0.3)
        clock = time.perf_counter()
        with pytest.raises(LLMError, match="timed out after 0.3s"):
            client.complete(MESSAGES)
        assert time.perf_counter() - clock < 1.5
    assert client.spent.llm_queries == 1


def test_missing_usage_is_counted_by_us_and_said_so():
    with ScriptedModel(scripted([Reply("a fairly short answer", usage=False)])) as server:
        answer = client_for(server).complete(MESSAGES)
    cost = answer.cost
    assert cost.input_tokens > 0 and cost.output_tokens > 0
    # Either tiktoken counted them or they were estimated at four characters per token.
    assert cost.tokens_counted + cost.tokens_estimated == cost.input_tokens + cost.output_tokens
    if cost.tokens_estimated:
        assert cost.output_tokens == len("a fairly short answer") // 4 + 1


def test_refusal_comes_back_as_text_without_code():
    with ScriptedModel(scripted([Reply(None, refusal="I can't help with that.")])) as server:
        answer = client_for(server).complete(MESSAGES)
    assert answer.text == "I can't help with that."


def test_call_budget_stops_calls():
    with ScriptedModel(scripted(["one"])) as server:
        client = client_for(server, max_calls=1)
        client.complete(MESSAGES)
        with pytest.raises(BudgetExhausted, match="1/1 calls"):
            client.complete([{"role": "user", "content": "another"}])
    assert len(server.requests) == 1


def test_token_budget_stops_calls():
    with ScriptedModel(scripted(["one two three"])) as server:
        client = client_for(server, max_tokens=5)
        client.complete(MESSAGES)
        assert not client.budget_left()
        with pytest.raises(BudgetExhausted, match="tokens"):
            client.complete([{"role": "user", "content": "again"}])


def test_cache_makes_a_second_client_call_nothing(tmp_path):
    with ScriptedModel(scripted(["cached answer"])) as server:
        first = client_for(server, tmp_path).complete(MESSAGES)
        second_client = client_for(server, tmp_path)
        second = second_client.complete(MESSAGES)
        other_model = client_for(server, tmp_path, model="other").complete(MESSAGES)
    assert first.text == second.text == "cached answer"
    assert second.cached and second.cost.llm_queries == 0 and second_client.calls == 0
    assert not other_model.cached
    assert len(server.requests) == 2


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    with ScriptedModel(scripted(["fresh"])) as server:
        client_for(server, tmp_path).complete(MESSAGES)
        for entry in (tmp_path / "llm").rglob("*.json"):
            entry.write_text("{not json", encoding="utf-8")
        answer = client_for(server, tmp_path).complete(MESSAGES)
    assert answer.text == "fresh" and not answer.cached


def test_unreachable_server_is_an_error_not_a_traceback():
    settings = LLMSettings("m", "http://127.0.0.1:9/v1", "k", timeout=1.0, max_calls=5, max_tokens=100, retries=1)
    client = LLMClient(settings, sleep=lambda _s: None)
    with pytest.raises(LLMError, match="cannot reach"):
        client.complete(MESSAGES)
    assert client.calls == 2


@pytest.mark.parametrize(
    ("llm", "env", "base_url", "on"),
    [
        (None, {}, None, False),
        (None, {"OPENAI_API_KEY": "sk"}, None, True),
        (None, {"PROMSEC_LLM_API_KEY": "pk"}, None, True),
        (None, {}, "http://localhost:11434/v1", True),
        (False, {"OPENAI_API_KEY": "sk"}, None, False),
        (True, {}, None, True),
    ],
)
def test_llm_is_on_only_when_configured(llm, env, base_url, on):
    settings = LLMSettings.from_options(Options(llm=llm, llm_base_url=base_url), env)
    assert (settings is not None) is on


def test_key_precedence_and_defaults():
    settings = LLMSettings.from_options(Options(llm_max_calls=7), {"OPENAI_API_KEY": "a", "PROMSEC_LLM_API_KEY": "b"})
    assert settings.api_key == "b" and settings.max_calls == 7
    assert LLMSettings.from_options(Options(llm=True), {}).api_key == "not-needed"


def test_retry_after_forms():
    assert _retry_after({"retry-after": "2"}) == 2.0
    assert _retry_after({"retry-after-ms": "250"}) == 0.25
    assert _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert _retry_after({"retry-after": "soon"}) is None
    assert _retry_after({}) is None
