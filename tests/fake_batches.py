"""Anthropic's Message Batches API on the local stand-in service (`FakeLLM.batches`), wire protocol and all.

`POST /v1/messages/batches` creates a batch, `GET /v1/messages/batches` lists them (newest first, `limit`),
`GET /v1/messages/batches/{id}` polls one, `GET .../{id}/results` streams its results as JSONL (from the
batch's `results_url`, as the SDK reads them), `POST .../{id}/cancel` cancels it. A batch ends at the first poll after it was created; each item is answered like an interactive
call (`FakeLLM.answer`, same usage), so a batch answer is the interactive answer. Test controls: `hold` keeps
every batch `in_progress` (a test can kill the waiting process), `error_item` makes an item error,
`expire_next` ends the next batch with items expired, `slow_create` answers the next creation only after a
delay (the batch exists at once: a client that timed out has paid for it).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fake_llm import Call, FakeLLM

CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass
class FakeBatch:
    id: str
    items: list[tuple[str, Call]]  # (custom_id, the item's request as a call)
    created: float
    expire_after: int | None = None  # answer this many items, then expire the rest
    cancel_initiated: float | None = None
    ended: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class FakeBatches:
    def __init__(self, server: FakeLLM) -> None:
        self.server = server
        self.created: list[FakeBatch] = []  # every batch, in order of creation
        self.held = False
        self.polls = 0
        self._errors: list[list[Any]] = []  # [prompt fragment, times left, error type]
        self._expire_next: int | None = None
        self._create_delay = 0.0
        self._lock = threading.Lock()

    # -- test controls ---------------------------------------------------------------------------------------
    def hold(self, held: bool = True) -> None:
        """Keep every batch in progress (until `hold(False)`)."""
        self.held = held

    def error_item(self, fragment: str, times: int = 1, error_type: str = "api_error") -> None:
        """The next `times` items whose prompt contains `fragment` error with `error_type`."""
        self._errors.append([fragment, times, error_type])

    def expire_next(self, answered: int = 0) -> None:
        """The next batch created answers its first `answered` items, then expires before the others."""
        self._expire_next = answered

    def slow_create(self, delay: float) -> None:
        """The next creation makes its batch, then waits `delay` seconds before it answers."""
        self._create_delay = delay

    def items(self, fragment: str | None = None) -> list[Call]:
        """Every item of every batch created (whose prompt contains `fragment`)."""
        found = [call for batch in self.created for _, call in batch.items]
        return [c for c in found if fragment is None or fragment in c.prompt_text or fragment in c.system]

    # -- the endpoints ---------------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages/batches", self._create)
        app.router.add_get("/v1/messages/batches", self._list)
        app.router.add_get("/v1/messages/batches/{id}", self._retrieve)
        app.router.add_get("/v1/messages/batches/{id}/results", self._results)
        app.router.add_post("/v1/messages/batches/{id}/cancel", self._cancel)

    async def _create(self, request: web.Request) -> web.Response:
        from tests.fake_llm import Call

        body = await request.json()
        ids = [r.get("custom_id", "") for r in body.get("requests", [])]
        if not ids or len(set(ids)) != len(ids) or not all(CUSTOM_ID.fullmatch(i) for i in ids):
            return _error(
                400, "invalid_request_error", "custom_id values must be unique and match ^[a-zA-Z0-9_-]{1,64}$"
            )
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            batch = FakeBatch(
                id=f"msgbatch_{len(self.created) + 1:04d}",
                items=[
                    (r["custom_id"], Call("anthropic", r["params"], headers, time.monotonic()))
                    for r in body["requests"]
                ],
                created=time.time(),
                expire_after=self._expire_next,
            )
            self._expire_next = None
            self.created.append(batch)
            delay, self._create_delay = self._create_delay, 0.0
        await asyncio.sleep(delay)
        return web.json_response(self._json(batch))

    async def _list(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "20"))
        with self._lock:
            page = [self._json(batch) for batch in reversed(self.created)][:limit]
        first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
        more = len(self.created) > limit
        return web.json_response({"data": page, "has_more": more, "first_id": first, "last_id": last})

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self._find(request)
        if batch is None:
            return _error(404, "not_found_error", "batch not found")
        with self._lock:
            self.polls += 1
            if batch.ended is None and (batch.cancel_initiated is not None or not self.held):
                self._end(batch)
        return web.json_response(self._json(batch))

    async def _cancel(self, request: web.Request) -> web.Response:
        batch = self._find(request)
        if batch is None:
            return _error(404, "not_found_error", "batch not found")
        with self._lock:
            if batch.ended is None:
                batch.cancel_initiated = time.time()
        return web.json_response(self._json(batch))

    async def _results(self, request: web.Request) -> web.Response:
        batch = self._find(request)
        if batch is None or batch.ended is None:
            return _error(404, "not_found_error", "no results: the batch has not ended")
        lines = "".join(json.dumps(r) + "\n" for r in batch.results)
        return web.Response(body=lines.encode(), content_type="application/x-jsonl")

    # -- processing ------------------------------------------------------------------------------------------
    def _find(self, request: web.Request) -> FakeBatch | None:
        return next((b for b in self.created if b.id == request.match_info["id"]), None)

    def _end(self, batch: FakeBatch) -> None:
        for n, (custom_id, call) in enumerate(batch.items):
            if batch.cancel_initiated is not None:
                result: dict[str, Any] = {"type": "canceled"}
            elif batch.expire_after is not None and n >= batch.expire_after:
                result = {"type": "expired"}
            elif (error := self._error_for(call)) is not None:
                result = {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": error, "message": "injected"}},
                }
            else:
                result = {
                    "type": "succeeded",
                    "message": self.server.message(call, self.server.answer(call), f"{batch.id}_{n}"),
                }
            batch.results.append({"custom_id": custom_id, "result": result})
        batch.ended = time.time()

    def _error_for(self, call: Call) -> str | None:
        for entry in self._errors:
            fragment, left, error_type = entry
            if left > 0 and (fragment in call.prompt_text or fragment in call.system):
                entry[1] -= 1
                return error_type
        return None

    def _json(self, batch: FakeBatch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.ended is None:
            counts["processing"] = len(batch.items)
        for line in batch.results:
            counts[line["result"]["type"]] += 1
        status = "ended" if batch.ended else "canceling" if batch.cancel_initiated else "in_progress"
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + 86400),
            "ended_at": _iso(batch.ended) if batch.ended else None,
            "cancel_initiated_at": _iso(batch.cancel_initiated) if batch.cancel_initiated else None,
            "archived_at": None,
            "results_url": f"{self.server.url}/v1/messages/batches/{batch.id}/results" if batch.ended else None,
        }


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"type": "error", "error": {"type": kind, "message": message}}, status=status)
