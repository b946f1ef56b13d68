"""`lit cost`: the money view of a project's builds, from its generation records (no network)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lit_tasks.io.progress import money, plural, tokens
from lit_tasks.state.records import PLANNING_ROLES, PromptRecord, RunRecord


def _row(prompts: list[PromptRecord]) -> dict[str, Any]:
    known = [p.cost_usd for p in prompts if p.cost_usd is not None]
    return {
        "prompts": len({p.prompt for p in prompts if p.role not in PLANNING_ROLES}),  # fixes, reviews, drafts: calls
        "calls": sum(0 if p.cached else 1 for p in prompts),
        "batch_calls": sum(1 for p in prompts if p.batch and not p.cached),
        "subscription_calls": sum(1 for p in prompts if p.subscription and not p.cached),
        "batch_cost_usd": round(sum(p.cost_usd or 0.0 for p in prompts if p.batch and not p.cached), 10),
        "cache_hits": sum(1 for p in prompts if p.cached),
        "input_tokens": sum(p.usage.input_tokens for p in prompts),
        "output_tokens": sum(p.usage.output_tokens for p in prompts),
        "cache_write_tokens": sum(p.usage.cache_write_tokens for p in prompts),
        "cache_read_tokens": sum(p.usage.cache_read_tokens for p in prompts),
        "cost_usd": round(sum(known), 10),
        "cost_complete": len(known) == len(prompts),
        "saved_usd": round(sum(p.saved_usd for p in prompts), 10),
        "cache_saved_usd": round(sum(p.cache_saved_usd for p in prompts), 10),
        "batch_saved_usd": round(sum(p.batch_saved_usd for p in prompts), 10),
        "estimate_usd": round(sum(p.estimate_usd for p in prompts if p.estimate_usd is not None), 10),
    }


def group(records: list[RunRecord], by: str) -> dict[str, dict[str, Any]]:
    buckets: dict[str, list[PromptRecord]] = defaultdict(list)
    for record in records:
        for p in record.prompts:
            key = {"prompt": p.prompt, "model": p.model, "role": p.role, "day": p.finished[:10]}[by]
            buckets[key].append(p)
    return {k: _row(v) for k, v in sorted(buckets.items())}


def report(records: list[RunRecord], *, last: bool, breakdown: bool, by: str | None) -> dict[str, Any]:
    chosen = records[-1:] if last else records
    prompts = [p for r in chosen for p in r.prompts]
    result: dict[str, Any] = {"runs": len(chosen), "total": _row(prompts)}
    if chosen:
        result["first_run"], result["last_run"] = chosen[0].started, chosen[-1].started
    if last and chosen:
        result["run"] = {
            "id": chosen[0].id,
            "started": chosen[0].started,
            "parent_commit": chosen[0].parent_commit,
            "complete": chosen[0].complete,
            "seconds": chosen[0].summary.seconds,
        }
    if by:
        result["by"] = {"key": by, "groups": group(chosen, by)}
    if breakdown:
        if last:
            result["breakdown"] = [
                {
                    "prompt": p.prompt,
                    "model": p.model,
                    "cached": p.cached,
                    "batch": p.batch,
                    "cost_usd": p.cost_usd,
                    "estimate_usd": p.estimate_usd,
                    "input_tokens": p.usage.input_tokens + p.usage.cache_write_tokens + p.usage.cache_read_tokens,
                    "output_tokens": p.usage.output_tokens,
                }
                for p in sorted(prompts, key=lambda p: -(p.cost_usd or 0.0))
            ]
        else:
            result["breakdown"] = [{"id": r.id, "started": r.started, **_row(r.prompts)} for r in chosen]
    return result


def savings(row: dict[str, Any]) -> list[str]:
    """What prompt caching and batching saved, in dollars, when they saved (or lost) anything."""
    lines = []
    saved = row.get("cache_saved_usd", 0.0)
    if saved < 0:
        lines.append(f"  prompt caching cost {money(-saved)} more than no caching (prefixes written, never read)")
    elif saved:
        lines.append(f"  saved by prompt caching: {money(saved)}")
    if row.get("batch_saved_usd"):
        lines.append(f"  saved by batching: {money(row['batch_saved_usd'])}")
    return lines


def render(data: dict[str, Any]) -> str:
    total = data["total"]
    cost = money(total["cost_usd"]) + ("" if total["cost_complete"] else " + unknown")
    head = "last run" if "run" in data else f"{data['runs']} run{'s' if data['runs'] != 1 else ''}"
    lines = [
        f"{head}: {plural(total['prompts'], 'prompt')} generated "
        f"({plural(total['calls'], 'call')}, {total['cache_hits']} from cache"
        + (f", {total['batch_calls']} in batches)" if total["batch_calls"] else ")"),
        f"  tokens: {tokens(total['input_tokens'])} in, {tokens(total['output_tokens'])} out, "
        f"{tokens(total['cache_write_tokens'])} cache write, {tokens(total['cache_read_tokens'])} cache read",
        f"  cost: {cost}"
        + (f" ({money(total['batch_cost_usd'])} of it at the batch price)" if total["batch_calls"] else "")
        + (f" (estimated {money(total['estimate_usd'])} before the calls)" if total["estimate_usd"] else "")
        + (f" ({money(total['saved_usd'])} saved by the response cache)" if total["saved_usd"] else ""),
        *(
            [
                f"  subscription: {plural(total['subscription_calls'], 'call')} on a Claude login, $0 (not billed per token)"
            ]
            if total["subscription_calls"]
            else []
        ),
        *savings(total),
    ]
    if "run" in data:
        run = data["run"]
        lines.append(f"  run {run['id']} at {run['started']}" + (" (interrupted)" if not run["complete"] else ""))
    elif data["runs"] == 1:
        lines.append(f"  run at {data['first_run']}")
    elif data["runs"]:
        lines.append(f"  from {data['first_run']} to {data['last_run']}")
    if "by" in data:
        lines.append(f"by {data['by']['key']}:")
        for key, row in data["by"]["groups"].items():
            lines.append(
                f"  {key}: {plural(row['prompts'], 'prompt')}, {plural(row['calls'], 'call')}, {money(row['cost_usd'])}"
            )
    for item in data.get("breakdown", []):
        if "prompt" in item:
            lines.append(
                f"  {item['prompt']} ({'cached' if item['cached'] else item['model']}"
                + (f", batch {item['batch']}): " if item["batch"] and not item["cached"] else "): ")
                + f"{tokens(item['input_tokens'])} in / {tokens(item['output_tokens'])} out, {money(item['cost_usd'])}"
                + (f" (estimated {money(item['estimate_usd'])})" if item["estimate_usd"] is not None else "")
            )
        else:
            saved = f", {money(item['cache_saved_usd'])} saved by prompt caching" if item["cache_saved_usd"] > 0 else ""
            lines.append(
                f"  {item['id']}: {plural(item['prompts'], 'prompt')} ({plural(item['calls'], 'call')}), "
                f"{money(item['cost_usd'])}{saved}"
            )
    return "\n".join(lines)
