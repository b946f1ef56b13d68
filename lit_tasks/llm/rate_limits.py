"""Rate limits as a budget, not a failure: calls to one endpoint are held back before they would overdraw it.

Every response says what remains of each of the account's limits (requests, input tokens, output tokens) and
when it is fully replenished (from then on it is taken as full, until a response says otherwise). A call
reserves what it will use (one request, its input tokens, its `max_tokens` of output, which is what the service
counts when a call starts) and waits while that would take more than what remains, less what the calls in
flight have reserved. Until the first response has told the limits, one call goes alone: a wide build's first
wave would otherwise be a burst of 429s. `-j` and `[model.api] max_concurrent` stay the upper bound; this only
holds calls back.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lit_providers.base import RateLimits, Window

MAX_WAIT_S = 60.0  # re-read the clock at least this often while waiting for a reset


@dataclass(frozen=True)
class Need:
    """What one call will use of each kind of limit."""

    input_tokens: int
    output_tokens: int

    def of(self, kind: str) -> int:
        return {
            "requests": 1,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "tokens": self.input_tokens + self.output_tokens,
        }.get(kind, 0)


@dataclass(frozen=True)
class Reservation:
    """What one call reserved, by kind (the limits known when it started: ones a later response reports were not
    reserved against)."""

    taken: dict[str, int]


@dataclass
class RateLimiter:
    """The limits of one endpoint as the last response told them, and what calls in flight have reserved."""

    clock: Callable[[], float] = time.time
    windows: dict[str, Window] = field(default_factory=dict)
    reserved: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    told: bool = False  # a response has reported the limits (or said the service has none)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def acquire(self, need: Need) -> Reservation:
        """Wait until the call fits in what remains, then reserve it."""
        with self._cond:
            while (wait := self._wait_for(need)) > 0:
                self._cond.wait(min(wait, MAX_WAIT_S))
            taken = {kind: need.of(kind) for kind in self.windows}
            for kind, amount in taken.items():
                self.reserved[kind] = self.reserved.get(kind, 0) + amount
            self.in_flight += 1
            return Reservation(taken)

    def release(self, reservation: Reservation, limits: RateLimits | None) -> None:
        """The call ended: give back exactly what it reserved and learn the limits its response reported."""
        with self._cond:
            for kind, amount in reservation.taken.items():
                self.reserved[kind] = max(0, self.reserved.get(kind, 0) - amount)
            self.in_flight -= 1
            if limits is not None:
                self._learn(limits.windows)
            self.told = True
            self._cond.notify_all()

    def _learn(self, windows: dict[str, Window]) -> None:
        """Take a response's report of each limit, unless it is stale. Answers arrive in any order, and calls
        reach the service in an order other than the one they started in, so a report saying more remains than
        is known describes the account before calls that are already counted (taking it would let one call too
        many go); and a report of a window that has already ended says nothing of the one after it (taking it
        would replenish that one a second time)."""
        now = self.clock()
        for kind, window in windows.items():
            known = self.windows.get(kind)
            if window.reset_at <= now:
                continue
            if known is not None and known.reset_at > now and window.remaining > known.remaining:
                continue
            self.windows[kind] = window

    def _wait_for(self, need: Need) -> float:
        """Seconds to wait before the call fits (0: it fits now); a limit past its reset time is replenished."""
        if not self.told:
            return MAX_WAIT_S if self.in_flight else 0.0  # the first call finds the limits out alone
        now = self.clock()
        wait = 0.0
        for kind, window in list(self.windows.items()):
            if window.reset_at <= now:
                if window.limit is None:
                    del self.windows[kind]  # replenished to an unknown size: the next response tells it
                    continue
                window = self.windows[kind] = Window(remaining=window.limit, reset_at=math.inf, limit=window.limit)
            if window.remaining - self.reserved.get(kind, 0) >= need.of(kind):
                continue
            if not self.in_flight and window.limit is not None and need.of(kind) > window.limit:
                continue  # more than the whole limit: no wait helps, the service's answer will say so
            wait = max(wait, window.reset_at - now)
        return wait
