"""Backends that need no server: ``MockLLM``, ``ReplayLLM``; the ``get_llm`` registry; the types' contracts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.llm import (
    CachedLLM,
    LLMBackend,
    LLMRequest,
    LLMResponse,
    LLMResponseError,
    Message,
    MockLLM,
    ReplayLLM,
    Usage,
    get_llm,
    register_provider,
    registered_providers,
)
from agent.llm.registry import _PROVIDERS
from tests.conftest import REPO


def generate(llm: LLMBackend, request: LLMRequest) -> LLMResponse:
    return asyncio.run(llm.generate(request))


# --- MockLLM -----------------------------------------------------------------------------------------------------


def test_mock_answers_in_script_order_and_counts_calls() -> None:
    mock = MockLLM(["one", "two", "three", "four"])
    assert generate(mock, LLMRequest.of("a")).texts == ["one"]
    assert generate(mock, LLMRequest.of("b", n=2)).texts == ["two", "three"]
    assert mock.calls == 2 and mock.remaining == 1
    assert [r.messages[-1].content for r in mock.requests] == ["a", "b"]


def test_an_exhausted_script_says_so() -> None:
    mock = MockLLM(["only"])
    generate(mock, LLMRequest.of("a"))
    with pytest.raises(LLMResponseError, match="ran out of scripted outputs.*all 1.*cycle=True"):
        generate(mock, LLMRequest.of("b"))


def test_a_cycling_script_starts_again() -> None:
    mock = MockLLM(["x", "y"], cycle=True)
    assert [generate(mock, LLMRequest.of("p")).text for _ in range(5)] == ["x", "y", "x", "y", "x"]


def test_a_callable_computes_answers() -> None:
    mock = MockLLM(lambda request: request.messages[-1].content.upper(), model="shout")
    response = generate(mock, LLMRequest.of("hello", n=2))
    assert response.texts == ["HELLO", "HELLO"] and response.model == "shout"
    samples = MockLLM(lambda request: [f"s{i}" for i in range(request.n)])
    assert generate(samples, LLMRequest.of("p", n=3)).texts == ["s0", "s1", "s2"]
    wrong = MockLLM(lambda request: ["just one"])
    with pytest.raises(LLMResponseError, match="returned 1 completion.*n=2"):
        generate(wrong, LLMRequest.of("p", n=2))


def test_mock_reports_word_usage_and_rejects_a_bare_string() -> None:
    usage = generate(MockLLM(["a b c"]), LLMRequest.of("x y")).usage
    assert usage == Usage(2, 3) and usage.total == 5
    with pytest.raises(TypeError, match="not a single string"):
        MockLLM("oops")


# --- ReplayLLM ---------------------------------------------------------------------------------------------------


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_replay_by_messages_and_by_prompt(tmp_path: Path) -> None:
    conversation = [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1"}]
    path = write_jsonl(
        tmp_path / "run.jsonl",
        [
            {"messages": conversation, "completion": "A1"},
            {"prompt": "Q2", "completion": "A2"},
            {"prompt": "Q2", "completions": ["A2b", "A2c"]},
        ],
    )
    replay = ReplayLLM(path)
    assert len(replay) == 2
    assert generate(replay, LLMRequest([Message.from_dict(m) for m in conversation])).texts == ["A1"]
    # A prompt record matches on the last user message, whatever the system prompt.
    assert generate(replay, LLMRequest.of("  Q2\n", system="anything")).texts == ["A2"]
    assert generate(replay, LLMRequest.of("Q2", n=3)).texts == ["A2", "A2b", "A2c"]
    with pytest.raises(LLMResponseError, match="holds 3 completion.*n=4"):
        generate(replay, LLMRequest.of("Q2", n=4))
    # A messages record is matched exactly: another system prompt is another conversation.
    with pytest.raises(LLMResponseError, match="no recorded completion"):
        generate(replay, LLMRequest.of("Q1", system="different"))


def test_a_missing_prompt_names_its_first_80_characters(tmp_path: Path) -> None:
    replay = ReplayLLM(write_jsonl(tmp_path / "r.jsonl", [{"prompt": "known", "completion": "x"}]))
    prompt = "A factory makes chairs and tables. " * 10
    with pytest.raises(LLMResponseError) as caught:
        generate(replay, LLMRequest.of(prompt))
    message = str(caught.value)
    assert repr(prompt[:80]) in message and prompt[:81] not in message and str(tmp_path / "r.jsonl") in message


def batch_files(tmp_path: Path, output_name: str, input_name: str) -> Path:
    write_jsonl(
        tmp_path / input_name,
        [
            {
                "custom_id": f"item-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"problem {i}"}]},
            }
            for i in range(3)
        ],
    )
    output = [
        {
            "id": "batch_req_1",
            "custom_id": "item-1",
            "response": {
                "status_code": 200,
                "request_id": "r1",
                "body": {
                    "model": "gpt-4o-mini-2024-07-18",
                    "choices": [
                        {"index": 1, "message": {"role": "assistant", "content": "B"}, "finish_reason": "stop"},
                        {"index": 0, "message": {"role": "assistant", "content": "A"}, "finish_reason": "stop"},
                    ],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
                },
            },
            "error": None,
        },
        {
            "id": "batch_req_0",
            "custom_id": "item-0",
            "response": {"status_code": 200, "body": {"choices": [{"index": 0, "message": {"content": "zero"}}]}},
            "error": None,
        },
        {"id": "batch_req_2", "custom_id": "item-2", "response": None, "error": {"code": "server_error"}},
    ]
    return write_jsonl(tmp_path / output_name, output)


def test_replay_openai_batch_output_with_its_sibling_input(tmp_path: Path) -> None:
    replay = ReplayLLM(batch_files(tmp_path, "batch_abc_output.jsonl", "batch_abc_input.jsonl"))
    assert replay.model == "gpt-4o-mini-2024-07-18"
    response = generate(replay, LLMRequest.of("problem 1", n=2))
    assert response.texts == ["A", "B"] and response.usage == Usage(5, 2)
    assert generate(replay, LLMRequest.of("problem 0")).texts == ["zero"]
    with pytest.raises(LLMResponseError, match="Batch API failed this request.*item-2.*server_error"):
        generate(replay, LLMRequest.of("problem 2"))


def test_replay_batch_needs_its_input_file(tmp_path: Path) -> None:
    output = batch_files(tmp_path, "results.jsonl", "prompts.jsonl")
    with pytest.raises(ValueError, match="Batch input file.*requests=PATH"):
        ReplayLLM(output)
    assert generate(ReplayLLM(output, requests=tmp_path / "prompts.jsonl"), LLMRequest.of("problem 0")).text == "zero"


def test_replay_rejects_malformed_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "p", "completion": "c"}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
        ReplayLLM(bad)
    with pytest.raises(ValueError, match="unrecognised record"):
        ReplayLLM(write_jsonl(tmp_path / "odd.jsonl", [{"question": "q", "answer": "a"}]))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ReplayLLM(tmp_path / "missing.jsonl")


# --- get_llm -----------------------------------------------------------------------------------------------------


def test_spec_forms(tmp_path: Path) -> None:
    assert get_llm("mock").model == "mock"
    named = get_llm("mock/scripted", outputs=["hi"])
    assert isinstance(named, MockLLM) and named.model == "scripted" and generate(named, LLMRequest.of("x")).text == "hi"
    assert generate(get_llm("mock"), LLMRequest.of("echo me")).text == "echo me"
    (tmp_path / "sub").mkdir()
    recorded = write_jsonl(tmp_path / "sub" / "r.jsonl", [{"prompt": "p", "completion": "c"}])
    replay = get_llm(f"replay/{recorded}")
    assert isinstance(replay, ReplayLLM) and generate(replay, LLMRequest.of("p")).text == "c"
    openai = get_llm("openai/org/model-7b", base_url="http://127.0.0.1:9/v1")
    assert openai.name == "openai" and openai.model == "org/model-7b"


def test_unknown_providers_are_named_with_the_registered_ones() -> None:
    for spec in ("anthropic/claude", "llamacpp/x"):
        with pytest.raises(
            ValueError, match=r"unknown LLM provider.*registered providers: hf, local, mock, openai, replay, vllm"
        ):
            get_llm(spec)
    with pytest.raises(ValueError, match="write openai/gpt-4o"):
        get_llm("gpt-4o")
    with pytest.raises(ValueError, match="needs a model"):
        get_llm("openai")
    with pytest.raises(ValueError, match="needs a file"):
        get_llm("replay")
    with pytest.raises(ValueError, match="empty LLM spec"):
        get_llm(" ")


def test_get_llm_can_wrap_the_backend_in_a_cache(tmp_path: Path) -> None:
    llm = get_llm("mock", outputs=["first", "second"], cache=tmp_path / "c.sqlite3")
    assert isinstance(llm, CachedLLM) and llm.model == "mock"
    assert generate(llm, LLMRequest.of("p")).text == "first"
    assert generate(llm, LLMRequest.of("p")).cached


def test_register_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agent.llm.registry._PROVIDERS", dict(_PROVIDERS))
    register_provider("echo", lambda model, **kw: MockLLM(None, model or "echo"))
    assert "echo" in registered_providers() and get_llm("echo/e1").model == "e1"
    with pytest.raises(ValueError, match="already registered"):
        register_provider("mock", "agent.llm.mock:create")
    register_provider("broken", "no_such_module_xyz:create")
    with pytest.raises(ImportError, match="provider 'broken' could not be loaded"):
        get_llm("broken/x")


def test_importing_the_agent_loads_no_http_client() -> None:
    code = "import sys, agent, agent.llm; assert 'httpx' not in sys.modules, 'httpx imported'; agent.llm.OpenAILLM"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --- types -------------------------------------------------------------------------------------------------------


def test_request_validation_and_normalisation() -> None:
    request = LLMRequest([Message("user", "p")], stop=["a"])
    assert request.messages == (Message("user", "p"),) and request.stop == ("a",)
    hash(request)
    for bad in ({"n": 0}, {"temperature": -1.0}, {"max_tokens": 0}):
        with pytest.raises(ValueError):
            LLMRequest.of("p", **bad)
    with pytest.raises(ValueError, match="at least one message"):
        LLMRequest([])
    with pytest.raises(ValueError, match="role"):
        Message.from_dict({"role": "tool", "content": "x"})
