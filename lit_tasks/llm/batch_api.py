"""A provider's batch service: finding it, and calling it with lit's retries.

A provider offers batches by naming its `BatchAPI` class in a `batches` class attribute ("module:Class",
imported only when a batch is sent); one without it cannot run `lit regenerate --batch`. Local providers
need none: their calls are free and never enter a batch.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from typing import TypeVar

import providers
from lit_tasks.io.errors import ProviderError
from lit_tasks.io.secrets import scrub
from lit_tasks.llm.calls import Endpoint
from providers.base import BatchAPI

T = TypeVar("T")

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0


def supports_batch(provider: str) -> bool:
    """Whether `--batch` can run a prompt of `provider`: it has a batch service, or it is local (never batched)."""
    cls = providers.provider_class(provider)
    return bool(getattr(cls, "is_local", False) or getattr(cls, "batches", None))


def batch_api(endpoint: Endpoint) -> BatchAPI:
    """The batch service of `endpoint`'s provider instance (sharing its client and key)."""
    spec = getattr(providers.provider_class(endpoint.context.name), "batches", None)
    if not spec:
        raise ProviderError(f"provider `{endpoint.context.name}` has no batch API: run without --batch")
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)(endpoint.provider)


def retrying(endpoint: Endpoint, what: str, fn: Callable[[], T], on_retry: Callable[[str], None]) -> T:
    """`fn()`, tried again on a transient failure up to the endpoint's `max_retries` times, waiting as the
    service asks (`retry-after`) or with capped exponential backoff."""
    retries = endpoint.context.api.max_retries
    attempt = 0
    while True:
        try:
            return fn()
        except ProviderError as err:
            if not err.retryable or attempt >= retries:
                raise
            wait = err.retry_after
            if wait is None:
                wait = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2**attempt)) * random.uniform(0.5, 1.0)
            on_retry(f"{what}: {scrub(str(err))}; retrying in {wait:.1f}s (attempt {attempt + 2} of {retries + 1})")
            time.sleep(wait)
            attempt += 1
