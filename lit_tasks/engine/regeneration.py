"""One regeneration of a project, whoever asks for it (`lit regenerate`, `lit commit`): the no-op proof, the plan
and its budget, run registration, orphans, then doit.

The commands parse their arguments into a `Regeneration` and call `regenerate`; `doit regenerate` reaches the
same tasks through the dodo (`dodo.LitProject`), less the no-op proof and the orphan removal, which only a
run that knows it selected the whole project may do. Nothing heavy is imported before it is needed: a no-op
proves itself without doit, pydantic or a provider.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lit_tasks.io import progress
from lit_tasks.io.errors import UsageError
from lit_tasks.state import locks

if TYPE_CHECKING:
    from lit_tasks.engine.options import RunOptions
    from lit_tasks.engine.run_plan import Plan
    from lit_tasks.llm.batcher import Batcher
    from lit_tasks.llm.budget import Budget
    from lit_tasks.model.discovery import Scan
    from lit_tasks.state.index import LazyProject
    from lit_tasks.state.status import ProjectStatus
    from lit_tasks.state.workspace import Workspace

MAX_BATCH_JOBS = 512  # threads doit may run in batch mode: a wider wave goes out as more than one batch
DEFAULT_JOBS = 4


@dataclass(frozen=True)
class Regeneration:
    """What a regeneration is asked to do: the selected prompts (none: all) and the run's switches."""

    keys: tuple[str, ...] = ()
    jobs: int | None = None  # prompts in flight at once (default 4; with `batch`, the whole selection)
    force: bool = False  # the selected prompts even if up to date, over hand edits
    use_cache: bool = True
    dry_run: bool = False  # print the plan, make no call
    max_cost: float | None = None  # the run's spending limit (else lit.toml's [budget])
    static_only: bool = False  # lit.toml's [[static]] files only
    batch: bool = False  # each wave of ready prompts as one batch
    batch_poll_s: float | None = None
    keep_going: bool = False  # past a failed prompt, build every prompt that does not depend on it (-k)
    started: float = field(default_factory=time.time)

    def check(self) -> None:
        """A UsageError for switches that contradict each other or make no sense, before anything is read."""
        if self.jobs is not None and self.jobs < 1:
            raise UsageError("-j/--jobs must be at least 1")
        if self.batch_poll_s is not None and self.batch_poll_s <= 0:
            raise UsageError("--batch-poll must be more than 0 seconds")
        if self.static_only and self.keys:
            raise UsageError("--static-only writes lit.toml's static files only; give no PATH with it")
        if self.max_cost is not None and self.max_cost < 0:
            raise UsageError(f"--max-cost {self.max_cost:g}: a spending limit is a number of dollars, 0 or more")

    @property
    def batching(self) -> bool:
        return self.batch and not self.static_only


def regenerate(lazy: LazyProject, asked: Regeneration) -> int:
    """Run the regeneration `asked` for; returns lit's exit code (0 done, 1 a prompt failed)."""
    asked.check()
    if not lazy.index.prompts:
        progress.emit(
            "note", "no prompts yet: write prompts/<name>.prompt.md (frontmatter `outputs:`, then the specification)"
        )
        return 0
    prepared = prepare(lazy, asked)  # its plan and the project's status are let go before doit runs
    if prepared is None:
        return 0
    jobs, options = prepared
    return run_registered(lazy, list(asked.keys), jobs, options, asked.static_only, asked.keep_going)


def prepare(lazy: LazyProject, asked: Regeneration) -> tuple[int, RunOptions] | None:
    """The run's jobs and options, after its plan is checked (and priced, or printed for a dry run); None when
    there is nothing to run."""
    keys = list(asked.keys)
    status = None
    if not (asked.force or asked.dry_run or asked.static_only):
        if nothing_to_do(lazy, keys, asked.started):
            return None
        if not keys:
            from lit_tasks.state.status import project_status

            status = project_status(lazy.workspace, lazy.index)
            if proven_current(lazy, status, asked.started):
                return None
    forced = frozenset(keys or lazy.index.order) if asked.force else frozenset()  # named prompts, not imports
    wave = batch_preflight(lazy, keys) if asked.batching else DEFAULT_JOBS  # checks every provider can batch
    jobs = asked.jobs or wave
    budget = None
    plan = None
    if not asked.static_only:
        from lit_tasks.engine.preflight import preflight

        plan = batch_priced(planned(lazy, keys, forced, status), asked.batching)
        preflight(lazy, plan)  # a missing key, an unknown model: exit 2 before any call
        if not asked.dry_run and not keys:
            from lit_tasks.engine.batch_settlement import settle_unclaimed

            settle_unclaimed(lazy, plan, asked.started)  # answers paid for in a batch that no run will ask for
    if not asked.static_only and (
        asked.dry_run or asked.max_cost is not None or lazy.index.max_usd_per_run is not None
    ):
        if asked.dry_run:
            print("\n".join(plan.lines()))
            return None
        limit = asked.max_cost if asked.max_cost is not None else lazy.project.config.budget.max_usd_per_run
        budget = within_budget(plan, limit)
    from lit_tasks.engine.options import RunOptions

    stale = frozenset(i.prompt for i in plan.items if not i.via_import) if plan is not None else frozenset()
    options = RunOptions(
        use_cache=asked.use_cache,
        forced=forced,
        stale=stale,
        only=planned_tasks(lazy, plan, status),
        budget=budget,
        started=asked.started,
        **batch_options(asked.batching, asked.batch_poll_s),
    )
    return jobs, options


def nothing_to_do(lazy: LazyProject, keys: list[str], started: float) -> bool:
    """When the last full run's proof holds, say so: doit need not even be loaded."""
    from lit_tasks.state.up_to_date import is_up_to_date

    if not is_up_to_date(lazy.workspace, lazy.index):
        return False
    locks.sweep_dead(lazy.workspace)  # a run killed since the stamp left temp files: no run registers to sweep them
    selected = len(lazy.index.closure(keys)) if keys else len(lazy.index.prompts)
    seconds = time.time() - started
    progress.emit("summary", progress.nothing_to_do(selected, seconds))
    return True


def proven_current(lazy: LazyProject, status: ProjectStatus, started: float) -> bool:
    """When no stamp holds but the lock proves the whole project current (a fresh clone), say so: doit need not
    be loaded, and the stamp spares the next run even this check."""
    from lit_tasks.state.up_to_date import proven_by_lock, record_up_to_date

    if not proven_by_lock(lazy.workspace, lazy.index, status):
        return False
    locks.join_run(lazy.workspace)  # a registered run: it sweeps what a killed run left, as any run does
    try:
        record_up_to_date(lazy.workspace, lazy.index, status.versions)
    finally:
        locks.leave_run(lazy.workspace)
    seconds = time.time() - started
    progress.emit("summary", progress.nothing_to_do(len(status.prompts), seconds))
    return True


def proven_unloaded(workspace: Workspace, scan: Scan, started: float) -> bool:
    """Where no index holds (a fresh clone), the committed lock alone may prove the whole project current: then
    say so, as `proven_current` does, without loading a prompt (`state.lock_proof`)."""
    from lit_tasks.state.lock_proof import proven_by_committed_lock

    if proven_by_committed_lock(workspace, scan) is None:
        return False
    locks.sweep_dead(workspace)  # what a killed run left, as any run sweeps it
    seconds = time.time() - started
    progress.emit("summary", progress.nothing_to_do(len(scan.prompts), seconds))
    return True


def planned_tasks(lazy: LazyProject, plan: Plan | None, status: ProjectStatus | None) -> frozenset[str] | None:
    """The prompts a whole-project run gives doit tasks: its plan's (stale, or importing one) and those whose
    verification has not passed; `status` proved every other one matches its lock. doit then loads and checks
    the tasks of what changed, not of the whole project. None (every prompt) when no status of the whole
    project was made (named prompts, `--force`) or prompts are planned by the run itself (`inferred`)."""
    if plan is None or status is None or lazy.index.inferred:
        return None
    selected = frozenset(item.prompt for item in plan.items) | frozenset(s.prompt for s in status.unverified)
    return None if len(selected) == len(lazy.index.prompts) else selected  # a first build: every prompt


def planned(lazy: LazyProject, keys: list[str], forced: frozenset[str], status: ProjectStatus | None) -> Plan:
    from lit_tasks.engine.run_plan import make_plan

    return make_plan(lazy, keys or None, forced=forced, status=status)


def within_budget(plan: Plan, limit: float) -> Budget:
    """The run's budget, after printing the plan; refuses a plan estimated over the limit, or unpriced."""
    from lit_tasks.llm.budget import Budget

    for line in plan.lines():
        progress.emit("note", line)
    if plan.unpriced:
        raise UsageError(
            f"no price is known for the model of {plan.unpriced[0]}; set [model.pricing] to use a spending limit"
        )
    if plan.estimate > limit:
        raise UsageError(
            f"the plan is estimated at {progress.money(plan.estimate)}, over the limit of {progress.money(limit)}; "
            "raise --max-cost, or regenerate fewer prompts (lit regenerate PATH)"
        )
    return Budget(limit)


def run_registered(
    lazy: LazyProject, keys: list[str], jobs: int, options: RunOptions, static_only: bool, keep_going: bool = False
) -> int:
    """Run doit as a registered run: orphans removed first, the no-op proof recorded after a full success."""
    from lit_tasks.engine.runner import run_doit
    from lit_tasks.state.orphans import remove_orphans
    from lit_tasks.state.up_to_date import record_up_to_date

    workspace = lazy.workspace
    locks.join_run(workspace)
    old = os.getcwd()
    try:
        removed, kept = remove_orphans(workspace, lazy.index)
        for orphan in removed:
            progress.emit("note", f"removed code.lock/{orphan.path}: no prompt declares it (was {orphan.prompt})")
        for orphan in kept:
            progress.emit("warn", f"kept code.lock/{orphan.path}: no prompt declares it, but it was edited by hand")
        os.chdir(workspace.root)
        rc = run_doit(lazy, keys, jobs=jobs, options=options, static_only=static_only, keep_going=keep_going)
        if rc == 0 and not keys and not static_only:
            record_up_to_date(workspace, lazy.index)
        return rc
    finally:
        os.chdir(old)
        locks.leave_run(workspace)


def batch_preflight(lazy: LazyProject, keys: list[str]) -> int:
    """`--batch` needs a batch API for every provider the run may call (local ones never batch); returns the
    default -j: every task of the selection at once, so that a whole wave can wait in one batch."""
    from lit_tasks.llm.batch_api import supports_batch

    project = lazy.project
    selected = sorted(project.graph.closure(keys)) if keys else list(project.graph.order)
    verified = [key for key in selected if project.verify_commands(key) or project.review_enabled(key)]
    for key in selected:
        roles = [
            "generate",
            *(["fix", "review"] if key in verified else []),
            *(["plan"] if key in lazy.index.inferred else []),
        ]
        for role in roles:
            provider = project.settings(key, role).provider
            if not supports_batch(provider):
                raise UsageError(f"--batch: provider `{provider}` ({key}) has no batch API; run without --batch")
    return min(MAX_BATCH_JOBS, len(selected) + len(verified))


def batch_priced(plan: Plan, batching: bool) -> Plan:
    """The plan as the run will pay for it: at batch rates with `--batch`."""
    from lit_tasks.engine.run_plan import at_batch_rates

    return at_batch_rates(plan) if batching else plan


def batch_options(batching: bool, poll_s: float | None) -> dict[str, Batcher | float]:
    """The run's batch switches: its batcher with `--batch`, and how often to poll any batch it waits for."""
    from lit_tasks.engine.options import BATCH_POLL_S

    options: dict[str, Batcher | float] = {"batch_poll_s": poll_s or BATCH_POLL_S}
    if batching:
        from lit_tasks.llm.batcher import Batcher

        options["batcher"] = Batcher(options["batch_poll_s"])
    return options
