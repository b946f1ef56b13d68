"""The in-process latency provider for benchmarks: answers every declared output after a set delay.

Registered under the name `bench` by `run_lit.py`. The answer for an output is a few hundred bytes derived
from the prompt path, so regenerating an unchanged prompt gives byte-identical code (early cutoff holds).
"""

from __future__ import annotations

import os
import threading
import time
from typing import ClassVar

from lit_providers.base import Completion, GenerationRequest, ProviderContext, Usage

CALLS = {"n": 0}
_lock = threading.Lock()


class BenchProvider:
    name: ClassVar[str] = "bench"
    is_local: ClassVar[bool] = True

    def __init__(self, context: ProviderContext) -> None:
        self.delay = float(os.environ.get("BENCH_LATENCY", "0"))
        self.size = int(os.environ.get("BENCH_OUTPUT_BYTES", "400"))

    def complete(self, request: GenerationRequest) -> Completion:
        if self.delay:
            time.sleep(self.delay)
        with _lock:
            CALLS["n"] += 1
        parts = []
        for path in request.outputs:
            line = f"VALUE = {path!r}  # generated for {request.prompt}\n"
            parts.append(f"=== FILE: {path} ===\n" + line * max(1, self.size // len(line)))
        return Completion(
            text="\n".join(parts),
            usage=Usage(input_tokens=len(request.body) // 4, output_tokens=self.size // 4),
            stop="complete",
            stop_reason="end_turn",
            model=request.model,
        )
