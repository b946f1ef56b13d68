"""A provider's batch service: finding it, and calling it with lit's retries.

A provider offers batches by naming its `BatchAPI` class in a `batches` class attribute ("module:Class",
imported only when a batch is sent); one without it cannot run `lit regenerate --batch`. Local providers
need none: their calls are free and never enter a batch.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Collection
from typing import TypeVar

import lit_providers
from lit_providers.base import BatchAPI, BatchStatus, GenerationRequest
from lit_tasks.io.errors import ProviderError
from lit_tasks.llm.calls import Endpoint, with_retries

T = TypeVar("T")
CLOCK_SLACK_S = 120.0  # the service's clock against ours, when a batch it created is matched to an attempt


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


def create_once(
    endpoint: Endpoint,
    api: BatchAPI,
    work: list[tuple[str, GenerationRequest]],
    known: Collection[str],
    warn: Callable[[str], None],
) -> BatchStatus:
    """Create the batch of `work` with an interactive call's retries, never twice: a batch service takes no
    idempotency key, so an attempt that timed out may have created the batch (billed like any other). Before
    each retry, a batch created since the first attempt with as many requests, and not one of the `known`
    batches the project already waits for, is taken to be that attempt's and adopted. Should it be another's,
    its results say so: the items it does not hold come back as errored, and are sent again."""
    since = time.time() - CLOCK_SLACK_S
    attempts = 0

    def attempt() -> BatchStatus:
        nonlocal attempts
        attempts += 1
        adopted = _created_earlier(api, since, len(work), known) if attempts > 1 else None
        if adopted is not None:
            warn(f"batch {adopted.id} was created by the attempt that failed: waiting for it, not sending again")
            return adopted
        return api.create(work)

    return retrying(endpoint, "sending a batch", attempt, warn)


def _created_earlier(api: BatchAPI, since: float, requests: int, known: Collection[str]) -> BatchStatus | None:
    recent = getattr(api, "recent", None)  # optional in the protocol: without it, a retry creates again
    if recent is None:
        return None
    matching = [s for s in recent(since) if s.requests == requests and s.id not in known]
    return matching[-1] if matching else None  # newest first: the last is the earliest, the first attempt's
