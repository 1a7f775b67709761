"""The on-disk response cache and usage accounting, over the mock backend (no server needed)."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from agent.llm import (
    AccountingLLM,
    CachedLLM,
    LLMRequest,
    LLMResponse,
    LLMResponseError,
    Message,
    MockLLM,
    ResponseCache,
    cache_key,
)


def counter() -> MockLLM:
    """Each completion is numbered, so a repeat shows whether the backend was asked again."""
    count = iter(range(10**6))
    return MockLLM(lambda request: f"answer {next(count)}")


def test_every_part_of_the_request_is_in_the_key() -> None:
    base = LLMRequest.of("p", system="s", seed=1)
    variants = [
        LLMRequest.of("p2", system="s", seed=1),
        LLMRequest.of("p", system="s2", seed=1),
        LLMRequest([Message("user", "p"), Message("system", "s")], seed=1),
        LLMRequest.of("p", system="s", seed=2),
        LLMRequest.of("p", system="s"),
        LLMRequest.of("p", system="s", seed=1, temperature=0.5),
        LLMRequest.of("p", system="s", seed=1, max_tokens=10),
        LLMRequest.of("p", system="s", seed=1, n=2),
        LLMRequest.of("p", system="s", seed=1, stop=["x"]),
        LLMRequest.of("p", system="s", seed=1, top_p=0.9),
    ]
    keys = {cache_key("openai", "m", base)} | {cache_key("openai", "m", v) for v in variants}
    keys |= {cache_key("openai", "m2", base), cache_key("mock", "m", base)}
    assert len(keys) == len(variants) + 3
    assert cache_key("openai", "m", base) == cache_key("openai", "m", LLMRequest.of("p", system="s", seed=1))
    # An int temperature and the same float are one request.
    assert cache_key("x", "m", LLMRequest.of("p", temperature=0)) == cache_key("x", "m", LLMRequest.of("p"))


def test_hits_are_marked_and_seeds_miss(tmp_path: Path) -> None:
    mock = counter()
    llm = CachedLLM(mock, tmp_path)
    assert llm.cache.path == tmp_path / "llm-cache.sqlite3"

    async def calls() -> list[LLMResponse]:
        return [
            await llm.generate(LLMRequest.of("p")),
            await llm.generate(LLMRequest.of("p")),
            await llm.generate(LLMRequest.of("p", seed=3)),
        ]

    first, hit, seeded = asyncio.run(calls())
    assert (first.text, first.cached) == ("answer 0", False)
    assert (hit.text, hit.cached, hit.latency_s, hit.usage) == ("answer 0", True, 0.0, first.usage)
    assert (seeded.text, seeded.cached) == ("answer 1", False)
    assert mock.calls == 2 and (llm.hits, llm.misses) == (1, 2) and len(llm.cache) == 2


def test_unseeded_sampling_is_cached_only_on_request(tmp_path: Path) -> None:
    sampled = LLMRequest.of("p", temperature=0.8)
    plain = CachedLLM(counter(), tmp_path / "a.sqlite3")
    texts = [asyncio.run(plain.generate(sampled)).text for _ in range(2)]
    assert texts == ["answer 0", "answer 1"] and len(plain.cache) == 0
    opted_in = CachedLLM(counter(), tmp_path / "b.sqlite3", cache_sampling=True)
    responses = [asyncio.run(opted_in.generate(sampled)) for _ in range(2)]
    assert [r.text for r in responses] == ["answer 0", "answer 0"] and responses[1].cached


def test_failures_are_not_cached(tmp_path: Path) -> None:
    calls = iter(range(2))

    def flaky(request: LLMRequest) -> str:
        if next(calls) == 0:
            raise LLMResponseError("boom")
        return "fine"

    llm = CachedLLM(MockLLM(flaky), tmp_path)
    with pytest.raises(LLMResponseError, match="boom"):
        asyncio.run(llm.generate(LLMRequest.of("p")))
    assert asyncio.run(llm.generate(LLMRequest.of("p"))).text == "fine"


def test_identical_requests_in_flight_share_one_call(tmp_path: Path) -> None:
    class Slow(MockLLM):
        async def generate(self, request: LLMRequest) -> LLMResponse:
            await asyncio.sleep(0.05)
            return await super().generate(request)

    slow = Slow(["only answer"])
    llm = AccountingLLM(CachedLLM(slow, tmp_path))

    async def ten() -> list[LLMResponse]:
        return list(await asyncio.gather(*(llm.generate(LLMRequest.of("same")) for _ in range(10))))

    responses = asyncio.run(ten())
    assert slow.calls == 1
    assert {r.text for r in responses} == {"only answer"} and sum(r.cached for r in responses) == 9
    assert llm.snapshot().cache_hits == 9 and llm.snapshot().requests == 10


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    key = cache_key("mock", "mock", LLMRequest.of("p"))
    with sqlite3.connect(cache.path) as db:
        db.execute("INSERT INTO responses VALUES (?, ?, 0)", (key, "{not json"))
    assert cache.get(key) is None
    llm = CachedLLM(MockLLM(["fresh"]), cache)
    assert asyncio.run(llm.generate(LLMRequest.of("p"))).text == "fresh"
    assert cache.get(key) is not None


def _worker(path: str, worker: int) -> list[str]:
    """One process: 40 requests, half shared with every other worker, half its own."""
    llm = CachedLLM(MockLLM(lambda request: f"{request.messages[-1].content} by {worker}"), path)

    async def run() -> list[str]:
        texts = []
        for i in range(20):
            texts.append((await llm.generate(LLMRequest.of(f"shared {i}"))).text)
            texts.append((await llm.generate(LLMRequest.of(f"own {worker} {i}"))).text)
        return texts

    return asyncio.run(run())


def test_several_processes_share_one_cache(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(_worker, [(path, w) for w in range(4)])
    cache = ResponseCache(path)
    assert len(cache) == 20 + 4 * 20
    for worker, texts in enumerate(results):
        assert texts[1::2] == [f"own {worker} {i} by {worker}" for i in range(20)]
    # Two processes may both miss a shared prompt and both store it; each entry is still one whole response.
    for i in range(20):
        stored = cache.get(cache_key("mock", "mock", LLMRequest.of(f"shared {i}")))
        assert stored is not None and stored.text in {f"shared {i} by {w}" for w in range(4)}


def test_accounting_counts_tokens_errors_and_resets() -> None:
    mock = MockLLM(["a b", "c d e"])
    llm = AccountingLLM(mock)

    async def calls() -> None:
        await llm.generate(LLMRequest.of("one two three"))
        await llm.generate(LLMRequest.of("four"))
        with pytest.raises(LLMResponseError):
            await llm.generate(LLMRequest.of("five"))

    asyncio.run(calls())
    totals = llm.snapshot()
    assert (totals.requests, totals.completions, totals.errors) == (3, 2, 1)
    assert (totals.prompt_tokens, totals.completion_tokens, totals.total_tokens) == (4, 5, 9)
    assert totals.to_dict()["total_tokens"] == 9
    assert llm.reset() == totals and llm.snapshot().requests == 0
    assert (llm.name, llm.model) == ("mock", "mock")
