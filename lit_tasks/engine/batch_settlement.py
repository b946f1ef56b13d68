"""Batch answers no run will pick up, recorded and their records removed.

An ended batch keeps, in `.lit/batches/`, the items whose answers reached no waiting run: the run that uses one
from the response cache records it as the paid batch call it was. When a prompt of such an item is up to date
(or gone), no run will ever ask for it, so its record would stay forever and its cost never be counted: at the
start of a run, each such item is recorded (from the cached answer, at the batch price) and taken out.
"""

from __future__ import annotations

from lit_tasks.engine.answers import call_cost, record_unused
from lit_tasks.engine.run_plan import Plan
from lit_tasks.io import progress
from lit_tasks.llm.pricing import price_for
from lit_tasks.model.settings import draft_settings
from lit_tasks.state.index import LazyProject
from lit_tasks.state.pending_batches import PendingBatch, end_pending, pending_batches


def settle_unclaimed(lazy: LazyProject, plan: Plan, started: float) -> int:
    """Record and drop the unclaimed items of ended batches whose prompts this run will not generate; returns
    how many were recorded."""
    wanted = {item.prompt for item in plan.items}
    settled = 0
    for batch in pending_batches(lazy.workspace):
        if not batch.ended:
            continue  # still answering: a run that needs one of its requests waits for it
        idle = [item for item in batch.items if item.prompt not in wanted]
        for item in idle:
            settled += _record(lazy, batch, item.prompt, item.request_key, item.parse, started)
        if idle:
            end_pending(lazy.workspace, batch, [item for item in batch.items if item.prompt in wanted])
    if settled:
        progress.emit("note", f"recorded {progress.plural(settled, 'batch answer')} no run will ask for (paid for)")
    return settled


def _record(lazy: LazyProject, batch: PendingBatch, key: str, request_key: str, parse: bool, started: float) -> int:
    completion = lazy.workspace.responses.get(request_key)
    if completion is None:
        return 0  # not cached: nothing to read its usage from (the batch's own listing still bills it)
    project = lazy.project
    settings = project.settings(key) if key in project.graph.prompts else draft_settings(project.config, "generate")
    price = price_for(completion.model, settings.pricing) or price_for(settings.model, settings.pricing)
    record_unused(
        lazy.workspace,
        started,
        key,
        completion,
        settings,
        cost=call_cost(completion, False, price, batch=True),
        endpoint=batch.endpoint,
        request_key=request_key,
        role="generate" if parse else "review",
        batch=batch.id,
    )
    return 1
