"""LLM backends behind one typed interface, chosen by a spec string (``get_llm("openai/gpt-4o-mini")``).

Importing this package loads no HTTP client or model SDK: the ``openai`` backend (httpx) is imported when first
used, through :func:`get_llm` or the lazy ``OpenAILLM`` / ``HTTPSettings`` names below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.llm.accounting import AccountingLLM, UsageSnapshot
from agent.llm.base import BaseLLM, LLMWrapper
from agent.llm.cache import CachedLLM, ResponseCache, cache_key
from agent.llm.mock import MockLLM
from agent.llm.registry import get_llm, parse_spec, register_provider, registered_providers
from agent.llm.replay import ReplayLLM
from agent.llm.types import (
    LLMAuthError,
    LLMBackend,
    LLMConnectionError,
    LLMError,
    LLMModelNotFoundError,
    LLMRequest,
    LLMResponse,
    LLMResponseError,
    LLMTimeoutError,
    Message,
    Usage,
)

if TYPE_CHECKING:
    from agent.llm.openai import HTTPSettings, OpenAILLM

__all__ = [
    "AccountingLLM",
    "BaseLLM",
    "CachedLLM",
    "HTTPSettings",
    "LLMAuthError",
    "LLMBackend",
    "LLMConnectionError",
    "LLMError",
    "LLMModelNotFoundError",
    "LLMRequest",
    "LLMResponse",
    "LLMResponseError",
    "LLMTimeoutError",
    "LLMWrapper",
    "Message",
    "MockLLM",
    "OpenAILLM",
    "ReplayLLM",
    "ResponseCache",
    "Usage",
    "UsageSnapshot",
    "cache_key",
    "get_llm",
    "parse_spec",
    "register_provider",
    "registered_providers",
]

_LAZY = {"OpenAILLM": "agent.llm.openai", "HTTPSettings": "agent.llm.openai"}


def __getattr__(name: str) -> Any:
    # PEP 562: the httpx-based backend is imported only when someone asks for it by name.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
