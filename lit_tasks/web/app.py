"""The dashboard's server (aiohttp): the pages, the JSON API and the stream of state changes.

One watcher follows the project's events file four times a second and rereads the project when something
happened (or every `refresh_s`, so an edited prompt turns stale on the page too); every prompt whose state
changed is sent to each `/api/events` subscriber as one server-sent event. The project is read in a worker
thread, so a slow read never stalls a page. A project that does not load is shown as its error, and the server
stays up until it loads again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web

from lit_tasks.io import progress
from lit_tasks.io.progress import money
from lit_tasks.state.locks import pid_alive
from lit_tasks.state.records import RecordCache
from lit_tasks.state.workspace import Workspace
from lit_tasks.web import pages
from lit_tasks.web.board import Board, read_board, run_views
from lit_tasks.web.detail import prompt_detail
from lit_tasks.web.hosts import allowed_names, host_guard
from lit_tasks.web.live import Live, states
from lit_tasks.web.models import Timeline
from lit_tasks.web.timeline import build_timeline

STATIC_DIR = Path(__file__).resolve().parent / "static"
PASSING = ("generating", "verifying", "reviewing", "failed")  # states an event names, shown even if already over
KEEPALIVE_S = 15.0


class Dashboard:
    def __init__(self, root: Path, poll_s: float = 0.25, refresh_s: float = 2.0) -> None:
        self.root = root
        self.poll_s, self.refresh_s = poll_s, refresh_s
        self.live = Live(Workspace(root))
        self.board = Board(root)
        self.states: dict[str, str] = {}
        self.subscribers: set[asyncio.Queue[str | None]] = set()  # None ends a stream (the server stops)
        self._refreshing = asyncio.Lock()
        self._refreshed = 0.0
        self._records: RecordCache = {}  # parsed once per version of each record file
        self._skipped_said = 0  # lines of the events file skipped so far, as the terminal was told

    async def refresh(self) -> Board:
        """Reread the project and the events; send every change of state to the subscribers."""
        async with self._refreshing:
            appended = await asyncio.to_thread(self.live.follow)
            self._say_skipped()
            board = await asyncio.to_thread(read_board, self.root, self._records)
            if self.states:  # the first read only sets the scene
                for event in appended:  # what a build did between two reads, in order (a fast prompt too)
                    if event.prompt in board.prompts and event.state in PASSING:
                        self._publish(event.prompt, event.state, board)
            for key, state in states(board, self.live).items():
                if self.states and self.states.get(key) != state:
                    self._publish(key, state, board)
                self.states[key] = state
            if board.error != self.board.error:
                self._project_changed(board.error)
            self.board, self._refreshed = board, time.monotonic()
            return board

    def _say_skipped(self) -> None:
        if self.live.skipped > self._skipped_said:
            self._skipped_said = self.live.skipped
            progress.emit(
                "warn",
                f"dashboard: skipped {progress.plural(self.live.skipped, 'line')} of .lit/events.jsonl that "
                "are not lit's events (broken or hostile); states follow the others",
            )

    def _project_changed(self, error: str | None) -> None:
        """The project stopped loading, or loads again: say so on the terminal and to every page."""
        progress.emit(
            "warn" if error else "note", f"the project does not load: {error}" if error else "the project loads again"
        )
        message = f"event: project\ndata: {json.dumps({'error': error})}\n\n"
        for queue in self.subscribers:
            queue.put_nowait(message)

    def _publish(self, key: str, state: str, board: Board) -> None:
        previous = self.states.get(key)
        if previous == state:
            return
        self.states[key] = state
        summary = board.prompts[key]
        data = {
            "prompt": key,
            "state": state,
            "previous": previous,
            "cost_usd": summary.cost_usd,
            "cost": pages.last_cost(summary),
            "spent": money(board.spent_usd),  # the page's total follows the build
        }
        message = f"data: {json.dumps(data)}\n\n"
        for queue in self.subscribers:
            queue.put_nowait(message)

    async def watch(self) -> None:
        """The watcher: runs for the life of the app."""
        while True:
            stale = time.monotonic() - self._refreshed >= self.refresh_s
            try:
                if stale or await asyncio.to_thread(self.live.has_news):
                    await self.refresh()
            except Exception as err:  # a file read mid-change, say: the next tick reads again; the server stays up
                progress.emit("warn", f"dashboard: {type(err).__name__}: {err}")
                self._refreshed = time.monotonic()
            await asyncio.sleep(self.poll_s)

    def live_fields(self, key: str, base: str) -> dict[str, Any]:
        """A prompt's state now, and while it is `failed`, what the build said."""
        state = self.states.get(key, base)
        event = self.live.prompts.get(key)
        return {"state": state, "failure": event.message if state == "failed" and event is not None else None}

    def prompts_json(self, board: Board) -> list[dict[str, Any]]:
        return [p.model_dump() | self.live_fields(k, p.state) for k, p in board.prompts.items()]


DASHBOARD = web.AppKey("dashboard", Dashboard)


def create_app(
    root: Path, *, poll_s: float = 0.25, refresh_s: float = 2.0, listen: str | None = None
) -> web.Application:
    """The dashboard of the project at `root`, answering only requests addressed to loopback or to `listen`."""
    dashboard = Dashboard(root, poll_s, refresh_s)
    app = web.Application(middlewares=[host_guard(allowed_names(listen))])
    app[DASHBOARD] = dashboard
    app.router.add_get("/", index)
    app.router.add_get("/runs", runs)
    app.router.add_get("/timeline", timeline)
    app.router.add_get("/api/timeline", api_timeline)
    app.router.add_get("/prompt/{path:.+}", prompt)
    app.router.add_get("/api/prompts", api_prompts)
    app.router.add_get("/api/prompts/{path:.+}", api_prompt)
    app.router.add_get("/api/runs", api_runs)
    app.router.add_get("/api/events", api_events)
    app.router.add_static("/static", STATIC_DIR)
    app.cleanup_ctx.append(_watcher)
    app.on_shutdown.append(_end_streams)
    return app


async def _end_streams(app: web.Application) -> None:
    for queue in app[DASHBOARD].subscribers:
        queue.put_nowait(None)


async def _watcher(app: web.Application) -> Any:
    task = asyncio.create_task(app[DASHBOARD].watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def _current(request: web.Request) -> tuple[Dashboard, Board]:
    dashboard = request.app[DASHBOARD]
    return dashboard, await dashboard.refresh()


async def index(request: web.Request) -> web.Response:
    dashboard, board = await _current(request)
    return _html(pages.index_page(board, dashboard.states))


async def prompt(request: web.Request) -> web.Response:
    dashboard, board = await _current(request)
    key = request.match_info["path"]
    if board.index is None:
        return _html(
            pages.page(key, "<p>The project does not load; fix it and this page follows.</p>", error=board.error), 503
        )
    detail = await asyncio.to_thread(prompt_detail, board, key)
    if detail is None:
        body = f"<p>No prompt <code>{escape(key)}</code> in this project.</p>"
        return _html(pages.page("not found", body, board.index.name), 404)
    fields = dashboard.live_fields(key, detail.state)
    return _html(pages.prompt_page(detail, fields["state"], board.index.name, fields["failure"]))


async def runs(request: web.Request) -> web.Response:
    _, board = await _current(request)
    return _html(pages.runs_page(run_views(board.records), board.index.name if board.index else ""))


def _timeline(dashboard: Dashboard, board: Board) -> Timeline | None:
    return build_timeline(dashboard.live.log, board.records, pid_alive, time.time())


async def timeline(request: web.Request) -> web.Response:
    """The last run step by step; `?fragment=1` is the part the page swaps in while a run goes on."""
    dashboard, board = await _current(request)
    found = _timeline(dashboard, board)
    if request.query.get("fragment"):
        return _html(pages.timeline_fragment(found))
    return _html(pages.timeline_page(found, board.index.name if board.index else ""))


async def api_timeline(request: web.Request) -> web.Response:
    dashboard, board = await _current(request)
    found = _timeline(dashboard, board)
    return web.json_response({"timeline": found.model_dump() if found is not None else None})


async def api_prompts(request: web.Request) -> web.Response:
    dashboard, board = await _current(request)
    if board.error is not None:
        return web.json_response({"error": board.error}, status=503)
    return web.json_response({"prompts": dashboard.prompts_json(board), "events_skipped": dashboard.live.skipped})


async def api_prompt(request: web.Request) -> web.Response:
    dashboard, board = await _current(request)
    key = request.match_info["path"]
    if board.error is not None:
        return web.json_response({"error": board.error}, status=503)
    detail = await asyncio.to_thread(prompt_detail, board, key)
    if detail is None:
        return web.json_response({"error": f"no prompt {key} in this project"}, status=404)
    return web.json_response(detail.model_dump() | dashboard.live_fields(key, detail.state))


async def api_runs(request: web.Request) -> web.Response:
    _, board = await _current(request)
    return web.json_response({"runs": [r.model_dump() for r in run_views(board.records)]})


async def api_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: first `event: snapshot` with every prompt's state, then one `data:` line of JSON per
    change of a prompt's state."""
    dashboard, board = await _current(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    dashboard.subscribers.add(queue)
    try:
        snapshot = {"prompts": dashboard.states, "error": board.error, "spent": money(board.spent_usd)}
        await response.write(f"event: snapshot\ndata: {json.dumps(snapshot)}\n\n".encode())
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                message = ": keep-alive\n\n"
            if message is None:
                break
            await response.write(message.encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        dashboard.subscribers.discard(queue)
    return response
