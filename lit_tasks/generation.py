"""The generation step (docs/architecture.md, "One prompt, from file to commit"): the python-action of every prompt's doit task.

Order matters and is the point of this module: inputs are snapshotted before the call, the answer is accepted
only if complete and well-formed, saved patches are merged in, inputs are checked again, and only then are
outputs written (atomically), then the lock entry, then the record. Any failure before the write leaves the
previous outputs exactly as they were.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.base import Completion, GenerationRequest

from . import progress
from .atomic import Durability, write_all_atomic, write_atomic
from .budget import last_output_bytes, output_token_estimate, request_estimate
from .cache import ResponseCache, request_key
from .calls import Endpoint, call, endpoint_for
from .errors import GenerationError, ResponseError
from .hashing import STAT_HASHES, hash_bytes, stat_key
from .index import ProjectIndex
from .lock import InputState, LockEntry, edited_outputs, entry_matches, read_lock, write_lock
from .options import RunOptions
from .orphans import remove_if_unchanged
from .patches import make_patch, merge3, patch_rel, read_patch, remember_generated, write_patch
from .paths import CODE_DIR
from .pricing import Price, price_for
from .project import Project
from .records import PromptRecord, endpoint_host, recorder_for
from .request import build_request, context_block
from .response import ParsedResponse, parse_response
from .review import Verdict, parse_verdict, review_request
from .secrets import scrub
from .settings import GenerationSettings, commands_digest
from .verify import VERIFIED, CommandResult, run_commands, trim

CONFLICTS_DIR = Path(".lit") / "cache" / "conflicts"


@dataclass
class Snapshot:
    """Every input's bytes, hash and stat as read before the call; paths are relative to the project root."""

    root: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    versions: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, rel: str) -> bytes:
        """Read `rel` into the snapshot; FileNotFoundError if it does not exist."""
        data, digest, st = STAT_HASHES.read(os.path.join(self.root, rel))
        self.files[rel] = (digest, data)
        self.versions[rel] = stat_key(st)
        return data

    def text(self, rel: str) -> str:
        return self.files[rel][1].decode("utf-8", "replace")

    def changed(self) -> list[str]:
        """Inputs that are not the version read: a new stat whose content hashes differently, or gone."""
        moved = []
        for rel, version in self.versions.items():
            path = os.path.join(self.root, rel)
            try:
                st = os.stat(path)
                if stat_key(st) != version and STAT_HASHES.of(path, st) != self.files[rel][0]:
                    moved.append(rel)
            except FileNotFoundError:
                moved.append(rel)
        return moved


@dataclass(frozen=True)
class Verification:
    """What checks a prompt's generation: its commands, the review, and how many fix attempts it may take."""

    commands: tuple[str, ...]
    review: bool
    fix_attempts: int
    timeout_s: float
    feedback_chars: int

    @classmethod
    def of(cls, project: Project, key: str) -> Verification | None:
        commands, review = project.verify_commands(key), project.review_enabled(key)
        if not commands and not review:
            return None
        cfg = project.config.verify
        return cls(commands, review, project.fix_attempts(key), cfg.timeout_s, cfg.feedback_chars)

    @property
    def digest(self) -> str:
        return commands_digest(self.commands, self.review)


@dataclass
class Checked:
    """One verification of written files: passed or not, and what a fix attempt is told."""

    passed: bool
    summary: str
    feedback: str
    results: list[CommandResult]
    verdict: Verdict | None = None
    review_answer: Answer | None = None

    def record(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "commands": [
                {
                    "command": r.command,
                    "exit_code": r.exit_code,
                    "seconds": r.seconds,
                    "output": trim(scrub(r.output), 2000),
                }
                for r in self.results
            ],
            "review": self.verdict.model_dump() if self.verdict is not None else None,
        }


NO_FILES = ParsedResponse(files={}, notes=[])


def fix_request(request: GenerationRequest, files: dict[str, str], feedback: str, attempt: int) -> GenerationRequest:
    """The original request plus the code that failed and why: the model rewrites every declared file."""
    previous = context_block(sorted(files.items()), "## Your previous answer\n")
    body = (
        f"{request.body}\n{previous}\n## Verification failed (fix attempt {attempt})\n\n{feedback}\n\n"
        "Write every declared file again, complete, so that verification passes.\n"
    )
    return request.model_copy(update={"body": body})


@dataclass
class Answer:
    completion: Completion
    parsed: ParsedResponse
    cached: bool
    request_key: str
    price: Price | None
    endpoint: Endpoint
    estimate: float | None = None  # what the budget expected the call to cost (None: a cache hit, or no price)


@dataclass(frozen=True)
class ModelCall:
    """One call a generation made (or answered from the cache), as its record entry needs it."""

    values: dict[str, Any]
    settings: GenerationSettings
    answer: Answer
    role: str  # generate, fix or review
    attempt: int
    checked: Checked | None = None


class GenerationStep:
    """One prompt's generation, run by its task's `GenerateAction`; returns the figures doit stores as the
    task's values, and raises LitError for a failure the action reports."""

    def __init__(self, project: Project, index: ProjectIndex, key: str, options: RunOptions) -> None:
        self.project = project
        self.index = index  # what the project's tasks were made from (lock entries are checked against it)
        self.key = key
        self.options = options

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.project.graph.prompts[self.key].outputs

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        project, key = self.project, self.key
        settings = project.settings(key)
        check = Verification.of(project, key)
        previous = read_lock(project.root, key)
        if (
            previous is not None
            and not self.options.force
            and (check is None or previous.verified == check.digest)
            and entry_matches(project.root, self.index, previous)
        ):
            return self._adopt(previous, started)
        self._guard_hand_edits(previous)
        snapshot = self._snapshot()
        imports = project.graph.import_outputs(key)
        imported = [(p, snapshot.text(f"{CODE_DIR}/{p}")) for p in imports]
        guidelines = [(c, snapshot.text(c)) for c in project.context_files(key)]
        request = build_request(project.graph.prompts[key], settings, imported, guidelines)
        progress.emit(
            "start",
            f"generating {key} ({settings.provider}:{settings.model}, {progress.plural(len(imports), 'imported file')})",
        )
        answer = self._answer(request, settings)
        before = self._current_outputs() if check is not None else {}  # only a verified prompt restores
        calls: list[ModelCall] = []
        input_hash: str | None = None
        attempt = 0
        try:
            while True:
                generated = answer.parsed
                files = self._apply_patches(generated.files, snapshot)
                self._check_unchanged(snapshot)
                written, digests = self._write(files)
                self._rebase_patches(generated.files, files)
                remember_generated(project.root, [text.encode("utf-8") for text in generated.files.values()])
                used = settings if attempt == 0 else project.settings(key, "fix")
                values = self._values(answer, sorted(files), written, started)
                checked = self._verify(check, files, imported) if check is not None else None
                calls.append(ModelCall(values, used, answer, "generate" if attempt == 0 else "fix", attempt, checked))
                if checked is not None and checked.review_answer is not None:
                    review_settings = project.settings(key, "review")
                    review_values = self._values(checked.review_answer, [], [], started)
                    calls.append(ModelCall(review_values, review_settings, checked.review_answer, "review", attempt))
                if checked is None or checked.passed:
                    break
                if attempt >= check.fix_attempts:
                    tries = f" after {progress.plural(attempt, 'fix attempt')}" if attempt else ""
                    raise GenerationError(
                        f"verification failed{tries}: {checked.summary}; the previous files are restored. Fix the "
                        f"prompt (or its tests), raise fix_attempts, or run with --no-cache to ask again.\n"
                        f"{trim(checked.feedback, 1500)}"
                    )
                attempt += 1
                progress.emit(
                    "warn",
                    f"{key}: verification failed ({checked.summary}); fix attempt {attempt} of {check.fix_attempts}",
                )
                fix_settings = project.settings(key, "fix")
                answer = self._answer(fix_request(request, files, checked.feedback, attempt), fix_settings)
            inputs = self._inputs(snapshot, settings)
            input_hash = inputs.digest
            outputs = dict(sorted(digests.items()))
            entry = LockEntry(prompt=key, input_hash=input_hash, inputs=inputs, outputs=outputs)
            entry.verified = check.digest if check is not None else None
            try:
                write_lock(project.root, entry)
            except OSError as err:
                raise GenerationError(
                    f"the outputs were written but the lock entry could not be ({err.strerror or err}); "
                    "the next run regenerates this prompt (from the response cache when it can)"
                ) from None
        except BaseException:
            if check is not None and calls:  # never leave unverified code behind the lock's back
                self._restore(before)
            raise
        finally:
            if calls:  # every call is paid for, so it is recorded whether the prompt succeeds or not
                self._record(calls, input_hash or self._inputs(snapshot, settings).digest)
        if check is not None:
            VERIFIED[(str(project.root), key)] = (check.digest, dict(outputs))
        self._remove_undeclared(previous, outputs)
        total = combine([c.values for c in calls])
        for note in generated.notes:
            progress.emit("note", f"{key}: {note}")
        progress.emit("cached" if total["cached"] else "done", describe(total))
        return task_values(total)

    def _record(self, calls: list[ModelCall], input_hash: str) -> None:
        """One generation-record entry per call (generation, each fix attempt, each review), with its cost."""
        recorder = recorder_for(self.project.root, self.options.started)
        for c in calls:
            recorder.append(
                PromptRecord.build(
                    c.values,
                    c.settings,
                    c.answer.completion,
                    endpoint=endpoint_host(c.answer.endpoint.url),
                    request_key=c.answer.request_key,
                    input_hash=input_hash,
                    role=c.role,
                    attempt=c.attempt,
                    verification=c.checked.record() if c.checked is not None else None,
                )
            )

    def _adopt(self, entry: LockEntry, started: float) -> dict[str, Any]:
        """doit's record was stale but the files are what the lock says: record them as built, call nothing."""
        progress.emit("note", f"up to date {self.key}: its files match its lock entry")
        settings = self.project.settings(self.key)
        return {"adopted": True, "provider": settings.provider, "model": settings.model, "calls": 0, "cost_usd": 0.0}

    # -- verification --------------------------------------------------------------------------------------
    def _verify(self, check: Verification, files: dict[str, str], imported: list[tuple[str, str]]) -> Checked:
        """Run the prompt's commands on the written files, then the review if asked; the first failure decides."""
        results = run_commands(check.commands, self.project.code_dir, check.timeout_s)
        failed = next((r for r in results if not r.passed), None)
        if failed is not None:
            output = trim(scrub(failed.output), check.feedback_chars)
            return Checked(False, failed.summary(), f"{failed.summary()}. Its output:\n{output}", results)
        if results:
            progress.emit("done", f"verified {self.key}: {'; '.join(r.command for r in results)}")
        if not check.review:
            return Checked(True, "passed", "", results)
        review_settings = self.project.settings(self.key, "review")
        request = review_request(self.project.graph.prompts[self.key], review_settings, files, imported)
        answer = self._answer(request, review_settings, parse=False)
        verdict = parse_verdict(answer.completion.text)
        if verdict.approved:
            return Checked(True, "passed", "", results, verdict, answer)
        summary = f"the review did not approve ({progress.plural(len(verdict.issues), 'issue')})"
        return Checked(False, summary, f"{summary}:\n{verdict.feedback()}", results, verdict, answer)

    def _current_outputs(self) -> dict[str, bytes | None]:
        """The outputs as they are before this generation writes, to put back if verification never passes."""
        before: dict[str, bytes | None] = {}
        for out in self.outputs:
            try:
                before[out] = (self.project.code_dir / out).read_bytes()
            except FileNotFoundError:
                before[out] = None
        return before

    def _restore(self, before: dict[str, bytes | None]) -> None:
        keep = {self.project.code_dir / out: data for out, data in before.items() if data is not None}
        write_all_atomic(keep, durable=Durability.AT_EXIT)
        for out, data in before.items():
            if data is None:
                with contextlib.suppress(FileNotFoundError):
                    (self.project.code_dir / out).unlink()

    # -- before the call -----------------------------------------------------------------------------------
    def _guard_hand_edits(self, previous: LockEntry | None) -> None:
        edited = [] if self.options.force else edited_outputs(self.project.root, previous)
        if edited:
            files = ", ".join(f"{CODE_DIR}/{p}" for p in edited)
            raise GenerationError(
                f"{files} changed since lit generated it (a hand edit?); lit will not overwrite it. Keep the edit "
                f"with `lit patch save` (it is then re-applied after every regeneration), or discard it with "
                f"`lit regenerate --force {self.key}`"
            )

    def _snapshot(self) -> Snapshot:
        """The inputs as they are now; the prompt must still be what the project was loaded from."""
        project, key = self.project, self.key
        snapshot = Snapshot(os.fspath(project.root))
        if snapshot.add(key) != project.graph.prompts[key].raw:
            raise GenerationError(f"{key} changed after lit loaded it; run again")
        for path in project.graph.import_outputs(key):
            try:
                snapshot.add(f"{CODE_DIR}/{path}")
            except FileNotFoundError:
                raise GenerationError(
                    f"imported output {CODE_DIR}/{path} does not exist; generate its prompt first"
                ) from None
        for path in project.context_files(key):
            try:
                snapshot.add(path)
            except FileNotFoundError:
                raise GenerationError(f"context file {path} does not exist") from None
        for out in self.outputs:
            if out in project.patched:
                rel = patch_rel(out)
                try:
                    snapshot.add(rel)
                except FileNotFoundError:
                    raise GenerationError(f"{rel} disappeared while lit was running; run again") from None
        return snapshot

    def _inputs(self, snapshot: Snapshot, settings: GenerationSettings) -> InputState:
        """The lock's view of the inputs; patches are hashed as they are on disk after this run's rebase."""
        imports = {p: snapshot.files[f"{CODE_DIR}/{p}"][0] for p in self.project.graph.import_outputs(self.key)}
        patches = {}
        for out in self.outputs:
            if out in self.project.patched:
                patches[out] = hash_bytes((self.project.root / patch_rel(out)).read_bytes())
        return InputState(
            prompt=snapshot.files[self.key][0],
            imports=imports,
            config=hash_bytes(settings.canonical().encode()),
            patches=patches,
            context={c: snapshot.files[c][0] for c in self.project.context_files(self.key)},
        )

    # -- the call ------------------------------------------------------------------------------------------
    def _answer(self, request, settings: GenerationSettings, parse: bool = True) -> Answer:  # noqa: ANN001
        """One model call (or a cache hit), with budget and retries; `parse` reads the FILE protocol."""
        endpoint = endpoint_for(settings, self.project.root)
        rkey = request_key(settings.provider, settings.api.base_url, request)
        use_cache = self.options.use_cache and not endpoint.is_local  # a local answer is free and may be edited
        cache = ResponseCache(self.project.root) if use_cache else None
        price = price_for(settings.model, settings.pricing)
        completion = cache.get(rkey) if cache is not None else None
        if completion is not None:
            accept(completion)
            parsed = parse_response(completion.text, self.outputs) if parse else NO_FILES
            return Answer(completion, parsed, True, rkey, price, endpoint)
        output = None  # a review's verdict has no history: max_tokens
        if parse:
            output = output_token_estimate(last_output_bytes(self.project.code_dir, self.outputs), request.max_tokens)
        estimate = request_estimate(request, price, endpoint.is_local, output)
        budget = self.options.budget
        if budget is not None:
            budget.reserve(self.key, estimate)
        spent = 0.0
        try:
            completion = call(endpoint, request, on_retry=lambda msg: progress.emit("warn", f"{self.key}: {msg}"))
            spent = call_cost(completion, endpoint.is_local, price) or 0.0
        finally:
            if budget is not None:
                budget.settle(estimate, spent)
        accept(completion)
        parsed = parse_response(completion.text, self.outputs) if parse else NO_FILES
        if cache is not None:
            cache.put(rkey, completion)  # only a complete, well-formed answer is ever cached
        return Answer(completion, parsed, False, rkey, price, endpoint, estimate)

    # -- after the call ------------------------------------------------------------------------------------
    def _apply_patches(self, generated: dict[str, str], snapshot: Snapshot) -> dict[str, str]:
        """Merge each saved hand edit onto the new code; a conflict fails the prompt and writes nothing."""
        result = dict(generated)
        for out, text in generated.items():
            if patch_rel(out) not in snapshot.files:
                continue
            patch = read_patch(self.project.root, out)
            assert patch is not None
            merged = merge3(self.project.root, patch.original_content, patch.manual_content, text, out)
            if merged.conflicts:
                conflict = self.project.root / CONFLICTS_DIR / out
                write_atomic(conflict, merged.text.encode("utf-8"))
                raise GenerationError(
                    f"the saved patch of {CODE_DIR}/{out} conflicts with the newly generated code; the previous file is "
                    f"unchanged. The merge with conflict markers is in {conflict.relative_to(self.project.root)}. "
                    f"Move the edit into the prompt and `lit patch drop {out}`, or drop the patch, regenerate, "
                    "redo the edit and `lit patch save` again"
                )
            result[out] = merged.text
        return result

    def _rebase_patches(self, generated: dict[str, str], written: dict[str, str]) -> None:
        """Re-base each applied patch on the new generation, so the next merge starts from this one."""
        for out, text in generated.items():
            if out not in self.project.patched:
                continue
            patch = read_patch(self.project.root, out)
            if patch is not None and patch.original_content != text:
                write_patch(self.project.root, out, make_patch(out, text, written[out]))

    def _check_unchanged(self, snapshot: Snapshot) -> None:
        """Fail rather than record state for inputs that changed while the model was answering (doit #119)."""
        changed = snapshot.changed()
        if changed:
            raise GenerationError(
                f"{changed[0]} changed while {self.key} was being generated; nothing was written, run again"
            )

    def _write(self, files: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """Write the outputs whose bytes changed (unchanged files keep their mtime), all or none; returns the
        paths written and the hash of every output (what the lock entry records)."""
        code_dir = os.fspath(self.project.code_dir)
        changed: dict[str, bytes] = {}
        digests: dict[str, str] = {}
        for raw, text in files.items():
            rel = self.project.sandbox.check(raw)
            data = text.encode("utf-8")
            digests[rel] = hash_bytes(data)
            try:
                if STAT_HASHES.of(os.path.join(code_dir, rel)) == digests[rel]:
                    continue
            except OSError:
                pass
            changed[rel] = data
        try:
            targets = {os.path.join(code_dir, rel): data for rel, data in changed.items()}
            write_all_atomic(targets, durable=Durability.AT_EXIT)
        except OSError as err:
            raise GenerationError(
                f"cannot write {CODE_DIR}/: {err.strerror or err}; the previous files are intact"
            ) from None
        for rel in changed:  # doit's checker and the next prompt's snapshot need not read them back
            with contextlib.suppress(OSError):
                STAT_HASHES.remember(os.stat(os.path.join(code_dir, rel)), digests[rel])
        return sorted(changed), digests

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

    def _values(self, answer: Answer, outputs: list[str], written: list[str], started: float) -> dict[str, Any]:
        completion, cached = answer.completion, answer.cached
        usage = completion.usage
        full_cost = call_cost(completion, answer.endpoint.is_local, answer.price)
        return {
            "prompt": self.key,
            "provider": answer.endpoint.context.name,
            "model": completion.model,
            "cached": cached,
            "calls": 0 if cached else 1,
            "files": len(outputs),
            "outputs": outputs,
            "written": written,
            "input_tokens": 0 if cached else usage.input_tokens,
            "output_tokens": 0 if cached else usage.output_tokens,
            "cache_write_tokens": 0 if cached else usage.cache_write_tokens,
            "cache_read_tokens": 0 if cached else usage.cache_read_tokens,
            "cost_usd": 0.0 if cached else full_cost,
            "saved_usd": (full_cost or 0.0) if cached else 0.0,
            "estimate_usd": answer.estimate,
            "seconds": round(time.monotonic() - started, 3),
        }


TASK_VALUES = (
    "provider",
    "model",
    "cached",
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "cost_usd",
    "saved_usd",
)


def task_values(values: dict[str, Any]) -> dict[str, Any]:
    """The figures doit keeps as the task's values (for `getargs` and the reporter). doit stores them twice per
    task in its DB and reads them back on every run, so the file lists and timings stay in the generation record."""
    return {key: values[key] for key in TASK_VALUES} | {"files_written": len(values["written"])}


def accept(completion: Completion) -> None:
    """Only a complete answer may be used ; the message says what to change."""
    if completion.stop == "truncated":
        raise ResponseError(
            f"the answer was cut off (stop reason `{completion.stop_reason}`, {completion.usage.output_tokens} output "
            "tokens); raise [model] max_tokens or split the prompt; nothing was written"
        )
    if completion.stop == "refused":
        raise ResponseError(
            f"the model refused to answer (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if completion.stop != "complete":
        raise ResponseError(
            f"the answer did not end normally (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if not completion.text.strip():
        raise ResponseError("the answer is empty; nothing was written")


def call_cost(completion: Completion, is_local: bool, price: Price | None) -> float | None:
    """What a call cost: nothing if local, what the service reported if it did, else usage at the known price."""
    if is_local:
        return 0.0
    if completion.cost_usd is not None:
        return completion.cost_usd
    return price.cost(completion.usage) if price is not None else None


def combine(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """A prompt's figures over all its calls (generation, fix attempts, reviews); the files are the last ones."""
    first, files = calls[0], [v for v in calls if v["outputs"]][-1]
    total = dict(first)
    for key in ("calls", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens", "saved_usd"):
        total[key] = sum(v[key] for v in calls)
    costs = [v["cost_usd"] for v in calls]
    total["cost_usd"] = None if any(c is None for c in costs) else sum(costs)
    total["cached"] = all(v["cached"] for v in calls)
    total["outputs"], total["files"] = files["outputs"], files["files"]
    total["written"] = sorted({w for v in calls for w in v["written"]})
    total["seconds"] = max(v["seconds"] for v in calls)
    return total


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
