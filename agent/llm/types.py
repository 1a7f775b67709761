"""The typed contract every LLM backend speaks, and the errors it raises.

The agent, the benchmarks runner and the training data synthesis only ever see these types, so a provider can be
swapped by changing a spec string (``openai/...``, ``mock``, ``replay/...``) and nothing else. Everything here is
plain data with no SDK import, so it can be logged, cached and compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "LLMAuthError",
    "LLMBackend",
    "LLMConnectionError",
    "LLMError",
    "LLMModelNotFoundError",
    "LLMRequest",
    "LLMResponse",
    "LLMResponseError",
    "LLMTimeoutError",
    "Message",
    "Role",
    "Usage",
    "last_user_message",
]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    """One chat turn. Roles are the three that every chat template understands."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        """The OpenAI wire form, also used for cache keys and replay files."""
        return {"role": self.role, "content": self.content}

    @classmethod
    def from_dict(cls, data: Any) -> Message:
        """Read the wire form back; a malformed entry raises ``ValueError`` naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a message must be an object with 'role' and 'content', got {type(data).__name__}")
        role, content = data.get("role"), data.get("content")
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"message role must be system, user or assistant, got {role!r}")
        if not isinstance(content, str):
            raise ValueError(f"message content must be a string, got {type(content).__name__}")
        return cls(role, content)


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """What the agent asks for: the conversation plus the sampling parameters that change the answer.

    ``n`` asks for several independent completions in one call (self-consistency, pass@k). ``seed`` makes a
    sampled request reproducible where the server supports it, and is what lets such a request be cached.
    """

    messages: Sequence[Message]
    temperature: float = 0.0
    max_tokens: int | None = None
    n: int = 1
    stop: Sequence[str] = ()
    seed: int | None = None
    top_p: float | None = None

    def __post_init__(self) -> None:
        # Normalise to tuples so a request is hashable and cannot change under a cache key.
        object.__setattr__(self, "messages", tuple(self.messages))
        object.__setattr__(self, "stop", tuple(self.stop))
        if not self.messages:
            raise ValueError("an LLMRequest needs at least one message")
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1 when given, got {self.max_tokens}")

    @classmethod
    def of(cls, prompt: str, *, system: str | None = None, **params: Any) -> LLMRequest:
        """A one-turn request: the common case in tests and scripts."""
        messages = [Message("system", system)] if system is not None else []
        messages.append(Message("user", prompt))
        return cls(messages, **params)


def last_user_message(messages: Sequence[Message]) -> str:
    """The prompt as a person would name it: the last user turn (empty when there is none)."""
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    return ""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one call consumed, as the server reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)


@dataclass(frozen=True, slots=True)
class LLMResponse:
    """The completions for one request: ``len(texts) == request.n``, in the order the server gave them.

    ``usage`` is ``None`` when the backend cannot count tokens. ``cached`` responses come from the on-disk cache:
    their ``latency_s`` is zero and their ``usage`` is what the original call cost, kept for reports.
    ``finish_reasons`` (``"stop"``, ``"length"``, ...) parallels ``texts`` where the backend knows them, so a
    parser can tell truncated code from finished code.
    """

    texts: list[str]
    model: str
    usage: Usage | None = None
    latency_s: float = 0.0
    cached: bool = False
    finish_reasons: tuple[str | None, ...] = field(default=())

    @property
    def text(self) -> str:
        """The first completion: what a caller that asked for ``n=1`` wants."""
        return self.texts[0]


@runtime_checkable
class LLMBackend(Protocol):
    """Anything that turns an :class:`LLMRequest` into an :class:`LLMResponse`.

    ``name`` is the provider (``"openai"``, ``"mock"``, ...) and ``model`` the model it serves; both go into
    cache keys and run logs. ``aclose`` releases connections or loaded weights.
    """

    name: str
    model: str

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Return ``request.n`` completions or raise an :class:`LLMError` that says what to do."""
        ...

    async def aclose(self) -> None:
        """Release what the backend holds; it may not be used afterwards."""
        ...


class LLMError(RuntimeError):
    """Base of every error an LLM backend raises; the message always says what to do next."""


class LLMConnectionError(LLMError):
    """The endpoint cannot be reached (nothing listening, DNS failure, connection dropped on every attempt)."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = url
        super().__init__(
            f"cannot reach the LLM server at {url}: {detail}. Start the server, or point optagent at another "
            "OpenAI-compatible endpoint with --base-url or the OPENAI_BASE_URL environment variable "
            "(a `vllm serve` endpoint is usually http://localhost:8000/v1)."
        )


class LLMTimeoutError(LLMError):
    """The server accepted the request but did not answer within the backend's total timeout."""

    def __init__(self, url: str, timeout_s: float, model: str) -> None:
        self.url = url
        self.timeout_s = timeout_s
        super().__init__(
            f"no answer from {url} within {timeout_s:g} s (model {model!r}). The server may be overloaded or the "
            "generation very long: raise the timeout (timeout_s / --timeout), lower max_tokens, or check the "
            "server's log."
        )


class LLMModelNotFoundError(LLMError):
    """The server does not serve the requested model; ``available`` lists what it does serve, when it says."""

    def __init__(self, model: str, url: str, available: Sequence[str] | None) -> None:
        self.model = model
        self.url = url
        self.available = list(available) if available is not None else None
        if self.available:
            offer = (
                "it serves: "
                + ", ".join(self.available)
                + ". Use one of them, e.g. --llm openai/"
                + (self.available[0])
            )
        elif self.available is not None:
            offer = "it lists no models at all; check that the server finished loading"
        else:
            offer = (
                "its model list (/models) did not answer either; check the base URL (it usually ends in /v1) and "
                "the model name"
            )
        super().__init__(f"the server at {url} has no model {model!r}; {offer}.")


class LLMAuthError(LLMError):
    """The server refused the credentials (401/403), or a hosted API was used without any."""


class LLMResponseError(LLMError):
    """The server answered, but not with usable completions (4xx other than auth, 5xx after retries, bad JSON).

    ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)
