"""The local response cache (`.lit/cache/`, gitignored): an answer already paid for is never paid again.

Keyed by a hash of the exact request and the endpoint it went to. Only answers that parsed into valid files are
stored, so a bad answer is never replayed. A corrupt entry reads as a miss.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from lit_providers.base import Completion, GenerationRequest
from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.hashing import hash_bytes, read_regular

if TYPE_CHECKING:
    from lit_tasks.state.workspace import Workspace


def request_key(provider: str, base_url: str | None, request: GenerationRequest) -> str:
    payload = {"provider": provider, "base_url": base_url, "request": request.model_dump(mode="json")}
    return hash_bytes(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())


class ResponseCache:
    def __init__(self, workspace: Workspace) -> None:
        self.directory = workspace.responses_dir

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        try:
            return Completion.model_validate_json(read_regular(self._path(key), follow=False))
        except (OSError, ValidationError, ValueError):
            return None

    def put(self, key: str, completion: Completion) -> None:
        """Best effort: a cache that cannot be written (a full disk) only costs a future call."""
        with contextlib.suppress(OSError):
            write_atomic(self._path(key), completion.model_dump_json().encode(), durable=Durability.NONE)
