"""Spending limits: a ceiling. Refuse to start over budget, and admit a call only if it cannot cross the limit.

Each call reserves its **worst case** before it starts (its input, bounded by the request's size, plus
`max_tokens` of output: the most the model may write) and settles the real cost when it ends, so what is spent
plus the worst case of every call in flight never exceeds the limit, whatever `-j`. Beside it each call carries
its **expected** cost, what the plan and the record show: output estimated from the prompt's history, its last
answer (the outputs on disk) with a margin, since an answer that changed a little is about as long as the last
one; for a prompt never built, `BYTES_PER_OUTPUT` per declared output.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from lit_providers.base import GenerationRequest
from lit_tasks.io.errors import GenerationError
from lit_tasks.llm.pricing import Price

BYTES_PER_TOKEN_BOUND = 2  # assumed, not measured: chosen to stay above what tokenizers produce for text and code
OUTPUT_MARGIN = 1.25  # assumed: room for an answer that grew since the last one
OUTPUT_SLACK_TOKENS = 64  # assumed: room for the FILE headers and a very short last answer
# A never-built prompt's answer, per declared output: the median of example_project's 14 generated files (1,027
# to 2,526 bytes, median 1,612); with the bound and the margin above, a typical file is not under-estimated.
BYTES_PER_OUTPUT = 1600


def usd(amount: float | None) -> str:
    """Dollars to the hundredth of a cent: a limit's arithmetic must read right (`money` rounds to cents)."""
    return "unknown" if amount is None else f"${amount:.4f}"


class BudgetError(GenerationError):
    """A prompt was not started because it could push the run over its spending limit."""


def input_token_bound(n_bytes: int) -> int:
    return n_bytes // BYTES_PER_TOKEN_BOUND + 1


def output_token_estimate(expected_bytes: int, max_tokens: int) -> int:
    """The output tokens a call is expected to cost: the answer's expected size with a margin, at most
    `max_tokens` (which is what the spending limit reserves)."""
    return min(max_tokens, math.ceil(input_token_bound(expected_bytes) * OUTPUT_MARGIN) + OUTPUT_SLACK_TOKENS)


def expected_output_bytes(code_dir: Path, outputs: Iterable[str]) -> int:
    """How long a prompt's answer is expected to be: its last answer (its outputs as they are on disk), or, for a
    prompt never built, `BYTES_PER_OUTPUT` per declared output."""
    outputs = list(outputs)
    try:
        return sum(os.stat(code_dir / out).st_size for out in outputs)
    except OSError:
        return BYTES_PER_OUTPUT * max(len(outputs), 1)


def cost_estimate(
    input_bytes: int, output_tokens: int, price: Price | None, is_local: bool, batch: bool = False
) -> float | None:
    """What one call is expected to cost in USD (input bounded, output as estimated; at batch rates for a call
    in a batch); None without a price."""
    if is_local:
        return 0.0
    if price is None:
        return None
    full = input_token_bound(input_bytes) * max(price.input, price.cache_write or 0.0) + output_tokens * price.output
    return full / 1e6 * (price.batch if batch else 1.0)


def request_estimate(
    request: GenerationRequest,
    price: Price | None,
    is_local: bool,
    output_tokens: int | None = None,
    *,
    batch: bool = False,
) -> float | None:
    """A request's cost estimate; output at `max_tokens` unless the caller knows better (`output_tokens`)."""
    output = request.max_tokens if output_tokens is None else output_tokens
    return cost_estimate(request.size_bytes(), output, price, is_local, batch)


class Budget:
    def __init__(self, limit_usd: float) -> None:
        self.limit = limit_usd
        self.spent = 0.0
        self.in_flight = 0.0  # the worst case of every call going on
        self._cond = threading.Condition()

    def reserve(self, key: str, worst: float | None, expected: float | None = None) -> None:
        """Admit a call whose cost is at most `worst` (expected: `expected`): at once if it fits beside the calls
        in flight, after they settle if it would fit then (a wide `-j` builds what `-j 1` would), else a
        BudgetError."""
        if worst is None:
            raise BudgetError(
                f"{key}: its model has no known price, so a spending limit cannot be enforced; set [model.pricing] in lit.toml"
            )
        with self._cond:
            while self.spent + self.in_flight + worst > self.limit:
                if self.in_flight <= 0 or self.spent + worst > self.limit:
                    expected_said = f", expected {usd(expected)}" if expected is not None else ""
                    raise BudgetError(
                        f"{key} not started: spent {usd(self.spent)} + this call at most {usd(worst)} (its input and "
                        f"max_tokens{expected_said}) could exceed the limit of {usd(self.limit)}; raise the limit, or "
                        "lower max_tokens"
                    )
                self._cond.wait()  # what the calls in flight really cost decides whether this one fits
            self.in_flight += worst

    def settle(self, worst: float | None, actual: float) -> None:
        with self._cond:
            self.in_flight -= worst or 0.0
            self.spent += actual
            self._cond.notify_all()


class Charge:
    """One call's place in a spending limit (none: `budget` is None): its worst case is reserved on entry and
    what it cost (`spent`, set by the caller once known) is settled on exit, whether the call succeeded or not."""

    def __init__(self, budget: Budget | None, key: str, worst: float | None, expected: float | None = None) -> None:
        self.budget, self.key, self.worst, self.expected = budget, key, worst, expected
        self.spent = 0.0

    def __enter__(self) -> Charge:
        if self.budget is not None:
            self.budget.reserve(self.key, self.worst, self.expected)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.budget is not None:
            self.budget.settle(self.worst, self.spent)
