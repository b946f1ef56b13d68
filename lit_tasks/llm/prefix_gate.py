"""Prefix-aware scheduling: a request whose cached prefix another request is writing waits for that request.

A provider's cache entry is readable only once the request that writes it has started answering. Until then,
every request with the same prefix writes it again, at 1.25x the input price, instead of reading it at 0.1x:
ready prompts that share imports, sent together, would each pay for the prefix. So when a request's deepest
breakpoint prefix is being written by a request in flight, it waits for that request to end, then reads the
prefix. It waits once at most, for one call already under way: the critical path grows by one call at most.
A prefix written less than `TTL_S` ago is known to be cached; a request that only reads it makes no one wait.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from lit_providers.base import GenerationRequest
from lit_tasks.io.hashing import Hasher

TTL_S = 300.0  # Anthropic's cache entries live five minutes from their last use


def prefix_keys(request: GenerationRequest) -> list[str]:
    """One key per cache breakpoint of the request, the prefix up to it: shallowest first."""
    h = Hasher("lit-prefix-v1").add(request.model.encode()).add(request.system.encode())
    keys = [h.hexdigest()] if request.system_cache else []
    for block in request.context:
        h.add(block.text.encode())
        if block.cache:
            keys.append(h.hexdigest())
    return keys


class PrefixGate:
    """The prefixes requests to one endpoint are writing now, and those written recently."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._writing: dict[str, threading.Event] = {}
        self._written: dict[str, float] = {}

    @contextlib.contextmanager
    def turn(self, request: GenerationRequest) -> Iterator[None]:
        """Hold the body until no request in flight is writing this request's deepest shared prefix."""
        keys = prefix_keys(request)
        if not keys:
            yield
            return
        done = threading.Event()
        mine = self._claim(keys, done)
        ok = False
        try:
            yield
            ok = True
        finally:
            self._settle(mine, done, ok)

    def _claim(self, keys: list[str], done: threading.Event) -> list[str]:
        """Wait once for a request in flight that writes this request's deepest shared prefix; then mark the
        prefixes this request will write (not cached, not being written) as being written, atomically, so two
        requests arriving together never both write one prefix."""
        waited = False
        while True:
            with self._lock:
                writer = (
                    None if waited else next((self._writing[k] for k in reversed(keys) if k in self._writing), None)
                )
                if writer is None:
                    return self._mark(keys, done)
            writer.wait()  # its answer has ended: the prefix is in the cache
            waited = True

    def _mark(self, keys: list[str], done: threading.Event) -> list[str]:
        now = self._clock()
        mine = [k for k in keys if k not in self._writing and now - self._written.get(k, -TTL_S) >= TTL_S]
        for k in mine:
            self._writing[k] = done
        for k in keys:
            if k not in mine and k in self._written:
                self._written[k] = now  # read again: the provider keeps it alive
        return mine

    def _settle(self, mine: list[str], done: threading.Event, ok: bool) -> None:
        with self._lock:
            now = self._clock()
            for k in mine:
                self._writing.pop(k, None)
                if ok:
                    self._written[k] = now
        done.set()
