"""``MockLLM``: scripted or computed completions, shipped in the package for tests, dry runs and demos.

A scripted backend makes the agent's behaviour reproducible without a model: the test of the repair loop scripts
"syntax error, infeasible, right" and checks the loop reaches the right answer. It is registered as provider
``mock`` so the same spec-string plumbing the real providers use is exercised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agent.llm.base import BaseLLM
from agent.llm.types import LLMRequest, LLMResponse, LLMResponseError, Usage, last_user_message

__all__ = ["MockLLM", "MockOutputs", "create"]

MockOutputs = Sequence[str] | Callable[[LLMRequest], str | Sequence[str]]


def _echo(request: LLMRequest) -> str:
    return last_user_message(request.messages)


class MockLLM(BaseLLM):
    """Answers from a script, in order, or from a function of the request.

    With a sequence, each completion consumes the next output (a request with ``n=3`` takes three); when the
    script runs out it raises :class:`LLMResponseError`, or starts again from the top with ``cycle=True``. With a
    callable, it is called once per request; returning a string fills one completion and the callable is called
    again for each of the ``n``; returning a sequence gives all ``n`` at once. With no outputs at all it echoes the
    last user message, which is enough to check plumbing.

    ``calls`` counts ``generate`` calls and ``requests`` keeps them, so a test can assert what the agent sent.
    ``usage`` counts whitespace-separated words, not tokens: enough for accounting tests, not for cost estimates.
    """

    name = "mock"

    def __init__(self, outputs: MockOutputs | None = None, model: str = "mock", *, cycle: bool = False) -> None:
        if isinstance(outputs, str):
            raise TypeError("MockLLM outputs must be a sequence of strings or a callable, not a single string")
        self.model = model
        self.cycle = cycle
        self._fn: Callable[[LLMRequest], str | Sequence[str]] | None = None
        self._script: list[str] = []
        if outputs is None:
            self._fn = _echo
        elif callable(outputs):
            self._fn = outputs
        else:
            self._script = list(outputs)
            if cycle and not self._script:
                raise ValueError("MockLLM(cycle=True) needs at least one output to cycle through")
        self._position = 0
        self.calls = 0
        self.requests: list[LLMRequest] = []

    @property
    def remaining(self) -> int | None:
        """Scripted outputs not yet used (``None`` for a callable or a cycling script)."""
        if self._fn is not None or self.cycle:
            return None
        return len(self._script) - self._position

    def _next_scripted(self) -> str:
        if self._position >= len(self._script):
            if not self.cycle:
                raise LLMResponseError(
                    f"MockLLM ran out of scripted outputs: all {len(self._script)} were used after {self.calls} "
                    "call(s). Script more outputs, or pass cycle=True to start again from the first."
                )
            self._position = 0
        text = self._script[self._position]
        self._position += 1
        return text

    def _texts(self, request: LLMRequest) -> list[str]:
        if self._fn is None:
            return [self._next_scripted() for _ in range(request.n)]
        first = self._fn(request)
        if isinstance(first, str):
            texts = [first]
            for _ in range(request.n - 1):
                more = self._fn(request)
                if not isinstance(more, str):
                    raise LLMResponseError("MockLLM's callable must return a string every time, or a sequence once")
                texts.append(more)
            return texts
        texts = list(first)
        if len(texts) != request.n or not all(isinstance(t, str) for t in texts):
            raise LLMResponseError(
                f"MockLLM's callable returned {len(texts)} completion(s) for a request with n={request.n}; "
                "return exactly n strings, or one string to be called n times"
            )
        return texts

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Produce the scripted or computed completions; the call is counted even when it fails."""
        self.calls += 1
        self.requests.append(request)
        texts = self._texts(request)
        prompt_words = sum(len(m.content.split()) for m in request.messages)
        usage = Usage(prompt_words, sum(len(t.split()) for t in texts))
        return LLMResponse(texts, self.model, usage, 0.0, False, ("stop",) * len(texts))


def create(model: str | None = None, **kwargs: Any) -> MockLLM:
    """Registry factory: ``mock`` or ``mock/<name>``; ``outputs`` and ``cycle`` come from keyword arguments."""
    return MockLLM(kwargs.pop("outputs", None), model or "mock", **kwargs)
