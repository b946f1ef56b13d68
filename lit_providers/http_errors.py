"""HTTP failures of LLM services, classified once for every provider: retry or not, and how long to wait."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

from lit_tasks.io.errors import ProviderError
from lit_tasks.io.secrets import scrub

RETRYABLE = {408, 409, 425, 429}
SPEND_LIMIT_CODES = {"insufficient_quota", "billing_error", "billing_hard_limit_reached", "spend_limit_exceeded"}
SPEND_LIMIT_WORDS = ("spend limit", "credit balance", "insufficient_quota", "billing", "quota exceeded")


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a service asks for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _error_fields(body: Any) -> tuple[str, str, str]:
    """(type, code, message) from `{"error": {...}}` bodies of Anthropic and OpenAI alike."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("type") or ""), str(err.get("code") or ""), str(err.get("message") or "")
        if isinstance(err, str):
            return "", "", err
    return "", "", ""


def classify_status(
    service: str, status: int, headers: Mapping[str, str] | None, body: Any, fallback: str = ""
) -> ProviderError:
    kind, code, message = _error_fields(body)
    message = scrub((message or fallback or "").strip())[:500]
    detail = (
        f"{service} answered HTTP {status}"
        + (f" ({kind or code})" if kind or code else "")
        + (f": {message}" if message else "")
    )
    spend = (
        status == 402
        or code in SPEND_LIMIT_CODES
        or kind in SPEND_LIMIT_CODES
        or (status == 429 and any(word in message.lower() for word in SPEND_LIMIT_WORDS))
    )
    if spend:
        return ProviderError(
            f"{detail}. This is a spend or quota limit: lit does not retry it; raise the limit and run again"
        )
    if status in (401, 403):
        return ProviderError(f"{detail}. Check the API key in the environment (lit never stores it)")
    if status in RETRYABLE or (status >= 500 and status != 501):
        return ProviderError(detail, retryable=True, retry_after=retry_after_seconds(headers))
    return ProviderError(detail)
