"""The ``vllm/`` adapter against a fake ``vllm`` module: request mapping, n outputs, usage, stops, errors.

No GPU and no vLLM here, so this checks the adapter's logic only; it has not run against real vLLM.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent.llm import LLMError, LLMRequest, get_llm
from agent.llm.vllm import VLLMLLM


@dataclass
class FakeOutput:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str


@dataclass
class FakeResult:
    prompt_token_ids: list[int]
    outputs: list[FakeOutput]


@dataclass
class FakeEngine:
    model: str
    options: dict[str, Any]
    calls: list[tuple[list[dict[str, str]], Any]] = field(default_factory=list)

    def chat(self, messages: list[dict[str, str]], sampling_params: Any, use_tqdm: bool = True) -> list[FakeResult]:
        self.calls.append((messages, sampling_params))
        outputs = [
            FakeOutput(i, f"answer {i}</python> tail" if i == 1 else f"answer {i}", [1] * (i + 2), "length")
            for i in reversed(range(sampling_params.kwargs["n"]))
        ]
        return [FakeResult([7, 7, 7], outputs)]


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("vllm")
    module.__spec__ = importlib.machinery.ModuleSpec("vllm", None)
    module.engines = []  # type: ignore[attr-defined]

    def make_llm(model: str, **options: Any) -> FakeEngine:
        engine = FakeEngine(model, options)
        module.engines.append(engine)  # type: ignore[attr-defined]
        return engine

    module.LLM = make_llm  # type: ignore[attr-defined]
    module.SamplingParams = lambda **kwargs: types.SimpleNamespace(kwargs=kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    return module


def test_request_maps_to_sampling_params_and_outputs(fake_vllm: types.ModuleType) -> None:
    llm = get_llm("vllm/org/model-7b", gpu_memory_utilization=0.5)
    assert isinstance(llm, VLLMLLM) and llm.model == "org/model-7b"
    assert not fake_vllm.engines  # the engine is built on first use, not by get_llm
    request = LLMRequest.of("p", system="s", n=3, temperature=0.7, max_tokens=99, seed=5, stop=["</python>"])
    response = asyncio.run(llm.generate(request))
    (engine,) = fake_vllm.engines
    assert engine.model == "org/model-7b" and engine.options == {"gpu_memory_utilization": 0.5}
    ((messages, params),) = engine.calls
    assert messages == [{"role": "system", "content": "s"}, {"role": "user", "content": "p"}]
    assert params.kwargs == {"n": 3, "temperature": 0.7, "max_tokens": 99, "seed": 5, "stop": ["</python>"]}
    assert response.texts == ["answer 0", "answer 1", "answer 2"]  # ordered by index, stop string trimmed
    assert response.finish_reasons == ("length", "stop", "length")
    assert response.usage is not None and (response.usage.prompt_tokens, response.usage.completion_tokens) == (3, 9)
    asyncio.run(llm.generate(LLMRequest.of("q", top_p=0.9)))
    assert len(fake_vllm.engines) == 1  # one engine serves every request
    assert engine.calls[1][1].kwargs == {"n": 1, "temperature": 0.0, "max_tokens": None, "seed": None, "stop": []} | {
        "top_p": 0.9
    }
    asyncio.run(llm.aclose())


def test_missing_vllm_names_the_install_and_the_server_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm raises ImportError; find_spec raises ValueError
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(LLMError, match=r"pip install 'optagent\[vllm\]'.*CUDA.*vllm serve.*openai/"):
        get_llm("vllm/some-model")
    with pytest.raises(ValueError, match="needs a model"):
        get_llm("vllm")


def test_engine_load_failure_is_an_llm_error(fake_vllm: types.ModuleType) -> None:
    def broken(model: str, **options: Any) -> None:
        raise RuntimeError("No CUDA GPUs are available")

    fake_vllm.LLM = broken  # type: ignore[attr-defined]
    with pytest.raises(LLMError, match="No CUDA GPUs are available"):
        asyncio.run(get_llm("vllm/m").generate(LLMRequest.of("p")))
