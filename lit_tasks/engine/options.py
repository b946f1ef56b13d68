"""Per-run switches set by `lit regenerate`; a plain `doit regenerate` uses the defaults."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lit_tasks.llm.batcher import Batcher
    from lit_tasks.llm.budget import Budget

BATCH_POLL_S = 30.0  # how often a batch is asked whether it ended (`--batch-poll`)


@dataclass(frozen=True)
class RunOptions:
    use_cache: bool = True
    forced: frozenset[str] = frozenset()  # prompts regenerated even if up to date, over hand edits (`--force`)
    stale: frozenset[str] = frozenset()  # prompts the lock says are stale themselves: run whatever doit's DB says
    # a whole-project run's plan: the prompts given tasks; its status proved every other one current (None: all)
    only: frozenset[str] | None = None
    budget: Budget | None = None
    started: float = field(default_factory=time.time)  # when the run began: its record's `started`
    batcher: Batcher | None = None  # `--batch`: calls go into Message Batches (llm.batcher)
    batch_poll_s: float = BATCH_POLL_S  # also for waiting on an earlier run's batch in a run without --batch
