"""An on-disk response cache, so re-running a benchmark or a debugging session does not pay for the LLM again.

Entries live in one SQLite file keyed by the sha256 of (provider, model, messages, sampling parameters, seed).
SQLite in WAL mode gives atomic writes and lets several processes (benchmark workers, a web server and a CLI)
read and write the same cache at once; a writer that finds the file locked waits up to ``busy_timeout_s``.
The file must be on a local disk: SQLite's locking is unreliable on network file systems.

What is cached: requests with ``temperature == 0`` and requests that carry a ``seed`` are cached by default,
because the caller asked for a reproducible answer. A sampled request without a seed (``temperature > 0``,
``seed=None``) is *not* cached unless ``cache_sampling=True``: the caller wants a fresh sample, and serving the
same one again would silently collapse self-consistency voting and pass@k to a single sample.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.llm.base import LLMWrapper
from agent.llm.types import LLMBackend, LLMRequest, LLMResponse, Usage

__all__ = ["CachedLLM", "ResponseCache", "cache_key"]

log = logging.getLogger(__name__)

_KEY_VERSION = 1
DEFAULT_FILENAME = "llm-cache.sqlite3"


def cache_key(provider: str, model: str, request: LLMRequest) -> str:
    """The sha256 hex digest of everything that can change the completions, in a canonical JSON form."""
    payload = {
        "v": _KEY_VERSION,
        "provider": provider,
        "model": model,
        "messages": [[m.role, m.content] for m in request.messages],
        "params": {
            "temperature": float(request.temperature),
            "max_tokens": request.max_tokens,
            "n": request.n,
            "stop": list(request.stop),
            "top_p": None if request.top_p is None else float(request.top_p),
        },
        "seed": request.seed,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """The SQLite store behind :class:`CachedLLM`; blocking calls, each on its own short-lived connection.

    ``path`` is the database file, or a directory to hold ``llm-cache.sqlite3``. A connection per operation is
    what makes one instance safe to use from several threads, and costs well under a millisecond.
    """

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / DEFAULT_FILENAME
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        with self._connect() as db:
            # WAL: readers never block the writer and a crash mid-write leaves the previous state intact.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, payload TEXT NOT NULL, created REAL)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def get(self, key: str) -> LLMResponse | None:
        """The stored response, marked ``cached`` with zero latency; ``None`` on a miss or an unreadable entry."""
        with self._connect() as db:
            row = db.execute("SELECT payload FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            usage = data.get("usage")
            return LLMResponse(
                texts=[str(t) for t in data["texts"]],
                model=str(data["model"]),
                usage=Usage(int(usage[0]), int(usage[1])) if usage else None,
                latency_s=0.0,
                cached=True,
                finish_reasons=tuple(data.get("finish_reasons") or ()),
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return None  # written by an incompatible version: treat as a miss, the next put overwrites it

    def put(self, key: str, response: LLMResponse) -> None:
        """Store (or replace) one response; a single statement, so readers see all of it or none."""
        payload: dict[str, Any] = {
            "texts": response.texts,
            "model": response.model,
            "usage": None
            if response.usage is None
            else [response.usage.prompt_tokens, response.usage.completion_tokens],
            "finish_reasons": list(response.finish_reasons),
        }
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO responses (key, payload, created) VALUES (?, ?, ?)",
                (key, json.dumps(payload, ensure_ascii=False), time.time()),
            )

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def clear(self) -> None:
        """Drop every entry."""
        with self._connect() as db:
            db.execute("DELETE FROM responses")


class CachedLLM(LLMWrapper):
    """Serves repeated requests from a :class:`ResponseCache` instead of the wrapped backend.

    Hits come back with ``cached=True`` and ``latency_s == 0``. Identical cacheable requests in flight at the same
    time share one backend call, so ten parallel copies of a prompt cost one completion. Failures are never cached.
    """

    def __init__(self, backend: LLMBackend, path: str | Path | ResponseCache, *, cache_sampling: bool = False) -> None:
        super().__init__(backend)
        self.cache = path if isinstance(path, ResponseCache) else ResponseCache(path)
        self.cache_sampling = cache_sampling
        self.hits = 0
        self.misses = 0
        self._inflight: dict[str, asyncio.Future[LLMResponse]] = {}

    def _get(self, key: str) -> LLMResponse | None:
        try:
            return self.cache.get(key)
        except sqlite3.Error as exc:  # a broken cache must not stop the run: it only costs a new completion
            log.warning("LLM cache %s unreadable (%s); asking the model instead", self.cache.path, exc)
            return None

    def _put(self, key: str, response: LLMResponse) -> None:
        try:
            self.cache.put(key, response)
        except sqlite3.Error as exc:
            log.warning("LLM cache %s not updated (%s); the answer is used but not stored", self.cache.path, exc)

    def cacheable(self, request: LLMRequest) -> bool:
        """Whether ``request`` may be answered from (and stored in) the cache; see the module docstring."""
        return request.temperature == 0 or request.seed is not None or self.cache_sampling

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Answer from the cache when possible, else ask the backend and store a successful answer."""
        if not self.cacheable(request):
            return await self.inner.generate(request)
        key = cache_key(self.name, self.model, request)
        pending = self._inflight.get(key)
        if pending is not None and pending.get_loop() is asyncio.get_running_loop():
            try:
                response = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this caller was cancelled
                return await self.generate(request)  # the first caller was cancelled: take over
            self.hits += 1
            return LLMResponse(response.texts, response.model, response.usage, 0.0, True, response.finish_reasons)
        # Registered before the first await, so a concurrent identical request waits for this one.
        future: asyncio.Future[LLMResponse] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            hit = await asyncio.to_thread(self._get, key)
            if hit is not None:
                self.hits += 1
                response = hit
            else:
                self.misses += 1
                response = await self.inner.generate(request)
                await asyncio.to_thread(self._put, key, response)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark it retrieved: there may be no other caller waiting, and that is fine
            raise
        else:
            future.set_result(response)
            return response
        finally:
            self._inflight.pop(key, None)
