"""Batch mode: a run's prompts exported as an OpenAI Batch API file, its completions consumed later, round by round.

Batch APIs (OpenAI's, or offline vLLM over a JSONL file) answer a whole file of requests at half the price, but the
agent is a conversation: it asks for a formulation, then for a program written from that formulation, then for
repairs of what failed. The prompt of round *r + 1* is only known once round *r*'s completions are in and its
programs have run. So a batch run proceeds in rounds, each a normal ``bench run`` with a replay backend:

1. ``optagent bench export-prompts nl4opt --out round1.jsonl`` writes each item's first prompt (the agent is run
   with a backend that has no completions and stops at its first request; see :func:`export_suite_prompts`).
2. The file is sent to the Batch API; its output is saved beside it as ``round1_output.jsonl``.
3. ``optagent bench run nl4opt --llm replay/round1_output.jsonl --out RUN`` runs the agent. Every completion it
   uses is kept in ``RUN/completions.jsonl`` (:class:`StoredCompletionsLLM`). An item whose next prompt has no
   completion yet is *pending*: it gets no record, and its missing prompt goes to ``RUN/pending.jsonl``.
4. ``optagent bench export-prompts --run RUN --out round2.jsonl`` writes the prompts still missing (the items that
   finished since are left out); after the Batch API answers, ``optagent bench run nl4opt --llm
   replay/round2_output.jsonl --out RUN --resume`` replays round 1 from ``RUN/completions.jsonl``, round 2 from the
   new file, and so on until nothing is pending.

Prompts line up with :class:`agent.llm.ReplayLLM` by construction: it keys a Batch output line by the ``messages``
of the request line with the same ``custom_id``, and the exported ``messages`` are exactly what the agent sent.
``custom_id`` is ``<item id>:<exchange index>:<hash of the request>`` — unique, and readable in a Batch dashboard.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.llm import LLMBackend, LLMError, LLMRequest, LLMResponse, LLMResponseError, LLMWrapper, Message, Usage
from agent.llm.base import BaseLLM
from agent.llm.cache import cache_key
from benchmarks.runlog import (
    COMPLETIONS_FILE,
    PENDING_FILE,
    JsonlAppender,
    read_jsonl,
    read_records,
    write_jsonl_atomic,
)

__all__ = [
    "BATCH_URL",
    "NoCompletionsLLM",
    "PendingCompletion",
    "PendingPrompt",
    "StoredCompletionsLLM",
    "batch_request",
    "is_missing_completion",
    "read_pending",
    "request_from_dict",
    "request_to_dict",
    "write_batch_file",
    "write_pending",
]

BATCH_URL = "/v1/chat/completions"

_MISSING_PREFIXES = ("no recorded completion", "the Batch API failed this request")
"""How :class:`agent.llm.ReplayLLM` says a prompt has no usable completion (tested in tests/benchmarks/test_batch)."""


class PendingCompletion(LLMError):
    """The completion for ``request`` is not available yet: the item waits for the next batch round."""

    def __init__(self, request: LLMRequest, reason: str = "") -> None:
        self.request = request
        super().__init__(reason or "no completion yet for this prompt; export it with `optagent bench export-prompts`")


def is_missing_completion(exc: BaseException) -> bool:
    """Whether a replay backend's error means "not recorded (yet)" rather than a broken file or request."""
    return isinstance(exc, LLMResponseError) and str(exc).startswith(_MISSING_PREFIXES)


# -- requests as JSON ----------------------------------------------------------------------------------------------


def request_to_dict(request: LLMRequest) -> dict[str, Any]:
    """The request's messages and sampling parameters as plain JSON (for ``pending.jsonl``)."""
    return {
        "messages": [m.to_dict() for m in request.messages],
        "n": request.n,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "top_p": request.top_p,
        "stop": list(request.stop),
    }


def request_from_dict(data: Mapping[str, Any]) -> LLMRequest:
    """Inverse of :func:`request_to_dict`."""
    return LLMRequest(
        [Message.from_dict(m) for m in data["messages"]],
        temperature=float(data.get("temperature", 0.0)),
        max_tokens=data.get("max_tokens"),
        n=int(data.get("n", 1)),
        stop=tuple(data.get("stop") or ()),
        seed=data.get("seed"),
        top_p=data.get("top_p"),
    )


def batch_request(custom_id: str, request: LLMRequest, model: str) -> dict[str, Any]:
    """One OpenAI Batch API input line for ``request``: ``{"custom_id", "method", "url", "body"}``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [m.to_dict() for m in request.messages],
        "n": request.n,
        "temperature": request.temperature,
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.seed is not None:
        body["seed"] = request.seed
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop:
        body["stop"] = list(request.stop)
    return {"custom_id": custom_id, "method": "POST", "url": BATCH_URL, "body": body}


def _request_hash(request: LLMRequest) -> str:
    return cache_key("batch", "", request)


# -- pending prompts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingPrompt:
    """A prompt an item is waiting on: which item, which exchange of its conversation, and the request."""

    suite: str
    item_id: str
    index: int
    """How many LLM calls the item had made before this one (0: its first prompt)."""
    request: LLMRequest

    @property
    def custom_id(self) -> str:
        """``<item id>:<exchange index>:<first 10 hex digits of the request's hash>``."""
        return f"{self.item_id}:{self.index}:{_request_hash(self.request)[:10]}"

    def to_dict(self) -> dict[str, Any]:
        """One ``pending.jsonl`` line."""
        return {
            "suite": self.suite,
            "item_id": self.item_id,
            "index": self.index,
            "custom_id": self.custom_id,
            "request": request_to_dict(self.request),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingPrompt:
        """Read a ``pending.jsonl`` line back."""
        return cls(str(data["suite"]), str(data["item_id"]), int(data["index"]), request_from_dict(data["request"]))


def write_pending(run_dir: Path, pending: Iterable[PendingPrompt]) -> None:
    """Replace ``pending.jsonl`` with the prompts this invocation left missing (removed when there are none)."""
    rows = [p.to_dict() for p in pending]
    path = run_dir / PENDING_FILE
    if rows:
        write_jsonl_atomic(path, rows)
    else:
        path.unlink(missing_ok=True)


def read_pending(run_dir: str | Path) -> list[PendingPrompt]:
    """The prompts still missing in a run directory: ``pending.jsonl`` minus the items that have a record since."""
    path = Path(run_dir)
    done = {(r.suite, r.item_id) for r in read_records(path)}
    return [
        prompt
        for prompt in (PendingPrompt.from_dict(row) for row in read_jsonl(path / PENDING_FILE))
        if (prompt.suite, prompt.item_id) not in done
    ]


def write_batch_file(path: Path, prompts: Sequence[PendingPrompt], model: str) -> int:
    """Write ``prompts`` as OpenAI Batch API input lines (one per distinct custom id); returns the line count."""
    seen: set[str] = set()
    rows = []
    for prompt in prompts:
        if prompt.custom_id in seen:
            continue
        seen.add(prompt.custom_id)
        rows.append(batch_request(prompt.custom_id, prompt.request, model))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


# -- backends ---------------------------------------------------------------------------------------------------------


class NoCompletionsLLM(BaseLLM):
    """A backend with no completions at all: every request is pending (how the first round's prompts are found)."""

    name = "batch"

    def __init__(self, model: str = "batch") -> None:
        self.model = model

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Always :class:`PendingCompletion`."""
        raise PendingCompletion(request)


class StoredCompletionsLLM(LLMWrapper):
    """Keeps every completion of a run in ``completions.jsonl`` and serves a request from there before asking.

    A resumed run therefore does not pay again for the exchanges of the items it had started, and a batch round
    replays the earlier rounds from the run directory while the new replay file supplies only the new prompts. The
    file uses :class:`agent.llm.ReplayLLM`'s ``messages``/``completions`` line format, so ``--llm
    replay/RUN/completions.jsonl`` repeats a whole run for free. Entries are keyed by the messages and every
    sampling parameter (:func:`agent.llm.cache.cache_key`), so a sampled request is never served a greedy answer.

    A replay backend's "no completion recorded" becomes :class:`PendingCompletion`.
    """

    def __init__(self, inner: LLMBackend, run_dir: Path | None = None) -> None:
        super().__init__(inner)
        self._entries: dict[str, LLMResponse] = {}
        self._appender: JsonlAppender | None = None
        if run_dir is not None:
            path = run_dir / COMPLETIONS_FILE
            for row in read_jsonl(path, repair=True):
                key = row.get("key")
                completions = row.get("completions")
                if isinstance(key, str) and isinstance(completions, list):
                    usage = row.get("usage")
                    self._entries[key] = LLMResponse(
                        [str(t) for t in completions],
                        str(row.get("model") or self.model),
                        Usage(int(usage[0]), int(usage[1])) if isinstance(usage, list) and len(usage) == 2 else None,
                        0.0,
                        True,
                    )
            self._appender = JsonlAppender(path)
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Serve from the store, else from the wrapped backend (storing the answer)."""
        key = _request_hash(request)
        stored = self._entries.get(key)
        if stored is not None:
            self.hits += 1
            return stored
        try:
            response = await self.inner.generate(request)
        except PendingCompletion:
            raise
        except LLMError as exc:
            if is_missing_completion(exc):
                raise PendingCompletion(request, str(exc)) from exc
            raise
        if self._appender is not None:
            usage = response.usage
            row = {
                "key": key,
                **request_to_dict(request),
                "completions": list(response.texts),
                "model": response.model,
                "usage": None if usage is None else [usage.prompt_tokens, usage.completion_tokens],
            }
            await asyncio.to_thread(self._appender.append, row)
        self._entries[key] = LLMResponse(list(response.texts), response.model, response.usage, 0.0, True)
        return response

    async def aclose(self) -> None:
        """Close the store and the wrapped backend."""
        if self._appender is not None:
            self._appender.close()
        await self.inner.aclose()
