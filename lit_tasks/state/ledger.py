"""Every call this process recorded, summed: what a run's summary line says.

The generation record is where every answered call lands (a generation, a fix, a review, a plan, a draft step,
a call that failed after it was billed), so the summary is taken from the same entries as the record and `lit
cost`: they cannot disagree. A run reads the ledger when it starts and when it ends; the difference is its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lit_tasks.state.records import PromptRecord


@dataclass(frozen=True)
class Totals:
    calls: int = 0  # answered by the service (billed), not from the cache
    cache_hits: int = 0
    tokens_in: int = 0  # input, cache writes and cache reads
    tokens_out: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0  # calls whose cost is unknown (no price for their model)
    saved_usd: float = 0.0  # what the response cache saved

    def __sub__(self, other: Totals) -> Totals:
        return Totals(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})


_totals = Totals()
_lock = threading.Lock()


def add(entry: PromptRecord) -> None:
    """Count one recorded call (called by the recorder, for every entry it writes)."""
    global _totals
    usage = entry.usage
    with _lock:
        _totals = replace(
            _totals,
            calls=_totals.calls + (0 if entry.cached else 1),
            cache_hits=_totals.cache_hits + int(entry.cached),
            tokens_in=_totals.tokens_in + usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens,
            tokens_out=_totals.tokens_out + usage.output_tokens,
            cost_usd=_totals.cost_usd + (entry.cost_usd or 0.0),
            unpriced=_totals.unpriced + int(entry.cost_usd is None),
            saved_usd=_totals.saved_usd + entry.saved_usd,
        )


def now() -> Totals:
    with _lock:
        return _totals
