"""The codec doit stores each task's row with: the same JSON as doit's own, through msgspec.

doit decodes one row per task on every run, a no-op included, and a lit task's row is larger than a plain
task's (the figures of its last generation are kept as its values). The standard library's decoder was the
largest single item of a no-op at N=5000 (docs/performance.md). The rows stay JSON, so a DB written here is
read by doit's default codec and the other way round.
"""

from __future__ import annotations

from typing import Any

import msgspec


class MsgspecCodec:
    """doit's codec interface (`DOIT_CONFIG["codec_cls"]`): `encode` returns text, `decode` takes text."""

    def __init__(self) -> None:
        self._encode = msgspec.json.Encoder().encode
        self._decode = msgspec.json.Decoder().decode

    def encode(self, data: Any) -> str:
        return self._encode(data).decode("utf-8")

    def decode(self, data: str) -> Any:
        return self._decode(data)
