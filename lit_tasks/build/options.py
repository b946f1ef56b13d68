"""Per-run switches set by `lit regenerate`; a plain `doit regenerate` uses the defaults."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lit_tasks.llm.budget import Budget


@dataclass(frozen=True)
class RunOptions:
    use_cache: bool = True
    forced: frozenset[str] = frozenset()  # prompts regenerated even if up to date, over hand edits (`--force`)
    budget: Budget | None = None
    started: float = field(default_factory=time.time)  # when the run began: its record's `started`
