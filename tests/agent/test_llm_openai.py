"""The ``openai/`` backend against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.llm import (
    AccountingLLM,
    CachedLLM,
    LLMAuthError,
    LLMConnectionError,
    LLMModelNotFoundError,
    LLMRequest,
    LLMResponseError,
    LLMTimeoutError,
    get_llm,
)
from agent.llm.openai import HTTPSettings, OpenAILLM, normalize_base_url
from tests.agent.openai_server import FakeOpenAIServer, Reply, SilentServer, completion_text, free_port

FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 10.0}


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(("tiny-chat", "other-model")) as running:
        yield running


def backend(url: str, model: str = "tiny-chat", **options: Any) -> OpenAILLM:
    return OpenAILLM(model, base_url=url, api_key="test-key", **{**FAST, **options})


def test_a_completion_with_its_parameters_and_usage(server: FakeOpenAIServer) -> None:
    llm = AccountingLLM(backend(server.url))
    request = LLMRequest.of("make chairs", system="be brief", max_tokens=64, stop=["</python>"], seed=7, top_p=0.9)
    response = asyncio.run(llm.generate(request))
    assert response.texts == ["seed=7 choice=0: make chairs"]
    assert response.model == "tiny-chat" and not response.cached
    assert response.finish_reasons == ("stop",)
    assert response.usage is not None
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (4, 4)
    assert response.latency_s > 0
    (sent,) = server.requests
    assert sent["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "make chairs"}]
    assert (sent["max_tokens"], sent["stop"], sent["seed"], sent["top_p"], sent["temperature"]) == (
        64,
        ["</python>"],
        7,
        0.9,
        0.0,
    )
    assert "n" not in sent
    totals = llm.snapshot()
    assert (totals.requests, totals.prompt_tokens, totals.completion_tokens, totals.total_tokens) == (1, 4, 4, 8)
    assert totals.latency_s > 0 and totals.errors == 0


def test_n_completions_in_one_request(server: FakeOpenAIServer) -> None:
    response = asyncio.run(backend(server.url).generate(LLMRequest.of("p", n=3, temperature=0.8, seed=1)))
    assert response.texts == [f"seed=1 choice={i}: p" for i in range(3)]
    assert len(server.requests) == 1 and server.requests[0]["n"] == 3


def test_a_server_that_ignores_n_is_topped_up_with_extra_requests() -> None:
    with FakeOpenAIServer(("tiny-chat",), ignore_n=True) as llama_cpp:
        llm = backend(llama_cpp.url)

        async def twice() -> tuple[list[str], list[str]]:
            first = await llm.generate(LLMRequest.of("p", n=3, temperature=0.8, seed=10))
            second = await llm.generate(LLMRequest.of("q", n=2, temperature=0.8, seed=20))
            return first.texts, second.texts

        first, second = asyncio.run(twice())
    assert first == ["seed=10 choice=0: p", "seed=11 choice=0: p", "seed=12 choice=0: p"]
    assert second == ["seed=20 choice=0: q", "seed=21 choice=0: q"]
    assert llm.supports_n is False
    # 1 + 2 top-ups, then the second call goes straight to two single requests (no n sent at all).
    assert len(llama_cpp.requests) == 5
    assert [r.get("n") for r in llama_cpp.requests[3:]] == [None, None]


def test_a_failed_top_up_raises_the_llm_error_itself() -> None:
    with FakeOpenAIServer(("tiny-chat",), ignore_n=True) as llama_cpp:
        llama_cpp.script.extend([None, Reply(400, body={"error": {"message": "bad top-up"}})])
        with pytest.raises(LLMResponseError, match="bad top-up"):
            asyncio.run(backend(llama_cpp.url).generate(LLMRequest.of("p", n=2)))


def test_429_waits_for_retry_after_then_succeeds(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(429, {"Retry-After": "0.4"}))
    started = time.perf_counter()
    response = asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    elapsed = time.perf_counter() - started
    assert response.texts == ["seed=None choice=0: p"]
    assert len(server.requests) == 2
    assert 0.4 <= elapsed < 2.0


def test_retry_after_ms_is_honoured(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(429, {"retry-after-ms": "300"}))
    started = time.perf_counter()
    asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    assert time.perf_counter() - started >= 0.3
    assert len(server.requests) == 2


def test_a_retry_after_beyond_the_limit_fails_at_once(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(429, {"Retry-After": "120"}))
    started = time.perf_counter()
    with pytest.raises(LLMResponseError, match="rate limiting.*120 s") as caught:
        asyncio.run(backend(server.url, max_retry_after_s=5).generate(LLMRequest.of("p")))
    assert caught.value.status == 429
    assert time.perf_counter() - started < 1.0
    assert len(server.requests) == 1


def test_500_and_502_are_retried_then_succeed(server: FakeOpenAIServer) -> None:
    server.script.extend([Reply(500), Reply(502)])
    response = asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    assert response.texts == ["seed=None choice=0: p"]
    assert len(server.requests) == 3


def test_persistent_5xx_stops_after_max_attempts(server: FakeOpenAIServer) -> None:
    server.script.extend([Reply(503)] * 5)
    with pytest.raises(LLMResponseError, match=r"failed the request 3 time\(s\).*HTTP 503") as caught:
        asyncio.run(backend(server.url, max_attempts=3).generate(LLMRequest.of("p")))
    assert caught.value.status == 503
    assert len(server.requests) == 3


def test_a_dropped_connection_is_retried(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(drop=True))
    response = asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    assert response.texts == ["seed=None choice=0: p"]
    assert len(server.requests) == 2


def test_a_400_is_not_retried_and_carries_the_servers_message(server: FakeOpenAIServer) -> None:
    message = "max_tokens is too large: 99999. This model's maximum context length is 2048 tokens."
    server.script.append(Reply(400, body={"error": {"message": message, "type": "BadRequestError"}}))
    with pytest.raises(LLMResponseError, match="HTTP 400: max_tokens is too large") as caught:
        asyncio.run(backend(server.url).generate(LLMRequest.of("p", max_tokens=99999)))
    assert caught.value.status == 400
    assert len(server.requests) == 1


def test_401_is_an_auth_error_naming_the_key_variable(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(401, body={"error": {"message": "Invalid API key"}}))
    with pytest.raises(LLMAuthError, match="OPENAI_API_KEY"):
        asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    assert len(server.requests) == 1


def test_unknown_model_lists_the_served_models(server: FakeOpenAIServer) -> None:
    with pytest.raises(LLMModelNotFoundError, match="serves: tiny-chat, other-model") as caught:
        asyncio.run(backend(server.url, model="gpt-5").generate(LLMRequest.of("p")))
    assert caught.value.available == ["tiny-chat", "other-model"]
    assert "gpt-5" in str(caught.value) and server.url in str(caught.value)
    assert len(server.requests) == 1 and server.model_list_requests == 1


def test_a_400_naming_an_unknown_model_is_a_model_error(server: FakeOpenAIServer) -> None:
    server.script.append(Reply(400, body={"error": {"message": "Model gpt-5 not found"}}))
    with pytest.raises(LLMModelNotFoundError, match="serves: tiny-chat"):
        asyncio.run(backend(server.url, model="gpt-5").generate(LLMRequest.of("p")))
    # The same wording about a model the server does serve is an ordinary bad request.
    server.script.append(Reply(400, body={"error": {"message": "model tiny-chat: unknown parameter 'foo'"}}))
    with pytest.raises(LLMResponseError, match="rejected the request.*unknown parameter") as caught:
        asyncio.run(backend(server.url).generate(LLMRequest.of("p")))
    assert not isinstance(caught.value, LLMModelNotFoundError)


def test_list_models(server: FakeOpenAIServer) -> None:
    assert asyncio.run(backend(server.url).list_models()) == ["tiny-chat", "other-model"]


def test_nothing_listening_is_a_connection_error_within_a_second_or_two() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAILLM("m", base_url=url, api_key="k")  # default settings: this is what a user gets
    started = time.perf_counter()
    with pytest.raises(LLMConnectionError) as caught:
        asyncio.run(llm.generate(LLMRequest.of("p")))
    assert time.perf_counter() - started < 2.0
    message = str(caught.value)
    assert url in message and "--base-url" in message and "OPENAI_BASE_URL" in message


def test_a_killed_endpoint_fails_quickly_instead_of_hanging() -> None:
    server = FakeOpenAIServer(("tiny-chat",)).__enter__()
    llm = OpenAILLM("tiny-chat", base_url=server.url, api_key="k")

    async def call_kill_call() -> float:
        await llm.generate(LLMRequest.of("first"))  # leaves a keep-alive connection in the pool
        server.kill()
        started = time.perf_counter()
        with pytest.raises(LLMConnectionError):
            await llm.generate(LLMRequest.of("second"))
        return time.perf_counter() - started

    assert asyncio.run(call_kill_call()) < 2.0


def test_a_server_that_never_answers_times_out_on_time() -> None:
    with SilentServer() as silent:
        llm = OpenAILLM("m", base_url=silent.url, api_key="k", timeout_s=0.6)
        started = time.perf_counter()
        with pytest.raises(LLMTimeoutError, match="within 0.6 s") as caught:
            asyncio.run(llm.generate(LLMRequest.of("p")))
        elapsed = time.perf_counter() - started
    assert 0.6 <= elapsed < 1.6
    assert caught.value.timeout_s == 0.6


def test_the_cache_serves_a_repeat_and_misses_on_a_new_seed(server: FakeOpenAIServer, tmp_path: Path) -> None:
    llm = AccountingLLM(CachedLLM(backend(server.url), tmp_path / "cache.sqlite3"))

    async def calls() -> list[Any]:
        first = await llm.generate(LLMRequest.of("p", temperature=0.7, seed=1))
        again = await llm.generate(LLMRequest.of("p", temperature=0.7, seed=1))
        other = await llm.generate(LLMRequest.of("p", temperature=0.7, seed=2))
        return [first, again, other]

    first, again, other = asyncio.run(calls())
    assert len(server.requests) == 2
    assert not first.cached and again.cached and not other.cached
    assert again.texts == first.texts and again.latency_s == 0.0
    assert other.texts == ["seed=2 choice=0: p"]
    totals = llm.snapshot()
    assert (totals.requests, totals.cache_hits, totals.prompt_tokens) == (3, 1, 2)
    # A new process (here: a new wrapper on the same file) sees the entry too.
    fresh = CachedLLM(backend(server.url), tmp_path / "cache.sqlite3")
    assert asyncio.run(fresh.generate(LLMRequest.of("p", temperature=0.7, seed=1))).cached
    assert len(server.requests) == 2


def test_ten_parallel_requests_run_concurrently() -> None:
    with FakeOpenAIServer(("tiny-chat",), delay_s=0.3) as slow:
        llm = backend(slow.url)

        async def ten() -> list[Any]:
            return list(await asyncio.gather(*(llm.generate(LLMRequest.of(f"p{i}")) for i in range(10))))

        started = time.perf_counter()
        responses = asyncio.run(ten())
        elapsed = time.perf_counter() - started
    assert [r.texts[0] for r in responses] == [f"seed=None choice=0: p{i}" for i in range(10)]
    assert slow.max_inflight >= 8  # all ten overlap unless the machine is very busy
    assert elapsed < 1.5  # serially it would take 3 s


def test_max_concurrency_bounds_the_requests_in_flight() -> None:
    with FakeOpenAIServer(("tiny-chat",), delay_s=0.1) as slow:
        llm = backend(slow.url, max_concurrency=3)

        async def ten() -> None:
            await asyncio.gather(*(llm.generate(LLMRequest.of(f"p{i}")) for i in range(10)))

        asyncio.run(ten())
    assert slow.max_inflight == 3


def test_time_spent_queueing_for_a_slot_does_not_count_against_the_timeout() -> None:
    with FakeOpenAIServer(("tiny-chat",), delay_s=0.25) as slow:
        llm = backend(slow.url, max_concurrency=1, timeout_s=0.5)

        async def three() -> list[Any]:
            return list(await asyncio.gather(*(llm.generate(LLMRequest.of(f"p{i}")) for i in range(3))))

        assert len(asyncio.run(three())) == 3  # the third waits 0.5 s for its slot, then takes 0.25 s
    assert slow.max_inflight == 1


def test_one_backend_survives_several_event_loops(server: FakeOpenAIServer) -> None:
    llm = backend(server.url)
    assert asyncio.run(llm.generate(LLMRequest.of("a"))).text.endswith("a")
    assert asyncio.run(llm.generate(LLMRequest.of("b"))).text.endswith("b")


def test_base_url_and_key_come_from_the_environment(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.url.removesuffix("/v1"))  # a bare host gets /v1
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    llm = get_llm("openai/tiny-chat")
    assert isinstance(llm, OpenAILLM)
    assert llm.base_url == server.url and llm.api_key == "from-env"
    assert asyncio.run(llm.generate(LLMRequest.of("p"))).text == completion_text(
        {"messages": [{"role": "user", "content": "p"}]}, 0
    )


def test_the_hosted_api_without_a_key_is_refused_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMAuthError, match="OPENAI_API_KEY.*--base-url"):
        OpenAILLM("gpt-4o-mini")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:8000", "http://localhost:8000/v1"),
        ("http://localhost:8000/", "http://localhost:8000/v1"),
        ("localhost:8000/v1/", "http://localhost:8000/v1"),
        ("http://h:1/v1/chat/completions", "http://h:1/v1"),
        ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1"),
    ],
)
def test_base_url_normalisation(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


def test_settings_are_validated() -> None:
    with pytest.raises(TypeError, match="unknown OpenAILLM option.*timeout"):
        OpenAILLM("m", base_url="http://h/v1", timeout=3)
    with pytest.raises(ValueError, match="at least 1"):
        HTTPSettings(max_attempts=0)
    backoff = HTTPSettings(backoff_base_s=1.0, backoff_max_s=3.0)
    assert 0.5 <= backoff.backoff(1) <= 1.0 and 1.5 <= backoff.backoff(3) <= 3.0 and backoff.backoff(9) <= 3.0
