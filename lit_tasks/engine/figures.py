"""What a generation reports: per call (for its record), per prompt (its last line) and to doit (task values)."""

from __future__ import annotations

import time
from typing import Any

from lit_tasks.engine.answers import Answer, call_cost
from lit_tasks.io import progress
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.records import PromptRecord, Recorder, endpoint_host

TASK_VALUES = (
    "provider",
    "model",
    "cached",
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "cost_usd",
    "saved_usd",
)


def call_values(key: str, answer: Answer, outputs: list[str], written: list[str], started: float) -> dict[str, Any]:
    """One call's figures: tokens and money as billed (nothing for a cache hit, whose price is money saved)."""
    completion, cached = answer.completion, answer.cached
    usage = completion.usage
    full_cost = call_cost(completion, answer.endpoint.is_local, answer.price, batch=answer.batch is not None)
    return {
        "prompt": key,
        "provider": answer.endpoint.context.name,
        "model": completion.model,
        "cached": cached,
        "calls": 0 if cached else 1,
        "files": len(outputs),
        "outputs": outputs,
        "written": written,
        "input_tokens": 0 if cached else usage.input_tokens,
        "output_tokens": 0 if cached else usage.output_tokens,
        "cache_write_tokens": 0 if cached else usage.cache_write_tokens,
        "cache_read_tokens": 0 if cached else usage.cache_read_tokens,
        "cost_usd": 0.0 if cached else full_cost,
        "saved_usd": (full_cost or 0.0) if cached else 0.0,
        "cache_saved_usd": caching_saved(answer) if not cached else 0.0,
        "batch_saved_usd": batching_saved(answer) if not cached else 0.0,
        "estimate_usd": answer.estimate,
        "batch": answer.batch,
        "seconds": round(time.monotonic() - started, 3),
    }


def caching_saved(answer: Answer) -> float:
    """What the provider's prompt cache saved on this call (0 for a local call, or a price lit does not know)."""
    completion = answer.completion
    if answer.endpoint.is_local or answer.price is None or completion.cost_usd is not None:
        return 0.0
    saved = answer.price.caching_saved(completion.usage)
    return saved * answer.price.batch if answer.batch is not None else saved


def batching_saved(answer: Answer) -> float:
    """What answering in a batch saved on this call: the interactive price of its tokens less the batch price."""
    completion = answer.completion
    if answer.batch is None or answer.endpoint.is_local or answer.price is None or completion.cost_usd is not None:
        return 0.0
    return answer.price.cost(completion.usage) * (1 - answer.price.batch)


def task_values(values: dict[str, Any]) -> dict[str, Any]:
    """The figures doit keeps as the task's values (for `getargs` and the reporter). doit stores them twice per
    task in its DB and reads them back on every run, so the file lists and timings stay in the generation record."""
    return {key: values[key] for key in TASK_VALUES} | {"files_written": len(values["written"])}


def combine(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """A prompt's figures over all its calls (generation, fix attempts, reviews); the files are the last ones."""
    first, files = calls[0], [v for v in calls if v["outputs"]][-1]
    total = dict(first)
    for key in ("calls", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens", "saved_usd"):
        total[key] = sum(v[key] for v in calls)
    costs = [v["cost_usd"] for v in calls]
    total["cost_usd"] = None if any(c is None for c in costs) else sum(costs)
    total["cached"] = all(v["cached"] for v in calls)
    total["outputs"], total["files"] = files["outputs"], files["files"]
    total["written"] = sorted({w for v in calls for w in v["written"]})
    total["seconds"] = max(v["seconds"] for v in calls)
    return total


def describe(values: dict[str, Any]) -> str:
    """The one line printed when a prompt ends."""
    files = progress.plural(values["files"], "file")
    changed = len(values["written"])
    what = f"{files} ({changed} changed)" if changed != values["files"] else files
    if values["cached"]:
        saved = f", {progress.money(values['saved_usd'])} saved" if values["saved_usd"] else ""
        return f"done {values['prompt']}: {what} from the response cache{saved}, {values['seconds']:.1f}s"
    if not values["cost_usd"] and not values["input_tokens"] and not values["output_tokens"]:
        return f"done {values['prompt']}: {what}, {values['seconds']:.1f}s"
    sent = values["input_tokens"] + values["cache_write_tokens"] + values["cache_read_tokens"]
    tok = f"{progress.tokens(sent)} in / {progress.tokens(values['output_tokens'])} out tokens"
    return f"done {values['prompt']}: {what}, {tok}, {progress.money(values['cost_usd'])}, {values['seconds']:.1f}s"


def record_call(
    recorder: Recorder,
    values: dict[str, Any],
    settings: GenerationSettings,
    answer: Answer,
    input_hash: str,
    role: str,
    attempt: int = 0,
    verification: dict[str, Any] | None = None,
) -> None:
    """One call's entry in the run's generation record (a generation, a fix attempt, a review or a plan)."""
    recorder.append(
        PromptRecord.build(
            values,
            settings,
            answer.completion,
            endpoint=endpoint_host(answer.endpoint.url),
            request_key=answer.request_key,
            input_hash=input_hash,
            role=role,
            attempt=attempt,
            verification=verification,
        )
    )
