"""The generation step (DESIGN §4): the python-action of every prompt's doit task.

Order matters and is the point of this module: inputs are snapshotted before the call, the answer is accepted
only if complete and well-formed, inputs are checked again after the call, and only then are outputs written,
atomically. Any failure before the write leaves the previous outputs exactly as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doit.exceptions import TaskFailed

from providers.base import Completion

from . import progress
from .atomic import write_all_atomic
from .cache import ResponseCache, request_key
from .calls import call, endpoint_for
from .errors import GenerationError, LitError, ResponseError
from .hashing import hash_bytes
from .paths import CODE_DIR, check_output_path
from .pricing import price_for
from .project import Project
from .request import build_request
from .response import parse_response
from .secrets import scrub


@dataclass(frozen=True)
class RunOptions:
    """Per-run switches set by `lit regenerate` (a plain `doit regenerate` uses the defaults)."""

    use_cache: bool = True


class GenerationStep:
    """Callable python-action for one prompt; returns the figures doit stores as the task's values."""

    def __init__(self, project: Project, key: str, options: RunOptions) -> None:
        self.project = project
        self.key = key
        self.options = options

    def __call__(self) -> dict[str, Any] | TaskFailed:
        try:
            return self.run()
        except LitError as err:
            message = scrub(str(err))
            progress.emit("fail", f"FAILED {self.key}: {message}")
            return TaskFailed(f"{self.key}: {message}")

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        project, key = self.project, self.key
        prompt = project.graph.prompts[key]
        settings = project.settings(key)
        snapshot = self._snapshot()
        imported = [(path, snapshot[f"{CODE_DIR}/{path}"][1].decode("utf-8", "replace")) for path in project.graph.import_outputs(key)]
        request = build_request(prompt, settings, imported)
        endpoint = endpoint_for(settings, project.root)
        cache = ResponseCache(project.root)
        rkey = request_key(settings.provider, settings.api.base_url, request)
        use_cache = self.options.use_cache and not endpoint.is_local  # a local answer is free and may be edited
        completion = cache.get(rkey) if use_cache else None
        cached = completion is not None
        if not cached:
            progress.emit("start", f"generating {key} ({settings.provider}:{settings.model}, {progress.plural(len(imported), 'imported file')})")
            completion = call(endpoint, request, on_retry=lambda msg: progress.emit("warn", f"{key}: {msg}"))
        assert completion is not None
        accept(completion)
        parsed = parse_response(completion.text, prompt.outputs)
        if use_cache and not cached:
            cache.put(rkey, completion)
        self._check_unchanged(snapshot)
        written = self._write(parsed.files)
        price = price_for(settings.model, settings.pricing)
        full_cost = 0.0 if endpoint.is_local else (price.cost(completion.usage) if price else None)
        usage = completion.usage
        values = {
            "prompt": key,
            "provider": settings.provider,
            "model": completion.model,
            "cached": cached,
            "calls": 0 if cached else 1,
            "files": len(parsed.files),
            "written": written,
            "input_tokens": 0 if cached else usage.input_tokens,
            "output_tokens": 0 if cached else usage.output_tokens,
            "cache_write_tokens": 0 if cached else usage.cache_write_tokens,
            "cache_read_tokens": 0 if cached else usage.cache_read_tokens,
            "cost_usd": 0.0 if cached else full_cost,
            "saved_usd": (full_cost or 0.0) if cached else 0.0,
            "seconds": round(time.monotonic() - started, 3),
        }
        for note in parsed.notes:
            progress.emit("note", f"{key}: {note}")
        progress.emit("cached" if cached else "done", describe(values))
        return values

    def _snapshot(self) -> dict[str, tuple[str, bytes]]:
        """Hash of every input as it is now; the prompt must still be what the project was loaded from."""
        project, key = self.project, self.key
        prompt = project.graph.prompts[key]
        current = (project.root / key).read_bytes()
        if current != prompt.raw:
            raise GenerationError(f"{key} changed after lit loaded it; run again")
        snapshot = {key: (hash_bytes(current), current)}
        for path in project.graph.import_outputs(key):
            target = project.code_dir / path
            try:
                data = target.read_bytes()
            except FileNotFoundError:
                raise GenerationError(f"imported output {CODE_DIR}/{path} does not exist; generate its prompt first") from None
            snapshot[f"{CODE_DIR}/{path}"] = (hash_bytes(data), data)
        return snapshot

    def _check_unchanged(self, snapshot: dict[str, tuple[str, bytes]]) -> None:
        """Fail rather than record state for inputs that changed while the model was answering (doit #119)."""
        for rel, (digest, _) in snapshot.items():
            try:
                now = hash_bytes((self.project.root / rel).read_bytes())
            except FileNotFoundError:
                now = None
            if now != digest:
                raise GenerationError(f"{rel} changed while {self.key} was being generated; nothing was written, run again")

    def _write(self, files: dict[str, str]) -> list[str]:
        """Write the outputs whose bytes changed (unchanged files keep their mtime), all or none."""
        code_dir = self.project.code_dir
        changed: dict[Path, bytes] = {}
        for rel, text in files.items():
            safe = check_output_path(rel, code_dir)
            target = code_dir / safe
            data = text.encode("utf-8")
            try:
                if target.read_bytes() == data:
                    continue
            except OSError:
                pass
            changed[target] = data
        try:
            write_all_atomic(changed)
        except OSError as err:
            raise GenerationError(f"cannot write {CODE_DIR}/: {err.strerror or err}; the previous files are intact") from None
        return sorted(p.relative_to(code_dir).as_posix() for p in changed)


def accept(completion: Completion) -> None:
    """Only a complete answer may be used (DESIGN §4.5); the message says what to change."""
    if completion.stop == "truncated":
        raise ResponseError(
            f"the answer was cut off (stop reason `{completion.stop_reason}`, {completion.usage.output_tokens} output "
            "tokens); raise [model] max_tokens or split the prompt; nothing was written"
        )
    if completion.stop == "refused":
        raise ResponseError(f"the model refused to answer (stop reason `{completion.stop_reason}`); nothing was written")
    if completion.stop != "complete":
        raise ResponseError(f"the answer did not end normally (stop reason `{completion.stop_reason}`); nothing was written")
    if not completion.text.strip():
        raise ResponseError("the answer is empty; nothing was written")


def describe(values: dict[str, Any]) -> str:
    """The one line printed when a prompt ends."""
    files = progress.plural(values["files"], "file")
    changed = len(values["written"])
    what = f"{files} ({changed} changed)" if changed != values["files"] else files
    if values["cached"]:
        saved = f", {progress.money(values['saved_usd'])} saved" if values["saved_usd"] else ""
        return f"done {values['prompt']}: {what} from the response cache{saved}, {values['seconds']:.1f}s"
    tok = f"{progress.tokens(values['input_tokens'] + values['cache_write_tokens'] + values['cache_read_tokens'])} in / {progress.tokens(values['output_tokens'])} out tokens"
    return f"done {values['prompt']}: {what}, {tok}, {progress.money(values['cost_usd'])}, {values['seconds']:.1f}s"
