"""Small shared bases: a backend usable as ``async with``, and a wrapper that delegates to another backend.

Caching and accounting are wrappers rather than features of each provider, so they compose
(``AccountingLLM(CachedLLM(OpenAILLM(...)))``) and a new provider gets both for free.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Self

from agent.llm.types import LLMBackend, LLMError, LLMRequest, LLMResponse, Usage

__all__ = ["BaseLLM", "LLMWrapper", "ThreadedLLM"]


class BaseLLM:
    """Defaults every concrete backend shares: a no-op ``aclose`` and the async context manager protocol."""

    name: str = "base"
    model: str = ""

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Subclasses produce the completions."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Nothing to release by default."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}/{self.model})"


class LLMWrapper(BaseLLM):
    """A backend that adds behaviour around ``inner``; ``name``, ``model`` and ``aclose`` are the inner ones."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Pass through unchanged; subclasses override."""
        return await self.inner.generate(request)

    async def aclose(self) -> None:
        """Closing the wrapper closes what it wraps, so callers only manage the outermost object."""
        await self.inner.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"


class ThreadedLLM(BaseLLM):
    """A backend whose generation is a blocking call (transformers, in-process vLLM), run in a worker thread.

    Subclasses implement ``_generate_sync``; this class times it and turns the library's own failures (CUDA out of
    memory, a prompt longer than the context, a chat-template error) into an :class:`LLMError` naming the model.
    """

    def _generate_sync(self, request: LLMRequest) -> tuple[list[str], list[str | None], Usage]:
        raise NotImplementedError

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Generate ``request.n`` completions in a worker thread (loading the model on first use)."""
        started = time.perf_counter()
        try:
            texts, reasons, usage = await asyncio.to_thread(self._generate_sync, request)
        except LLMError:
            raise
        except (RuntimeError, ValueError) as exc:
            raise LLMError(f"{self.name}/{self.model} failed to generate: {type(exc).__name__}: {exc}") from exc
        return LLMResponse(texts, self.model, usage, time.perf_counter() - started, False, tuple(reasons))
