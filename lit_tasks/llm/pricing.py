"""What a call cost: token usage times the model's price, from versioned data (lit_providers/prices.toml).

An unknown model has no price rather than a guessed one: its cost is reported as unknown, never invented.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel

from lit_providers.base import Usage
from lit_tasks.model.config import PricingSection


class Price(BaseModel):
    prefix: str
    effective: date
    input: float
    output: float
    cache_write: float | None = None
    cache_read: float | None = None
    batch: float = 1.0  # a batch call's price relative to an interactive one (prices.toml [defaults] batch)

    def cost(self, usage: Usage) -> float:
        """USD for `usage`; cache buckets fall back to the input price when the table has no cache rate."""
        per_million = (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_write_tokens * (self.cache_write if self.cache_write is not None else self.input)
            + usage.cache_read_tokens * (self.cache_read if self.cache_read is not None else self.input)
        )
        return per_million / 1_000_000

    def caching_saved(self, usage: Usage) -> float:
        """What prompt caching saved on `usage`, against every input token at the input price: cache reads are
        cheaper, cache writes dearer, so a prefix written and never read shows as a loss."""
        uncached = usage.model_copy(
            update={
                "input_tokens": usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens,
                "cache_write_tokens": 0,
                "cache_read_tokens": 0,
            }
        )
        return self.cost(uncached) - self.cost(usage)


@lru_cache(maxsize=1)
def price_table() -> tuple[Price, ...]:
    data = tomllib.loads(resources.files("lit_providers").joinpath("prices.toml").read_text(encoding="utf-8"))
    return tuple(Price.model_validate({"batch": batch_multiplier()} | entry) for entry in data.get("price", []))


def price_for(model: str, override: PricingSection | None = None, on: date | None = None) -> Price | None:
    """The price in force on `on` (today) for `model`: lit.toml's override, else the longest matching prefix."""
    if override is not None:
        return Price(
            prefix=model,
            effective=date.min,
            input=override.input_per_million,
            output=override.output_per_million,
            cache_write=override.cache_write_per_million,
            cache_read=override.cache_read_per_million,
            batch=batch_multiplier(),
        )
    return _table_price(model, on or date.today())


@lru_cache(maxsize=64)
def _table_price(model: str, when: date) -> Price | None:
    """The table's price for `model` on `when`, looked up once per model and day, not once per call."""
    candidates = [p for p in price_table() if model.startswith(p.prefix) and p.effective <= when]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (len(p.prefix), p.effective))


@lru_cache(maxsize=1)
def batch_multiplier() -> float:
    """What a batch call costs relative to an interactive one, for every model (prices.toml [defaults] batch)."""
    data = tomllib.loads(resources.files("lit_providers").joinpath("prices.toml").read_text(encoding="utf-8"))
    return float(data.get("defaults", {}).get("batch", 1.0))
