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
from .budget import Budget, request_bound
from .hashing import hash_bytes
from .lock import InputState, LockEntry, edited_outputs, read_lock, write_lock
from .orphans import remove_if_unchanged
from .records import PromptRecord, endpoint_host, recorder_for
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
    force: bool = False
    budget: Budget | None = None


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
        lock = read_lock(project.root, key)
        edited = [] if self.options.force else edited_outputs(project, lock)
        if edited:
            files = ", ".join(f"{CODE_DIR}/{p}" for p in edited)
            raise GenerationError(
                f"{files} changed since lit generated it (a hand edit?); lit will not overwrite it. Keep the edit "
                f"by moving it into the prompt, or discard it with `lit regenerate --force {key}`"
            )
        snapshot = self._snapshot()
        inputs = InputState(
            prompt=snapshot[key][0],
            imports={p.removeprefix(f"{CODE_DIR}/"): d for p, (d, _) in snapshot.items() if p != key},
            config=hash_bytes(settings.canonical().encode()),
        )
        imported = [(path, snapshot[f"{CODE_DIR}/{path}"][1].decode("utf-8", "replace")) for path in project.graph.import_outputs(key)]
        request = build_request(prompt, settings, imported)
        endpoint = endpoint_for(settings, project.root)
        cache = ResponseCache(project.root)
        rkey = request_key(settings.provider, settings.api.base_url, request)
        use_cache = self.options.use_cache and not endpoint.is_local  # a local answer is free and may be edited
        completion = cache.get(rkey) if use_cache else None
        cached = completion is not None
        progress.emit("start", f"generating {key} ({settings.provider}:{settings.model}, {progress.plural(len(imported), 'imported file')})")
        price = price_for(settings.model, settings.pricing)
        if not cached:
            bound = request_bound(request, price, endpoint.is_local)
            budget = self.options.budget
            if budget is not None:
                budget.reserve(key, bound)
            try:
                completion = call(endpoint, request, on_retry=lambda msg: progress.emit("warn", f"{key}: {msg}"))
            except BaseException:
                if budget is not None:
                    budget.settle(bound, 0.0)
                raise
            if budget is not None:
                budget.settle(bound, 0.0 if endpoint.is_local or price is None else price.cost(completion.usage))
        assert completion is not None
        accept(completion)
        parsed = parse_response(completion.text, prompt.outputs)
        if use_cache and not cached:
            cache.put(rkey, completion)
        self._check_unchanged(snapshot)
        written = self._write(parsed.files)
        outputs = {path: hash_bytes(text.encode("utf-8")) for path, text in sorted(parsed.files.items())}
        write_lock(project.root, LockEntry(prompt=key, input_hash=inputs.digest, inputs=inputs, outputs=outputs))
        self._remove_undeclared(lock, outputs)
        full_cost = 0.0 if endpoint.is_local else (price.cost(completion.usage) if price else None)
        usage = completion.usage
        values = {
            "prompt": key,
            "provider": settings.provider,
            "model": completion.model,
            "cached": cached,
            "calls": 0 if cached else 1,
            "files": len(parsed.files),
            "outputs": sorted(parsed.files),
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
        recorder_for(project.root).append(
            PromptRecord.build(values, settings, completion, endpoint=endpoint_host(endpoint.url), request_key=rkey, input_hash=inputs.digest)
        )
        return values

    def _remove_undeclared(self, previous: LockEntry | None, outputs: dict[str, str]) -> None:
        """Delete files this prompt generated before but no longer declares, unless edited by hand."""
        if previous is None:
            return
        for rel, digest in sorted(previous.outputs.items()):
            if rel in outputs or rel in self.project.graph.owner:
                continue
            removed = remove_if_unchanged(self.project.code_dir, rel, digest)
            if removed:
                progress.emit("note", f"removed {CODE_DIR}/{rel}: {self.key} no longer declares it")
            elif removed is False:
                progress.emit("warn", f"kept {CODE_DIR}/{rel}: no longer declared by {self.key}, but edited by hand")

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
    if not values["cost_usd"] and not values["input_tokens"] and not values["output_tokens"]:
        return f"done {values['prompt']}: {what}, {values['seconds']:.1f}s"
    tok = f"{progress.tokens(values['input_tokens'] + values['cache_write_tokens'] + values['cache_read_tokens'])} in / {progress.tokens(values['output_tokens'])} out tokens"
    return f"done {values['prompt']}: {what}, {tok}, {progress.money(values['cost_usd'])}, {values['seconds']:.1f}s"
