"""Usage accounting across calls: what a solve, a benchmark run or a training epoch cost in tokens and time.

Reports and the run spec need totals, not per-call numbers, and they need them whatever the provider is, so
accounting is a wrapper around any backend (put it outside :class:`~agent.llm.cache.CachedLLM` to count hits).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from agent.llm.base import LLMWrapper
from agent.llm.types import LLMBackend, LLMRequest, LLMResponse

__all__ = ["AccountingLLM", "UsageSnapshot"]


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """Totals at one moment.

    ``prompt_tokens`` / ``completion_tokens`` count only calls that reached a model (cache hits cost nothing,
    so they are counted in ``cache_hits`` instead). ``latency_s`` sums each call's wall time, so with concurrent
    calls it exceeds elapsed time. ``untracked`` counts answered calls whose backend reported no usage.
    """

    requests: int = 0
    completions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    errors: int = 0
    untracked: int = 0
    latency_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        """Plain values for run logs and JSON output."""
        return {**asdict(self), "total_tokens": self.total_tokens}


class AccountingLLM(LLMWrapper):
    """Counts requests, completions, tokens, cache hits, errors and latency of every call through it.

    Updates happen on the event loop thread between awaits, so concurrent calls need no lock.
    """

    def __init__(self, backend: LLMBackend) -> None:
        super().__init__(backend)
        self._totals = UsageSnapshot()

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Forward the call and add what it cost; a failed call counts as a request and an error."""
        started = time.perf_counter()
        try:
            response = await self.inner.generate(request)
        except Exception:
            self._add(requests=1, errors=1, latency_s=time.perf_counter() - started)
            raise
        if response.cached:
            self._add(requests=1, completions=len(response.texts), cache_hits=1)
        else:
            usage = response.usage
            self._add(
                requests=1,
                completions=len(response.texts),
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                untracked=0 if usage else 1,
                latency_s=response.latency_s or (time.perf_counter() - started),
            )
        return response

    def _add(self, **delta: Any) -> None:
        current = asdict(self._totals)
        for name, value in delta.items():
            current[name] += value
        self._totals = UsageSnapshot(**current)

    def snapshot(self) -> UsageSnapshot:
        """The totals so far (an immutable copy)."""
        return self._totals

    def reset(self) -> UsageSnapshot:
        """Return the totals so far and start again from zero (per-item accounting in a benchmark run)."""
        totals, self._totals = self._totals, UsageSnapshot()
        return totals
