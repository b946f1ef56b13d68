"""A provider's batch service: finding it, and calling it with lit's retries.

A provider offers batches by naming its `BatchAPI` class in a `batches` class attribute ("module:Class",
imported only when a batch is sent); one without it cannot run `lit regenerate --batch`. Local providers
need none: their calls are free and never enter a batch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

import lit_providers
from lit_providers.base import BatchAPI
from lit_tasks.io.errors import ProviderError
from lit_tasks.llm.calls import Endpoint, with_retries

T = TypeVar("T")


def supports_batch(provider: str) -> bool:
    """Whether `--batch` can run a prompt of `provider`: it has a batch service, or it is local (never batched)."""
    cls = lit_providers.provider_class(provider)
    return bool(getattr(cls, "is_local", False) or getattr(cls, "batches", None))


def batch_api(endpoint: Endpoint) -> BatchAPI:
    """The batch service of `endpoint`'s provider instance (sharing its client and key)."""
    spec = getattr(lit_providers.provider_class(endpoint.context.name), "batches", None)
    if not spec:
        raise ProviderError(f"provider `{endpoint.context.name}` has no batch API: run without --batch")
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)(endpoint.provider)


def retrying(endpoint: Endpoint, what: str, fn: Callable[[], T], on_retry: Callable[[str], None]) -> T:
    """`fn()` with the retries of an interactive call (`calls.with_retries`), its messages naming `what`."""
    return with_retries(endpoint, fn, on_retry=lambda message: on_retry(f"{what}: {message}"))
