"""Anthropic's Message Batches API on the caching stand-in, so a `lit regenerate --batch` build can be measured.

A batch's items go through the same simulation as interactive requests (prompt caching, latency), `PARALLEL`
at a time in the order they were sent: an assumption, since Anthropic does not say in which order or how
concurrently it processes a batch (its caching within a batch is best-effort). The batch ends when its last
item has been answered; the SDK then reads the results as JSONL from `results_url`. Every item is recorded
like a request, with the batch's id, so the benchmark prices it at batch rates.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

PARALLEL = 8


@dataclass
class Batch:
    id: str
    items: list[tuple[str, dict[str, Any]]]
    created: float
    ended: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class Batches:
    def __init__(self, server: Any) -> None:  # a CacheServer; typed loosely, it imports this module
        self.server = server
        self.created: list[Batch] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages/batches", self._create)
        app.router.add_get("/v1/messages/batches/{id}", self._retrieve)
        app.router.add_get("/v1/messages/batches/{id}/results", self._results)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        batch = Batch(
            id=f"msgbatch_{len(self.created) + 1:04d}",
            items=[(r["custom_id"], r["params"]) for r in body["requests"]],
            created=time.time(),
        )
        self.created.append(batch)
        asyncio.get_running_loop().create_task(self._process(batch))
        return web.json_response(self._json(batch))

    async def _process(self, batch: Batch) -> None:
        slots = asyncio.Semaphore(PARALLEL)

        async def one(custom_id: str, params: dict[str, Any]) -> dict[str, Any]:
            async with slots:
                request_id = self.server._next_id()
                status, message = await self.server.respond(params, self.server.clock(), request_id, batch.id)
            if status != 200:
                return {"custom_id": custom_id, "result": {"type": "errored", "error": message}}
            return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}

        batch.results = list(await asyncio.gather(*(one(cid, params) for cid, params in batch.items)))
        batch.ended = time.time()

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self._find(request)
        if batch is None:
            return web.json_response({"type": "error", "error": {"type": "not_found_error"}}, status=404)
        return web.json_response(self._json(batch))

    async def _results(self, request: web.Request) -> web.Response:
        batch = self._find(request)
        if batch is None or batch.ended is None:
            return web.json_response({"type": "error", "error": {"type": "not_found_error"}}, status=404)
        lines = "".join(json.dumps(r) + "\n" for r in batch.results)
        return web.Response(body=lines.encode(), content_type="application/x-jsonl")

    def _find(self, request: web.Request) -> Batch | None:
        return next((b for b in self.created if b.id == request.match_info["id"]), None)

    def _json(self, batch: Batch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.ended is None:
            counts["processing"] = len(batch.items)
        for line in batch.results:
            counts[line["result"]["type"]] += 1
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if batch.ended else "in_progress",
            "request_counts": counts,
            "created_at": iso(batch.created),
            "expires_at": iso(batch.created + 86400),
            "ended_at": iso(batch.ended) if batch.ended else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{self.server.url}/v1/messages/batches/{batch.id}/results" if batch.ended else None,
        }


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")
