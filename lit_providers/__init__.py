"""LLM back ends for lit, found by name through the entry-point group `lit.providers`.

A third party adds a provider by publishing a class with the `Provider` shape (see `lit_providers.base`) under
that group; lit.toml then names it in `[model] provider`.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from lit_tasks.io.errors import ConfigError, did_you_mean

ENTRY_POINT_GROUP = "lit.providers"

__all__ = ["Completion", "GenerationRequest", "Provider", "ProviderContext", "Usage", "provider_class", "register"]

# The providers shipped with lit, known without scanning entry points (about 50 ms); others come through
# the `lit.providers` group, as pyproject.toml also declares these.
_registered: dict[str, type | str] = {
    "anthropic": "lit_providers.anthropic:AnthropicProvider",
    "openai": "lit_providers.openai:OpenAIProvider",
    "gemini": "lit_providers.openai:GeminiProvider",
    "replay": "lit_providers.replay:ReplayProvider",
    "claude-code": "lit_providers.claude_code:ClaudeCodeProvider",
}
_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    """The shared models, imported on first use: a run that calls no provider never loads them."""
    if name in {"Completion", "GenerationRequest", "Provider", "ProviderContext", "Usage"}:
        from lit_providers import base

        return getattr(base, name)
    raise AttributeError(f"module 'lit_providers' has no attribute {name!r}")


def register(name: str, cls: type | str) -> None:
    """Make a provider available under `name` in this process (tests, benchmarks, embedding code).

    `cls` is the class, or `"module:Class"` to import it only when the provider is first used.
    """
    with _lock:
        _registered[name] = cls


def available() -> dict[str, object]:
    from importlib.metadata import entry_points  # ~50 ms: only when a provider is looked up

    found: dict[str, object] = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(_registered)
    return found


def check_name(name: str) -> None:
    """A ConfigError, with the nearest installed name, when no provider is installed as `name`; nothing is
    imported for a provider that is (loading a project checks every name it uses)."""
    with _lock:
        if name in _registered:
            return
    known = available()
    if name not in known:
        raise _unknown(name, known)


def _unknown(name: str, known: dict[str, object]) -> ConfigError:
    return ConfigError(
        f"unknown provider `{name}`{did_you_mean(name, list(known))}; installed providers: "
        f"{', '.join(sorted(known)) or 'none'} (set [model] provider in lit.toml)"
    )


def provider_class(name: str) -> type:
    with _lock:
        found = _registered.get(name)
    if isinstance(found, str):
        module, _, attr = found.partition(":")
        found = getattr(importlib.import_module(module), attr)
        with _lock:
            _registered[name] = found
    if found is not None:
        return found
    known = available()
    entry = known.get(name)
    if entry is None:
        raise _unknown(name, known)
    cls = entry if isinstance(entry, type) else entry.load()
    with _lock:
        _registered.setdefault(name, cls)
    return cls
