"""`lit serve`: the dashboard of the build graph, its runs and its money, live, on a local web page."""

from __future__ import annotations

import argparse
import asyncio
import signal

from lit_tasks.commands.common import add_parser, root_here
from lit_tasks.io import progress
from lit_tasks.io.errors import UsageError

EXAMPLES = """\
  lit serve                          http://127.0.0.1:8765/ : the graph, each prompt, the runs and their cost
  lit serve --port 0                 any free port (the first line says which)
  lit serve --host 192.168.1.5       reachable from other machines at that address: read-only, but anyone who
                                     can reach it sees the prompts, the code's diffs and the costs
Only requests addressed to localhost, 127.0.0.1, [::1] or the --host given are answered (others get 421), so a
web page cannot read the dashboard through a name it points at this machine (DNS rebinding).
States follow builds (`lit regenerate`, `doit`, `make`) run from other terminals on the same project.
API: GET /api/prompts, /api/prompts/PATH, /api/runs, /api/events (server-sent events); see docs/dashboard.md.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "serve",
        "a live local dashboard: the prompt graph, each prompt's generations, runs and cost",
        "Serve a read-only dashboard of this project on a local web page until interrupted.",
        EXAMPLES,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is a number from 0 to 65535")
    root = root_here()
    try:
        asyncio.run(serve(root, args.host, args.port))
    except OSError as err:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    return 0


async def serve(root, host: str, port: int) -> None:  # noqa: ANN001 - a Path
    from aiohttp import web

    from lit_tasks.web.app import create_app
    from lit_tasks.web.hosts import beyond_loopback

    if beyond_loopback(host):
        progress.emit(
            "warn",
            f"listening on {host}, beyond this machine: anyone who can reach it reads the prompts, the code's diffs "
            "and the costs. Requests must name it as localhost or as the --host given",
        )
    runner = web.AppRunner(create_app(root, listen=host), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        progress.emit("note", f"serving http://{shown}:{bound_port}/")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        progress.emit("note", "stopped serving")
    finally:
        await runner.cleanup()
