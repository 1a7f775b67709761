"""``openai/<model>``: any server speaking the OpenAI chat-completions API, over plain HTTP.

This one backend covers OpenAI itself, ``vllm serve``, SGLang, Ollama, the llama.cpp server and
``transformers serve``, so it is how every remote or locally served model is used. It talks HTTP through httpx
instead of the ``openai`` SDK because the agent needs control the SDK hides: servers that ignore ``n`` (llama.cpp
returns one choice) are topped up with extra requests, a dead endpoint fails in well under a second instead of
after the SDK's retries, and every failure maps to an :class:`~agent.llm.types.LLMError` that names the URL and
the fix.

Retry policy (:class:`HTTPSettings`): connection drops, HTTP 408, 429 and 5xx are retried with exponential
backoff and jitter (429 waits what ``Retry-After`` says); other 4xx are the caller's mistake and fail at once.
A refused connection means nothing is listening, so it gets only ``connect_attempts`` tries. One chat-completions
call, retries and waits included, never takes longer than ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import logging
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from agent.llm.base import BaseLLM
from agent.llm.types import (
    LLMAuthError,
    LLMConnectionError,
    LLMError,
    LLMModelNotFoundError,
    LLMRequest,
    LLMResponse,
    LLMResponseError,
    LLMTimeoutError,
    Usage,
)

__all__ = ["DEFAULT_BASE_URL", "HTTPSettings", "OpenAILLM", "create", "normalize_base_url"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_RETRY_STATUSES = frozenset({408, 429})
_UNKNOWN_MODEL = re.compile(r"model.*(does not exist|not found|not exist|unknown|no such)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class HTTPSettings:
    """Timeouts, retries and concurrency of :class:`OpenAILLM`.

    The defaults suit a served model answering long completions: a call may take five minutes in all (reasoning
    models write thousands of tokens), but an address where nothing listens fails after two quick tries, and a
    transient error is retried three times within about four seconds of backoff.
    """

    timeout_s: float = 300.0
    """Total for one chat-completions call: every attempt, backoff wait and ``Retry-After`` wait included."""
    connect_timeout_s: float = 5.0
    """For opening one TCP/TLS connection (a black-holed address fails after this)."""
    max_attempts: int = 4
    """Tries per call on dropped connections, 408, 429 and 5xx (1 = no retry)."""
    connect_attempts: int = 2
    """Tries when the connection cannot be opened at all (refused, DNS failure): the server is not there."""
    backoff_base_s: float = 0.5
    """First backoff wait; doubles per retry, times a random factor in [0.5, 1] so clients do not retry in step."""
    backoff_max_s: float = 8.0
    """Cap on one backoff wait."""
    max_retry_after_s: float = 60.0
    """Longest ``Retry-After`` honoured; a server asking for more fails the call with the rate-limit error."""
    max_concurrency: int = 64
    """Calls in flight at once per backend (the connection pool has the same size); the rest queue."""
    models_timeout_s: float = 5.0
    """For the ``/models`` query that lists the served models when a model is not found."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.connect_attempts < 1 or self.max_concurrency < 1:
            raise ValueError("max_attempts, connect_attempts and max_concurrency must be at least 1")
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("timeout_s and connect_timeout_s must be positive")

    def backoff(self, retry: int) -> float:
        """Wait before retry number ``retry`` (1-based): exponential, capped, with jitter."""
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1)) * random.uniform(0.5, 1.0))


def normalize_base_url(url: str) -> str:
    """Canonical base URL: no trailing slash, ``/v1`` added to a bare host, a pasted endpoint path removed.

    ``http://localhost:8000`` becomes ``http://localhost:8000/v1`` because every OpenAI-compatible server serves the
    API there, and that is the mistake people make most often with ``--base-url``.
    """
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for endpoint in ("/chat/completions", "/completions", "/models"):
        path = path.removesuffix(endpoint)
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` in seconds or as a date)."""
    raw_ms = response.headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_detail(response: httpx.Response) -> str:
    """The server's own error message (OpenAI's ``{"error": {"message": ...}}`` and common variants)."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] if text else response.reason_phrase
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            for field in ("message", "detail", "msg"):
                if isinstance(error.get(field), str):
                    return str(error[field])[:300]
        if isinstance(error, str):
            return error[:300]
        if isinstance(data.get("detail"), str):
            return str(data["detail"])[:300]
    return str(data)[:300]


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying.

    ``error(attempts)`` builds what to raise when no retry is left, so the message can say how many were made.
    """

    def __init__(
        self, reason: str, error: Callable[[int], LLMError], *, wait: float | None = None, connect: bool = False
    ) -> None:
        super().__init__(reason)
        self.error = error
        self.wait = wait
        self.connect = connect


class OpenAILLM(BaseLLM):
    """An OpenAI-compatible chat-completions endpoint.

    Args:
        model: the model name the server knows (``gpt-4o-mini``, or the path/name given to ``vllm serve``).
        base_url: the API root; default ``OPENAI_BASE_URL``, then ``https://api.openai.com/v1``.
        api_key: default ``OPENAI_API_KEY``; no ``Authorization`` header is sent when there is none, which is
            what local servers expect. Only api.openai.com itself is refused without a key, up front.
        settings: timeouts, retries and concurrency; keyword arguments named like its fields override it.
        extra_body: merged into every request body, for server-specific parameters (vLLM ``top_k``,
            ``chat_template_kwargs``, ...).
        headers: extra HTTP headers (an organisation id, a proxy token).

    ``supports_n`` starts unknown and becomes ``False`` once the server answers ``n > 1`` with fewer choices; from
    then on such requests go out as ``n`` concurrent single requests. When a seeded request is split that way, the
    extra requests use ``seed + 1``, ``seed + 2``, ... so they are reproducible without all being identical.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        settings: HTTPSettings | None = None,
        extra_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> None:
        if not model:
            raise ValueError("OpenAILLM needs a model name: openai/<model>")
        unknown = set(overrides) - {f.name for f in dataclasses.fields(HTTPSettings)}
        if unknown:
            valid = ", ".join(f.name for f in dataclasses.fields(HTTPSettings))
            raise TypeError(f"unknown OpenAILLM option(s) {sorted(unknown)}; settings are: {valid}")
        self.model = model
        self.settings = dataclasses.replace(settings or HTTPSettings(), **overrides)
        self.base_url = normalize_base_url(base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY") or None
        if self.api_key is None and urlsplit(self.base_url).hostname == "api.openai.com":
            raise LLMAuthError(
                f"openai/{model} on api.openai.com needs an API key: set OPENAI_API_KEY (or pass --api-key), or "
                "point optagent at your own OpenAI-compatible server with --base-url / OPENAI_BASE_URL "
                "(for example `vllm serve MODEL` then --base-url http://localhost:8000/v1)."
            )
        self.extra_body = dict(extra_body or {})
        self.headers = dict(headers or {})
        if self.api_key:
            self.headers["Authorization"] = f"Bearer {self.api_key}"
        self.supports_n: bool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return f"OpenAILLM({self.model!r}, base_url={self.base_url!r})"

    def _client(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        # An httpx client belongs to the event loop it first ran on; a CLI that calls asyncio.run() twice gets a
        # fresh client the second time instead of a pool of connections bound to a closed loop.
        loop = asyncio.get_running_loop()
        if self._http is None or self._slots is None or self._loop is not loop:
            limit = self.settings.max_concurrency
            self._http = httpx.AsyncClient(
                headers=self.headers,
                limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
            )
            self._slots = asyncio.Semaphore(limit)
            self._loop = loop
        return self._http, self._slots

    async def aclose(self) -> None:
        """Close the connection pool (only possible on the loop that opened it; otherwise it is dropped)."""
        http, self._http = self._http, None
        if http is not None and self._loop is asyncio.get_running_loop():
            await http.aclose()

    async def list_models(self) -> list[str]:
        """The model ids the server offers (``GET /models``)."""
        http, _ = self._client()
        url = f"{self.base_url}/models"
        try:
            response = await http.get(url, timeout=self.settings.models_timeout_s)
        except httpx.TimeoutException:
            raise LLMTimeoutError(url, self.settings.models_timeout_s, self.model) from None
        except httpx.TransportError as exc:
            raise LLMConnectionError(self.base_url, f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise LLMResponseError(f"{url} answered HTTP {response.status_code}: {_error_detail(response)}")
        try:
            data = response.json()["data"]
            return [str(entry["id"]) for entry in data]
        except (ValueError, KeyError, TypeError):
            raise LLMResponseError(f"{url} did not answer with an OpenAI model list") from None

    def _body(self, request: LLMRequest, n: int, seed: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.to_dict() for m in request.messages],
            "temperature": request.temperature,
        }
        if n > 1:
            body["n"] = n
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.stop:
            body["stop"] = list(request.stop)
        if seed is not None:
            body["seed"] = seed
        if request.top_p is not None:
            body["top_p"] = request.top_p
        body.update(self.extra_body)
        return body

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Ask for ``request.n`` completions, topping up from extra requests when the server gives fewer."""
        started = time.perf_counter()
        texts: list[str] = []
        reasons: list[str | None] = []
        usage = Usage()
        split = request.n > 1 and self.supports_n is False
        if not split:
            data = await self._chat(self._body(request, request.n, request.seed))
            texts, reasons, usage = self._parse(data)
            if request.n > 1 and len(texts) < request.n:
                log.info("%s answered n=%d with %d choice(s); topping up", self.base_url, request.n, len(texts))
                self.supports_n = False
            elif request.n > 1:
                self.supports_n = True
        missing = request.n - len(texts)
        if missing > 0:
            offset = len(texts)
            bodies = [
                self._body(request, 1, None if request.seed is None else request.seed + offset + i)
                for i in range(missing)
            ]
            # gather, not a TaskGroup: callers catch LLMError, not an ExceptionGroup; the rest are cancelled.
            tasks = [asyncio.ensure_future(self._chat(body)) for body in bodies]
            try:
                results = await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                raise
            for result in results:
                more_texts, more_reasons, more_usage = self._parse(result)
                texts.extend(more_texts[:1])
                reasons.extend(more_reasons[:1])
                usage = usage + more_usage
        return LLMResponse(
            texts[: request.n], self.model, usage, time.perf_counter() - started, False, tuple(reasons[: request.n])
        )

    def _parse(self, data: Any) -> tuple[list[str], list[str | None], Usage]:
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices:
            raise LLMResponseError(
                f"the server at {self.base_url} answered without any 'choices' ({str(data)[:200]}); "
                "is this an OpenAI-compatible chat-completions API?"
            )
        ordered = sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
        texts: list[str] = []
        reasons: list[str | None] = []
        for choice in ordered:
            message = choice.get("message") if isinstance(choice, dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            texts.append(content if isinstance(content, str) else "")
            reason = choice.get("finish_reason") if isinstance(choice, dict) else None
            reasons.append(reason if isinstance(reason, str) else None)
        raw = data.get("usage")
        usage = Usage()
        if isinstance(raw, dict):
            usage = Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))
        return texts, reasons, usage

    async def _chat(self, body: dict[str, Any]) -> Any:
        """POST one chat-completions body with retries, inside one total deadline; returns the decoded JSON."""
        http, slots = self._client()
        url = f"{self.base_url}/chat/completions"
        settings = self.settings
        async with slots:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + settings.timeout_s
            attempt = connect_failures = 0
            while True:
                attempt += 1
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise LLMTimeoutError(url, settings.timeout_s, self.model)
                try:
                    return await self._attempt(http, url, body, remaining)
                except _Retry as retry:
                    connect_failures += retry.connect
                    out_of_tries = attempt >= settings.max_attempts or connect_failures >= settings.connect_attempts
                    wait = retry.wait if retry.wait is not None else settings.backoff(attempt)
                    if retry.wait is not None and retry.wait > settings.max_retry_after_s:
                        out_of_tries = True
                    if out_of_tries or loop.time() + wait >= deadline:
                        raise retry.error(attempt) from None
                    log.info("%s (attempt %d of %d); retrying in %.2f s", retry, attempt, settings.max_attempts, wait)
                    await asyncio.sleep(wait)

    async def _attempt(self, http: httpx.AsyncClient, url: str, body: dict[str, Any], remaining: float) -> Any:
        timeout = httpx.Timeout(remaining + 1.0, connect=min(self.settings.connect_timeout_s, remaining))
        try:
            # asyncio.timeout bounds the whole exchange; httpx's own read timeout is per read, not in total.
            async with asyncio.timeout(remaining):
                response = await http.post(url, json=body, timeout=timeout)
        except TimeoutError:
            raise LLMTimeoutError(url, self.settings.timeout_s, self.model) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            reason = f"could not connect ({type(exc).__name__}: {exc or 'no detail'})"
            raise _Retry(
                reason, lambda n: LLMConnectionError(self.base_url, f"{reason}, {n} attempt(s)"), connect=True
            ) from None
        except httpx.TimeoutException:
            raise LLMTimeoutError(url, self.settings.timeout_s, self.model) from None
        except httpx.TransportError as exc:
            reason = f"the connection failed mid-request ({type(exc).__name__}: {exc or 'no detail'})"
            raise _Retry(reason, lambda n: LLMConnectionError(self.base_url, f"{reason}, {n} attempt(s)")) from None
        status = response.status_code
        if status == 200:
            try:
                data = response.json()
            except ValueError:
                raise LLMResponseError(
                    f"the server at {self.base_url} answered 200 but not with JSON ({response.text[:200]!r}); "
                    "check that the base URL points at an OpenAI-compatible API",
                    status=status,
                ) from None
            if isinstance(data, dict) and "error" in data and "choices" not in data:
                raise LLMResponseError(
                    f"the server at {self.base_url} answered with an error: {str(data['error'])[:300]}", status=status
                )
            return data
        detail = _error_detail(response)
        if status in _RETRY_STATUSES or status >= 500:
            wait = _retry_after(response) if status == 429 else None
            reason = f"HTTP {status} from {self.base_url}: {detail}"

            def error(attempts: int) -> LLMError:
                if status == 429:
                    asks = f", asking to wait {wait:g} s" if wait is not None else ""
                    return LLMResponseError(
                        f"the server at {self.base_url} is rate limiting this client (HTTP 429: {detail}{asks}) after "
                        f"{attempts} attempt(s); lower the concurrency (max_concurrency) or retry later",
                        status=status,
                    )
                return LLMResponseError(
                    f"the server at {self.base_url} failed the request {attempts} time(s) (last: HTTP {status}: "
                    f"{detail}); it may be overloaded or crashed: check its log, or retry later",
                    status=status,
                )

            raise _Retry(reason, error, wait=wait)
        raise await self._client_error(status, detail)

    async def _client_error(self, status: int, detail: str) -> LLMError:
        """Map a non-retryable 4xx to the error that says what to change."""
        if status in (401, 403):
            sent = "the API key was refused" if self.api_key else "no API key was sent"
            return LLMAuthError(
                f"the server at {self.base_url} refused access (HTTP {status}: {detail}); {sent}. Set "
                "OPENAI_API_KEY (or pass --api-key) to a key this server accepts."
            )
        if status == 404 or _UNKNOWN_MODEL.search(detail):
            try:
                available: list[str] | None = await self.list_models()
            except LLMError:
                available = None
            if available is not None and self.model in available:
                if status != 404:  # the message merely mentioned the model: an ordinary bad request
                    return self._bad_request(status, detail)
                return LLMResponseError(
                    f"the server at {self.base_url} serves {self.model!r} but answered HTTP {status} for "
                    f"/chat/completions ({detail}); check the base URL (it usually ends in /v1) and that the server "
                    "offers chat completions",
                    status=status,
                )
            elif available is not None or status == 404:
                return LLMModelNotFoundError(self.model, self.base_url, available)
        return self._bad_request(status, detail)

    def _bad_request(self, status: int, detail: str) -> LLMResponseError:
        return LLMResponseError(
            f"the server at {self.base_url} rejected the request (HTTP {status}: {detail}); check the request "
            "parameters (max_tokens within the model's context, stop sequences, n) and the model name",
            status=status,
        )


def create(model: str | None = None, **kwargs: Any) -> OpenAILLM:
    """Registry factory: ``openai/<model>``, with ``base_url``, ``api_key`` and settings as keyword arguments."""
    if not model:
        raise ValueError(
            "the openai provider needs a model: openai/<model>, e.g. openai/gpt-4o-mini, or the name a "
            "`vllm serve` endpoint lists under /v1/models"
        )
    return OpenAILLM(model, **kwargs)
