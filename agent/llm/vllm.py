"""``vllm/<model>``: vLLM inside this process, for batched generation on a CUDA machine.

The ``openai`` backend pointed at ``vllm serve`` is the usual way to use vLLM; this in-process backend is for
jobs that own the GPU (benchmark sweeps, training data synthesis) and want no server in between: ``n`` samples
come from one ``SamplingParams`` and share the prompt's KV cache.

vLLM is imported only when the model is first loaded, so ``import agent.llm`` stays light and a machine without
it (any machine without CUDA) gets an :class:`~agent.llm.types.LLMError` that names the install command and the
server route instead of an ``ImportError``. Generation is blocking, so it runs in a worker thread under a lock:
one ``vllm.LLM`` engine is not meant to be driven from two threads at once.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from agent.llm.base import ThreadedLLM
from agent.llm.hf import trim_at_stop
from agent.llm.types import LLMError, LLMRequest, Usage

__all__ = ["VLLMLLM", "create", "sampling_options"]

_INSTALL = (
    "pip install 'optagent[vllm]' (vLLM needs an NVIDIA GPU with CUDA); without one, serve the model elsewhere "
    "with `vllm serve MODEL` and use --llm openai/MODEL --base-url http://HOST:8000/v1"
)


def sampling_options(request: LLMRequest) -> dict[str, Any]:
    """The ``vllm.SamplingParams`` keyword arguments for a request.

    ``max_tokens`` is always passed: vLLM's own default is 16 tokens, which would silently truncate every
    program; ``None`` means "up to the context length", which is what an OpenAI server does without a limit.
    ``top_p`` is left to vLLM's default (1.0) unless the request sets it.
    """
    options: dict[str, Any] = {
        "n": request.n,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "stop": list(request.stop),
    }
    if request.top_p is not None:
        options["top_p"] = request.top_p
    return options


class VLLMLLM(ThreadedLLM):
    """A ``vllm.LLM`` engine, prompted through ``LLM.chat`` (the model's own chat template).

    Args:
        model: a hub id or a local folder, as ``vllm.LLM(model=...)`` takes it.
        **engine_options: passed to ``vllm.LLM`` (``tensor_parallel_size``, ``gpu_memory_utilization``,
            ``max_model_len``, ``dtype``, ...).

    The engine is built on the first request (in the worker thread): loading takes minutes and reserves most of
    the GPU memory, which a command that fails on bad input should not pay for.
    """

    name = "vllm"

    def __init__(self, model: str, **engine_options: Any) -> None:
        if not model:
            raise ValueError("the vllm provider needs a model: vllm/<hub-id-or-folder>")
        if importlib.util.find_spec("vllm") is None:
            raise LLMError(f"vllm/{model} needs vLLM, which is not installed: {_INSTALL}")
        self.model = model
        self.engine_options = engine_options
        self._lock = threading.Lock()
        self._engine: Any = None
        self._vllm: Any = None

    def __repr__(self) -> str:
        return f"VLLMLLM({self.model!r})"

    def _load(self) -> tuple[Any, Any]:
        """Import vLLM and build the engine once; called with the lock held."""
        if self._engine is None:
            try:
                import vllm
            except ImportError as exc:
                raise LLMError(f"cannot import vLLM ({exc}): {_INSTALL}") from None
            try:
                self._engine = vllm.LLM(model=self.model, **self.engine_options)
            except (OSError, ValueError, RuntimeError) as exc:
                raise LLMError(
                    f"vLLM could not load {self.model!r}: {type(exc).__name__}: {exc}. vLLM needs a CUDA GPU with "
                    "room for the weights; otherwise use hf/<model> or a served model with --llm openai/<model>"
                ) from exc
            self._vllm = vllm
        return self._engine, self._vllm

    def _generate_sync(self, request: LLMRequest) -> tuple[list[str], list[str | None], Usage]:
        with self._lock:
            engine, vllm = self._load()
            params = vllm.SamplingParams(**sampling_options(request))
            (result,) = engine.chat([m.to_dict() for m in request.messages], sampling_params=params, use_tqdm=False)
        texts: list[str] = []
        reasons: list[str | None] = []
        completion_tokens = 0
        for output in sorted(result.outputs, key=lambda o: getattr(o, "index", 0)):
            # vLLM already drops the stop string; trimming again guards engines that include it
            # (include_stop_str_in_output) and costs nothing when it is absent.
            text, stopped = trim_at_stop(output.text, request.stop)
            texts.append(text)
            reasons.append("stop" if stopped else output.finish_reason)
            completion_tokens += len(output.token_ids)
        if len(texts) != request.n:
            raise LLMError(f"vLLM returned {len(texts)} completions for n={request.n} (model {self.model!r})")
        return texts, reasons, Usage(len(result.prompt_token_ids or ()), completion_tokens)

    async def aclose(self) -> None:
        """Drop the engine so its GPU memory can be reclaimed once nothing else refers to it."""
        with self._lock:
            self._engine = None


def create(model: str | None = None, **kwargs: Any) -> VLLMLLM:
    """Registry factory: ``vllm/<model>``; keyword arguments go to ``vllm.LLM``."""
    if not model:
        raise ValueError("the vllm provider needs a model: vllm/<hub-id-or-folder>, e.g. vllm/Qwen/Qwen2.5-7B-Instruct")
    return VLLMLLM(model, **kwargs)
