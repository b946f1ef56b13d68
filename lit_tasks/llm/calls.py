"""Calling a provider: one shared instance per endpoint, a concurrency limit, retries with backoff.

`lit regenerate -j 32` may start 32 prompts at once; `[model.api] max_concurrent` bounds how many of them talk
to one endpoint at a time, and the rate limits the service reports hold calls back before they would be refused. Retries honour
`retry-after`; a spend-limit refusal is never retried (providers mark it non-retryable).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import lit_providers
from lit_providers.base import Completion, GenerationRequest, ProviderContext
from lit_tasks.io.errors import ProviderError
from lit_tasks.io.secrets import scrub
from lit_tasks.llm.endpoint_trust import check_endpoint
from lit_tasks.llm.prefix_gate import PrefixGate
from lit_tasks.llm.rate_limits import Need, RateLimiter
from lit_tasks.llm.request import CHARS_PER_TOKEN
from lit_tasks.model.settings import GenerationSettings

T = TypeVar("T")

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
MAX_SERVER_WAIT_S = 300.0


class Endpoint:
    """A provider instance with its semaphore; created on first use, so a run with no calls needs no key."""

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self.semaphore = threading.BoundedSemaphore(context.api.max_concurrent)
        self.gate = PrefixGate()
        self.limiter = RateLimiter()
        self._provider = None
        self._lock = threading.Lock()

    @property
    def provider(self):  # noqa: ANN201 - a Provider
        with self._lock:
            if self._provider is None:
                provider = lit_providers.provider_class(self.context.name)(self.context)
                check_endpoint(self.context, getattr(provider, "base_url", None))  # before any request goes out
                self._provider = provider
            return self._provider

    @property
    def url(self) -> str | None:
        """The service URL once the provider exists (it resolves defaults and env), else the configured one."""
        return getattr(self._provider, "base_url", None) or self.context.api.base_url

    @property
    def is_local(self) -> bool:
        return bool(getattr(lit_providers.provider_class(self.context.name), "is_local", False))


_endpoints: dict[tuple, Endpoint] = {}
_endpoints_lock = threading.Lock()


def endpoint_for(settings: GenerationSettings, root: Path) -> Endpoint:
    api = settings.api
    key = (
        settings.provider,
        api.base_url,
        api.key_env,
        api.timeout_s,
        api.max_retries,
        api.max_concurrent,
        api.auth,
        str(root),
        settings.replay_dir,
    )
    with _endpoints_lock:
        found = _endpoints.get(key)
        if found is None:
            context = ProviderContext(name=settings.provider, api=api, root=root, replay_dir=settings.replay_dir)
            found = _endpoints[key] = Endpoint(context)
        return found


def reset_endpoints() -> None:
    """Forget provider instances (tests and long-lived processes that change the environment)."""
    with _endpoints_lock:
        _endpoints.clear()


def call(
    endpoint: Endpoint,
    request: GenerationRequest,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> Completion:
    """One completion, retried on transient failures up to `max_retries` times. A request waits first for
    another one in flight that is writing its cached prefix (`prefix_gate`), then for room under the service's
    rate limits (`rate_limits`); local providers have neither."""
    if endpoint.is_local:
        return _retried(endpoint, request, sleep, on_retry)
    with endpoint.gate.turn(request):
        return _retried(endpoint, request, sleep, on_retry)


def _retried(
    endpoint: Endpoint,
    request: GenerationRequest,
    sleep: Callable[[float], None],
    on_retry: Callable[[str], None] | None,
) -> Completion:
    def attempt() -> Completion:
        with endpoint.semaphore:
            return _complete(endpoint, request)

    return with_retries(endpoint, attempt, sleep, on_retry)


def with_retries(
    endpoint: Endpoint,
    fn: Callable[[], T],
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """`fn()`, tried again on a transient ProviderError up to the endpoint's `max_retries` times, waiting as the
    service asks (`retry-after`, up to MAX_SERVER_WAIT_S) or with capped exponential backoff and jitter."""
    retries = endpoint.context.api.max_retries
    attempt = 0
    while True:
        try:
            return fn()
        except ProviderError as err:
            if not err.retryable or attempt >= retries:
                if err.retryable:
                    raise ProviderError(f"{scrub(str(err))} (gave up after {attempt + 1} attempts)") from None
                raise
            wait = _backoff(attempt, err.retry_after)
            if wait is None:
                raise ProviderError(
                    f"{scrub(str(err))}; the service asked to wait {err.retry_after:.0f}s, longer than lit waits "
                    f"({MAX_SERVER_WAIT_S:.0f}s): run again later"
                ) from None
            if on_retry:
                on_retry(f"{scrub(str(err))}; retrying in {wait:.1f}s (attempt {attempt + 2} of {retries + 1})")
            sleep(wait)
            attempt += 1


def _complete(endpoint: Endpoint, request: GenerationRequest) -> Completion:
    """The provider's call, within the rate limits the service reported."""
    if endpoint.is_local:
        return endpoint.provider.complete(request)
    need = Need(input_tokens=request.size_bytes() // CHARS_PER_TOKEN, output_tokens=request.max_tokens)
    reservation = endpoint.limiter.acquire(need)
    completion: Completion | None = None
    try:
        completion = endpoint.provider.complete(request)
        return completion
    finally:
        endpoint.limiter.release(reservation, completion.limits if completion is not None else None)


def _backoff(attempt: int, retry_after: float | None) -> float | None:
    """The server's `retry-after` when given (None if unreasonably long), else capped exponential with jitter."""
    if retry_after is not None:
        return None if retry_after > MAX_SERVER_WAIT_S else retry_after
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2**attempt)) * random.uniform(0.5, 1.0)
