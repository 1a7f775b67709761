"""Small shared bases: a backend usable as ``async with``, and a wrapper that delegates to another backend.

Caching and accounting are wrappers rather than features of each provider, so they compose
(``AccountingLLM(CachedLLM(OpenAILLM(...)))``) and a new provider gets both for free.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from agent.llm.types import LLMBackend, LLMRequest, LLMResponse

__all__ = ["BaseLLM", "LLMWrapper"]


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
