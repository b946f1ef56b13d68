"""Reading the rate-limit headers services send with every response, into one shape (`RateLimits`).

Anthropic (`anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining,reset}`; its combined
`tokens` headers are not read) gives
the reset as an RFC 3339 time at which the limit is fully replenished; OpenAI-compatible servers
(`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`) as a duration such as `1s`, `6m0s` or `120ms`. A
header that is missing or malformed is left out: a quirky header must never fail a call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime

from .base import RateLimits, Window

ANTHROPIC_KINDS = {"requests": "requests", "input-tokens": "input_tokens", "output-tokens": "output_tokens"}
OPENAI_KINDS = {"requests": "requests", "tokens": "tokens"}
DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def anthropic_limits(headers: Mapping[str, str]) -> RateLimits | None:
    windows = {}
    for kind, name in ANTHROPIC_KINDS.items():
        prefix = f"anthropic-ratelimit-{kind}-"
        reset = _rfc3339(headers.get(prefix + "reset"))
        window = _window(headers.get(prefix + "remaining"), reset, headers.get(prefix + "limit"))
        if window is not None:
            windows[name] = window
    return RateLimits(windows=windows) if windows else None


def openai_limits(headers: Mapping[str, str], now: float | None = None) -> RateLimits | None:
    now = time.time() if now is None else now
    windows = {}
    for kind, name in OPENAI_KINDS.items():
        wait = _duration(headers.get(f"x-ratelimit-reset-{kind}"))
        reset = None if wait is None else now + wait
        window = _window(headers.get(f"x-ratelimit-remaining-{kind}"), reset, headers.get(f"x-ratelimit-limit-{kind}"))
        if window is not None:
            windows[name] = window
    return RateLimits(windows=windows) if windows else None


def _window(remaining: str | None, reset_at: float | None, limit: str | None) -> Window | None:
    if remaining is None or reset_at is None or not remaining.strip().isdigit():
        return None
    cap = int(limit) if limit is not None and limit.strip().isdigit() else None
    return Window(remaining=int(remaining), reset_at=reset_at, limit=cap)


def _rfc3339(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        return None


def _duration(value: str | None) -> float | None:
    if not value:
        return None
    parts = DURATION.findall(value.strip())
    if not parts or "".join(n + u for n, u in parts) != value.strip():
        return None
    return sum(float(n) * UNIT_S[u] for n, u in parts)
