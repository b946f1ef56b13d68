"""doit reporter for lit runs: quiet for prompts (their actions print their own lines), a summary at the end.

Tasks that are not lit's (an embedding build's lint or packaging tasks) are reported as doit's console
reporter would.
"""

from __future__ import annotations

import re
import time
from typing import Any

from doit.reporter import ConsoleReporter

from lit_tasks.io import progress
from lit_tasks.state import ledger

VANISHED = re.compile(r"Dependent file '(.+)' does not exist")  # doit's DependencyError, before or after a task ran


def _is_lit(task: Any) -> bool:
    return bool(task.meta and task.meta.get("lit"))


def vanished_input(fail: Any) -> str | None:
    """The input whose disappearance failed a task (doit checks every `file_dep` exists), or None."""
    if fail.get_name() != "DependencyError":
        return None
    found = VANISHED.search(str(fail.get_msg()))
    return found.group(1) if found else None


class RunTotals:
    """What a run did: prompts generated, up to date and failed from its tasks; calls, tokens and money from the
    calls it recorded (`state.ledger`), so a failed prompt's paid calls are in the summary as in the record."""

    def __init__(self) -> None:
        self.generated = self.uptodate = self.failed = self.files = 0
        self.skipped: list[str] = []  # prompts not started because a prompt they import failed (-k)
        self.start = ledger.now()

    def add(self, values: dict[str, Any]) -> None:
        self.generated += 1
        self.files += values["files_written"]

    def line(self, seconds: float) -> str:
        total = self.generated + self.uptodate + self.failed + len(self.skipped)
        spent = ledger.now() - self.start
        if not self.generated and not self.failed and not spent.calls:
            return progress.nothing_to_do(total, seconds)
        parts = [
            f"{progress.plural(total, 'prompt')}: {self.generated} generated ({progress.plural(spent.calls, 'call')}, "
            f"{spent.cache_hits} from cache)",
            f"{self.uptodate} up to date",
        ]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (they depend on a failed prompt)")
        cost = progress.money(spent.cost_usd) + (" + unknown" if spent.unpriced else "")
        tail = (
            f"{progress.plural(self.files, 'file')} written, {progress.tokens(spent.tokens_in)} in / "
            f"{progress.tokens(spent.tokens_out)} out tokens, {cost}"
        )
        if spent.saved_usd:
            tail += f" ({progress.money(spent.saved_usd)} saved by the cache)"
        return ", ".join(parts) + f"; {tail}; {seconds:.1f}s"


class LitReporter(ConsoleReporter):
    desc = "lit: one line per generated prompt and a summary"

    def __init__(self, outstream: Any, options: dict[str, Any]) -> None:
        super().__init__(outstream, options)
        self.totals = RunTotals()
        self.started = time.monotonic()
        self.vanished = 0  # lit tasks that failed because an input was moved or deleted during the run
        self.errors = 0  # failures that are neither a task's own nor a vanished input: a bug, or not lit's task

    def execute_task(self, task: Any) -> None:
        if not _is_lit(task):
            super().execute_task(task)

    def skip_uptodate(self, task: Any) -> None:
        if task.meta and task.meta.get("lit") == "verify":
            return
        if task.meta and task.meta.get("lit") == "prompt":
            self.totals.uptodate += 1
        elif not _is_lit(task):
            super().skip_uptodate(task)

    def add_success(self, task: Any) -> None:
        if task.meta and task.meta.get("lit") == "prompt" and task.values:
            if task.values.get("adopted"):
                self.totals.uptodate += 1  # a stale doit record whose files matched the lock: no call made
            else:
                self.totals.add(task.values)

    def add_failure(self, task: Any, fail: Any) -> None:
        if fail.get_name() == "UnmetDependency":  # -k: not started, because a task it needs failed (said already)
            if task.meta and task.meta.get("lit") == "prompt":
                self.totals.skipped.append(task.meta["prompt"])
            return
        if task.meta and task.meta.get("lit") in ("prompt", "verify"):
            self.totals.failed += 1
            if fail.get_name() == "TaskFailed":
                return  # the action already printed a one-line reason
            missing = vanished_input(fail)
            if missing is not None:
                self.vanished += 1
                progress.emit(
                    "fail",
                    f"FAILED {task.meta['prompt']}: {missing} was moved or deleted while this run was going "
                    "(`lit mv`, a checkout?); run lit again",
                )
                return
        if fail.get_name() != "TaskFailed":
            self.errors += 1
        super().add_failure(task, fail)

    @property
    def failed_only_as_prompts_fail(self) -> bool:
        """doit calls a missing input, and a task not started because one it needs failed, an error (exit 2, which
        lit reports as its own bug): here they were prompts' failures, and nothing else went wrong."""
        return bool(self.vanished or self.totals.skipped) and not self.errors

    def complete_run(self) -> None:
        super().complete_run()
        for key in self.totals.skipped:
            progress.emit("note", f"skipped {key}: it depends on a prompt that failed")
        if self.totals.generated or self.totals.uptodate or self.totals.failed:
            kind = "fail" if self.totals.failed else "summary"
            progress.emit(kind, self.totals.line(time.monotonic() - self.started))
