"""LLM back ends for lit, found by name through the entry-point group `lit.providers`.

A third party adds a provider by publishing a class with the `Provider` shape (see `providers.base`) under
that group; lit.toml then names it in `[model] provider`.
"""

from __future__ import annotations

import threading

from lit_tasks.errors import ConfigError, did_you_mean

from .base import Completion, GenerationRequest, Provider, ProviderContext, Usage

ENTRY_POINT_GROUP = "lit.providers"

__all__ = ["Completion", "GenerationRequest", "Provider", "ProviderContext", "Usage", "provider_class", "register"]

_registered: dict[str, type] = {}
_lock = threading.Lock()


def register(name: str, cls: type) -> None:
    """Make a provider class available under `name` in this process (tests, benchmarks, embedding code)."""
    with _lock:
        _registered[name] = cls


def available() -> dict[str, object]:
    from importlib.metadata import entry_points  # ~50 ms: only when a provider is looked up

    found: dict[str, object] = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(_registered)
    return found


def provider_class(name: str) -> type:
    with _lock:
        if name in _registered:
            return _registered[name]
    known = available()
    entry = known.get(name)
    if entry is None:
        raise ConfigError(
            f"unknown provider `{name}`{did_you_mean(name, list(known))}; installed providers: "
            f"{', '.join(sorted(known)) or 'none'} (set [model] provider in lit.toml)"
        )
    cls = entry if isinstance(entry, type) else entry.load()
    with _lock:
        _registered.setdefault(name, cls)
    return cls
