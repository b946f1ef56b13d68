"""Which names the dashboard answers to: a guard against DNS rebinding.

A web page the user visits can point a name it controls at 127.0.0.1 and then read the dashboard as if it were
its own origin (DNS rebinding); its requests still carry that name in the `Host` header. So the server answers
only requests addressed to a loopback name (`localhost`, `127.0.0.1`, `[::1]`) or to the address it was told to
listen on (`--host`), and refuses the rest with 421 Misdirected Request, before any file is read. Told to listen
on every address (`0.0.0.0`, `::`), it answers requests addressed to any IP address too: rebinding needs a
name, and an address is what a person on the network types.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD = frozenset({"", "0.0.0.0", "::"})  # listening on every address names none a request could use

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


HOST = re.compile(r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[^\[\]:/\s@]+))(?::\d{1,5})?")


def host_name(header: str) -> str | None:
    """The name in a `Host` header, without its port or an IPv6 address's brackets, lower-cased; None for a header
    that is not `name[:port]` or `[address][:port]` (`[::1]evil.example` is neither)."""
    match = HOST.fullmatch(header.strip().lower())
    return None if match is None else match.group("v6") or match.group("name")


@dataclass(frozen=True)
class Allowed:
    """The `Host` names a server listening on one address answers to."""

    names: frozenset[str]
    any_address: bool  # listening on every address: any IP address literal too

    def __contains__(self, name: str) -> bool:
        return name in self.names or (self.any_address and _is_address(name))


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_names(listen: str | None) -> Allowed:
    """Loopback names, and the address or name the server listens on (every address, for a wildcard)."""
    if listen is None:
        return Allowed(LOOPBACK, False)
    name = listen.strip().strip("[]").lower()
    if name in WILDCARD:
        return Allowed(LOOPBACK, True)
    return Allowed(LOOPBACK | {name}, False)


def beyond_loopback(listen: str) -> bool:
    return listen.strip().strip("[]").lower() not in LOOPBACK


def host_guard(allowed: Allowed) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """aiohttp middleware: a request whose `Host` is not one of `allowed` gets 421 and nothing else."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        name = host_name(request.headers.get("Host", ""))
        if name is None or name not in allowed:
            return web.Response(
                status=421,
                text="lit serve answers only requests addressed to localhost, 127.0.0.1, [::1] or its --host\n",
            )
        return await handler(request)

    return guard
