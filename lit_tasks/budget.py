"""Spending limits: refuse to start over budget, and stop dispatching once the limit could be crossed.

Each call reserves an upper bound of its cost (input bounded by request size, output by `max_tokens`) before it
starts and settles the real cost when it ends, so spent + in-flight bounds never exceed the limit.
"""

from __future__ import annotations

import threading

from providers.base import GenerationRequest

from .errors import GenerationError
from .pricing import Price
from .progress import money

BYTES_PER_TOKEN_BOUND = 2  # assumed, not measured: chosen to stay above what tokenizers produce for text and code


class BudgetError(GenerationError):
    """A prompt was not started because it could push the run over its spending limit."""


def input_token_bound(n_bytes: int) -> int:
    return n_bytes // BYTES_PER_TOKEN_BOUND + 1


def cost_bound(input_bytes: int, max_tokens: int, price: Price | None, is_local: bool) -> float | None:
    """Upper bound in USD of one call; None when the model has no known price."""
    if is_local:
        return 0.0
    if price is None:
        return None
    return (
        input_token_bound(input_bytes) * max(price.input, price.cache_write or 0.0) + max_tokens * price.output
    ) / 1e6


def request_bound(request: GenerationRequest, price: Price | None, is_local: bool) -> float | None:
    size = len(request.system.encode()) + len(request.context.encode()) + len(request.body.encode())
    return cost_bound(size, request.max_tokens, price, is_local)


class Budget:
    def __init__(self, limit_usd: float) -> None:
        self.limit = limit_usd
        self.spent = 0.0
        self.in_flight = 0.0
        self._lock = threading.Lock()

    def reserve(self, key: str, bound: float | None) -> None:
        if bound is None:
            raise BudgetError(
                f"{key}: its model has no known price, so a spending limit cannot be enforced; set [model.pricing] in lit.toml"
            )
        with self._lock:
            if self.spent + self.in_flight + bound > self.limit:
                raise BudgetError(
                    f"{key} not started: spent {money(self.spent)} + in flight {money(self.in_flight)} + this prompt's "
                    f"upper bound {money(bound)} would exceed the limit of {money(self.limit)}"
                )
            self.in_flight += bound

    def settle(self, bound: float | None, actual: float) -> None:
        with self._lock:
            self.in_flight -= bound or 0.0
            self.spent += actual
