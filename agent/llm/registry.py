"""``get_llm(spec)``: one spec string picks the provider, so the CLI, benchmarks and training share one switch.

Providers are registered as ``"module:attr"`` strings and imported on first use, so ``import agent`` never loads
an HTTP client, let alone vLLM or torch. A factory takes the part of the spec after the provider (the model, a
name or a file) and the keyword arguments, and returns an :class:`~agent.llm.types.LLMBackend`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from agent.llm.types import LLMBackend

__all__ = ["get_llm", "parse_spec", "register_provider", "registered_providers"]

Factory = Callable[..., LLMBackend]

_PROVIDERS: dict[str, str | Factory] = {
    "openai": "agent.llm.openai:create",
    "mock": "agent.llm.mock:create",
    "replay": "agent.llm.replay:create",
    "hf": "agent.llm.hf:create",
    "local": "agent.llm.hf:create_local",
    "vllm": "agent.llm.vllm:create",
}

_FORMS = "openai/<model>, vllm/<model>, hf/<model-or-path>, local, mock, mock/<name>, replay/<file>"


def register_provider(name: str, factory: str | Factory, *, replace: bool = False) -> None:
    """Add a provider: ``factory`` is a callable or a lazy ``"module:attr"`` reference to one.

    Registering an existing name is refused unless ``replace=True``, so two plugins cannot silently shadow each
    other.
    """
    if not name or "/" in name:
        raise ValueError(f"a provider name must be non-empty and contain no '/': {name!r}")
    if name in _PROVIDERS and not replace:
        raise ValueError(f"LLM provider {name!r} is already registered; pass replace=True to override it")
    if isinstance(factory, str) and ":" not in factory:
        raise ValueError(f"a lazy factory must look like 'package.module:attr', got {factory!r}")
    _PROVIDERS[name] = factory


def registered_providers() -> list[str]:
    """Names of the providers ``get_llm`` accepts, sorted."""
    return sorted(_PROVIDERS)


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split ``"provider/rest"`` at the first slash; ``rest`` keeps any further slashes (``replay/runs/x.jsonl``)."""
    spec = spec.strip()
    if not spec:
        raise ValueError(f"an empty LLM spec; use one of: {_FORMS}")
    provider, sep, rest = spec.partition("/")
    return provider, (rest if sep and rest else None)


def _resolve(provider: str, factory: str | Factory) -> Factory:
    if not isinstance(factory, str):
        return factory
    module_name, _, attr = factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"LLM provider {provider!r} could not be loaded ({exc}); install the extra it needs, "
            f"e.g. pip install 'optagent[{provider}]'"
        ) from exc
    resolved = cast(Factory, getattr(module, attr))
    _PROVIDERS[provider] = resolved
    return resolved


def get_llm(spec: str, **kwargs: Any) -> LLMBackend:
    """Build the backend a spec string names.

    Args:
        spec: ``openai/<model>``, ``vllm/<model>``, ``hf/<model-or-path>``, ``local``, ``mock``, ``mock/<name>`` or
            ``replay/<file>`` (and whatever else is registered).
        **kwargs: passed to the provider's factory (``base_url``, ``api_key``, ``timeout_s``, ``outputs``, ...),
            except ``cache`` (a path: wrap the backend in a :class:`~agent.llm.cache.CachedLLM` there) and
            ``cache_sampling`` (also cache unseeded sampled requests).

    Raises:
        ValueError: the provider is unknown (the message lists the registered ones) or the spec is malformed.
        LLMError: the provider's own packages are missing (``hf``, ``local``, ``vllm``); the message names the
            install command.
    """
    provider, rest = parse_spec(spec)
    factory = _PROVIDERS.get(provider)
    if factory is None:
        hint = ""
        if rest is None and provider not in ("", "local"):
            hint = (
                f" If {provider!r} is a model name, write openai/{provider} to use it from an OpenAI-compatible server."
            )
        raise ValueError(
            f"unknown LLM provider {provider!r} in spec {spec!r}; registered providers: "
            f"{', '.join(registered_providers())} (spec forms: {_FORMS}).{hint}"
        )
    cache = kwargs.pop("cache", None)
    cache_sampling = bool(kwargs.pop("cache_sampling", False))
    backend = _resolve(provider, factory)(rest, **kwargs)
    if cache is not None:
        from agent.llm.cache import CachedLLM

        backend = CachedLLM(backend, cache, cache_sampling=cache_sampling)
    return backend
