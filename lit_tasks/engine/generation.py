"""The generation step (docs/architecture.md, "One prompt, from file to commit"): the action of every prompt's
doit task.

Order matters and is the point of this module: inputs are snapshotted before the call, the answer is accepted
only if complete and well-formed, saved patches are merged in, inputs are checked again, and only then are
outputs written (atomically), then the lock entry, then the record. Any failure before the write leaves the
previous outputs exactly as they were. Each stage lives in its own module: `snapshot`, `answers`, `outputs`,
`verification` and `figures`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from lit_providers.base import GenerationRequest
from lit_tasks.engine.answers import Answer, Asker
from lit_tasks.engine.figures import call_values, combine, describe, record_call, task_values
from lit_tasks.engine.options import RunOptions
from lit_tasks.engine.outputs import (
    apply_patches,
    current_outputs,
    guard_hand_edits,
    rebase_patches,
    refuse_non_files,
    remove_undeclared,
    restore,
    write_outputs,
)
from lit_tasks.engine.snapshot import Snapshot, check_unchanged, input_state, take_snapshot
from lit_tasks.engine.verification import Checked, Verification, fix_request, verify
from lit_tasks.engine.verify import VERIFIED, trim
from lit_tasks.io import progress
from lit_tasks.io.errors import GenerationError
from lit_tasks.llm.request import Imported, build_request
from lit_tasks.model.lock_source import entry_source
from lit_tasks.model.paths import CODE_DIR
from lit_tasks.model.project import Project
from lit_tasks.model.prompt import body_of
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state import events
from lit_tasks.state.index import LazyProject, verified_digest
from lit_tasks.state.lock import LockEntry
from lit_tasks.state.patches import remember_generated
from lit_tasks.state.records import recorder_for


@dataclass(frozen=True)
class ModelCall:
    """One call a generation made (or answered from the cache), as its record entry needs it."""

    values: dict[str, Any]
    settings: GenerationSettings
    answer: Answer
    role: str  # generate, fix or review
    attempt: int
    checked: Checked | None = None


@dataclass(frozen=True)
class Prepared:
    """What one generation works from: its settings, its inputs as read before the call, and the request."""

    settings: GenerationSettings
    snapshot: Snapshot
    imported: list[tuple[str, str]]
    request: GenerationRequest
    body: str  # the prompt's Markdown body, from the snapshot's bytes


class GenerationStep:
    """One prompt's generation, run by its task's `GenerateAction`; returns the figures doit stores as the
    task's values, and raises LitError for a failure the action reports."""

    def __init__(self, lazy: LazyProject, key: str, options: RunOptions) -> None:
        self.workspace = lazy.workspace
        self.project: Project = lazy.project
        self.index = lazy.index  # what the project's tasks were made from (lock entries are checked against it)
        self.key = key
        self.options = options
        self.asker = Asker(self.workspace, key, self.outputs, options)

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.project.graph.prompts[self.key].outputs

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        check = Verification.of(self.project, self.key)
        previous = self.workspace.lock.reread(self.key)  # another run may have written it while we waited
        if self._is_current(previous, check):
            return self._adopt(previous)
        refuse_non_files(self.workspace, self.outputs)
        if self.key not in self.options.forced:
            guard_hand_edits(self.workspace, self.key, previous)
        prepared = self._prepare()
        before = current_outputs(self.project, self.outputs) if check is not None else {}
        calls: list[ModelCall] = []
        entry: LockEntry | None = None
        try:
            digests, notes = self._generate(prepared, check, calls, started)
            entry = self._lock(prepared, digests, check)
        except BaseException:
            if check is not None and calls:  # never leave unverified code behind the lock's back
                restore(self.project, before)
            raise
        finally:
            if calls:  # every call is paid for, so it is recorded whether the prompt succeeds or not
                self._record(calls, entry.input_hash if entry else self._input_hash(prepared))
        if check is not None:
            VERIFIED[(str(self.project.root), self.key)] = (check.digest, dict(entry.outputs))
        remove_undeclared(self.project, self.key, previous, entry.outputs)
        return self._finish(calls, notes)

    def _is_current(self, previous: LockEntry | None, check: Verification | None) -> bool:
        """The lock entry already describes these inputs and outputs (and their verification); an output edited
        by hand is kept, as doit keeps it when the prompt's inputs have not changed."""
        return (
            previous is not None
            and self.key not in self.options.forced
            and (check is None or previous.verified == check.digest)
            and self.workspace.lock.matches(self.index, previous, hand_edits=True)
        )

    def _adopt(self, entry: LockEntry) -> dict[str, Any]:
        """doit's record was stale (or there was none) but the files are what the lock says: record them as built,
        call nothing."""
        edited = self.workspace.lock.edited_outputs(entry)
        if edited:
            kept = ", ".join(f"{CODE_DIR}/{out}" for out in edited)
            progress.emit(
                "note", f"up to date {self.key}: its inputs match its lock entry; kept {kept}, edited by hand"
            )
        else:
            progress.emit("note", f"up to date {self.key}: its files match its lock entry")
        settings = self.project.settings(self.key)
        return {"adopted": True, "provider": settings.provider, "model": settings.model, "calls": 0, "cost_usd": 0.0}

    def _prepare(self) -> Prepared:
        project, key = self.project, self.key
        settings = project.settings(key)
        snapshot = take_snapshot(project, key)
        graph = project.graph
        imports = [
            Imported(imp, [(p, snapshot.text(f"{CODE_DIR}/{p}")) for p in sorted(graph.prompts[imp].outputs)])
            for imp in graph.import_order(key)
        ]
        shared = set(project.config.context.files)  # the project's guidelines go with the system prompt
        guidelines = [(c, snapshot.text(c)) for c in project.context_files(key) if c in shared]
        own = [(c, snapshot.text(c)) for c in project.context_files(key) if c not in shared]
        prompt = graph.prompts[key]
        body = body_of(snapshot.files[key][1], key)
        request = build_request(prompt, body, settings, imports, graph.sharing(key), guidelines, own)
        imported = [file for imp in imports for file in imp.files]
        imported_files = progress.plural(len(imported), "imported file")
        progress.emit("start", f"generating {key} ({settings.provider}:{settings.model}, {imported_files})")
        return Prepared(settings, snapshot, imported, request, body)

    def _generate(
        self, prepared: Prepared, check: Verification | None, calls: list[ModelCall], started: float
    ) -> tuple[dict[str, str], list[str]]:
        """Answer, write and verify, with fix attempts until verification passes; every call lands in `calls`.
        Returns the hash of every output and the answer's notes."""
        answer = self.asker.ask(prepared.request, prepared.settings)
        attempt = 0
        while True:
            files, digests, checked = self._write_answer(prepared, answer, check, attempt, calls, started)
            if checked is None or checked.passed:
                return digests, answer.parsed.notes
            assert check is not None
            if attempt >= check.fix_attempts:
                tries = f" after {progress.plural(attempt, 'fix attempt')}" if attempt else ""
                raise GenerationError(
                    f"verification failed{tries}: {checked.summary}; the previous files are restored. Fix the "
                    f"prompt (or its tests), let the PM re-plan it with `lit draft --fix {self.key}`, raise "
                    f"fix_attempts, or run with --no-cache to ask again.\n"
                    f"{trim(checked.feedback, 1500)}"
                )
            attempt += 1
            progress.emit(
                "warn",
                f"{self.key}: verification failed ({checked.summary}); fix attempt {attempt} of {check.fix_attempts}",
            )
            events.emit(self.workspace, "generating", self.key)
            fix = fix_request(prepared.request, files, checked.feedback, attempt)
            answer = self.asker.ask(fix, self.project.settings(self.key, "fix"), role="fix")

    def _write_answer(
        self,
        prepared: Prepared,
        answer: Answer,
        check: Verification | None,
        attempt: int,
        calls: list[ModelCall],
        started: float,
    ) -> tuple[dict[str, str], dict[str, str], Checked | None]:
        """One answer into code.lock/ (patches merged, inputs checked again), verified if the prompt asks; its
        calls are added to `calls`. Returns the files written, their hashes and the verification."""
        generated = answer.parsed.files
        used = prepared.settings if attempt == 0 else self.project.settings(self.key, "fix")
        values = call_values(self.key, answer, sorted(generated), [], started)
        calls.append(ModelCall(values, used, answer, "generate" if attempt == 0 else "fix", attempt))  # paid for,
        # so recorded whatever happens next (a patch conflict, an input changed meanwhile, an output refused)
        files = apply_patches(self.workspace, generated, prepared.snapshot)
        check_unchanged(prepared.snapshot, self.key)
        written, digests = write_outputs(self.project, files)
        values.update(outputs=sorted(files), files=len(files), written=written)
        rebase_patches(self.workspace, self.project.patched, generated, files)
        remember_generated(self.workspace, [text.encode("utf-8") for text in generated.values()])
        checked = None
        if check is not None:
            checked = verify(
                self.workspace, self.project, self.key, check, files, prepared.imported, self.asker, prepared.body
            )
            calls[-1] = replace(calls[-1], checked=checked)
        if checked is not None and checked.review_answer is not None:
            review = call_values(self.key, checked.review_answer, [], [], started)
            settings = self.project.settings(self.key, "review")
            calls.append(ModelCall(review, settings, checked.review_answer, "review", attempt))
        return files, digests, checked

    def _lock(self, prepared: Prepared, digests: dict[str, str], check: Verification | None) -> LockEntry:
        """Write the lock entry of what was just written: inputs as read before the call, the outputs' hashes."""
        inputs = input_state(self.project, self.key, prepared.snapshot, prepared.settings)
        entry = LockEntry(
            prompt=self.key, input_hash=inputs.digest, inputs=inputs, outputs=dict(sorted(digests.items()))
        )
        entry.verified = check.digest if check is not None else None
        if self.project.source:
            expected = verified_digest(self.project, self.key)
            entry.source = entry_source(self.project.source, self.key, entry.input_hash, expected)
        try:
            self.workspace.lock.write(entry)
        except OSError as err:
            raise GenerationError(
                f"the outputs were written but the lock entry could not be ({err.strerror or err}); "
                "the next run regenerates this prompt (from the response cache when it can)"
            ) from None
        return entry

    def _input_hash(self, prepared: Prepared) -> str:
        return input_state(self.project, self.key, prepared.snapshot, prepared.settings).digest

    def _record(self, calls: list[ModelCall], input_hash: str) -> None:
        """One generation-record entry per call (generation, each fix attempt, each review), with its cost."""
        recorder = recorder_for(self.workspace, self.options.started)
        for c in calls:
            verification = c.checked.record() if c.checked is not None else None
            record_call(recorder, c.values, c.settings, c.answer, input_hash, c.role, c.attempt, verification)

    def _finish(self, calls: list[ModelCall], notes: list[str]) -> dict[str, Any]:
        total = combine([c.values for c in calls])
        for note in notes:
            progress.emit("note", f"{self.key}: {note}")
        progress.emit("cached" if total["cached"] else "done", describe(total))
        return task_values(total)
