"""Running lit's doit tasks in-process for `lit regenerate` (no dodo.py needed: v1 projects have none)."""

from __future__ import annotations

import sys

from doit.cmd_base import ModuleTaskLoader
from doit.doit_cmd import DoitMain

from lit_tasks.engine.dodo import LitProject, doit_config, install_sigterm_handler
from lit_tasks.engine.options import RunOptions
from lit_tasks.engine.reporter import LitReporter
from lit_tasks.engine.rules import DEFAULT_BASENAME, static_task_name, task_name, verify_basename
from lit_tasks.io import progress
from lit_tasks.state.index import LazyProject

# doit: 0 ok, 1 a task failed, 2 a task raised (a bug in lit: our failures are TaskFailed), 3 before running.
EXIT_CODES = {0: 0, 1: 1, 2: 3, 3: 3}


def selection(lazy: LazyProject, keys: list[str], *, static_only: bool = False) -> list[str]:
    """doit's task names for `keys` (every task when there are none). `[[static]]` files come with every run,
    as in lit v1: whichever prompts a run selects, lit.toml's static files are written when they are not."""
    static = [f"{DEFAULT_BASENAME}:{static_task_name(s.path)}" for s in lazy.index.static]
    if static_only:
        return static
    if not keys:
        return [DEFAULT_BASENAME]
    verified = [key for key in keys if lazy.index.prompts[key].verify]
    return (
        [f"{DEFAULT_BASENAME}:{task_name(key)}" for key in keys]
        + [f"{verify_basename(DEFAULT_BASENAME)}:{task_name(key)}" for key in verified]
        + static
    )


def run_doit(
    lazy: LazyProject,
    keys: list[str],
    *,
    jobs: int,
    options: RunOptions,
    static_only: bool = False,
    keep_going: bool = False,
) -> int:
    """Run the tasks for `keys` (all prompts when empty) and what they import; returns lit's exit code."""
    install_sigterm_handler()
    creator = LitProject(lazy.root, DEFAULT_BASENAME, options=options, lazy=lazy)
    reporter = LitReporter(sys.stdout, {"failure_verbosity": 0})
    if options.only is not None:  # the prompts given no task: the run's status proved them up to date
        reporter.totals.uptodate = len(lazy.index.prompts) - len(options.only)
    namespace = {"DOIT_CONFIG": doit_config(lazy.root) | {"reporter": reporter}, "lit_project": creator}
    if lazy.index.inferred:
        namespace["lit_plan"] = creator.planner
    argv = ["run", *(["--continue"] if keep_going else [])]
    if jobs > 1:
        argv += ["-n", str(jobs), "-P", "thread"]
    argv += selection(lazy, keys, static_only=static_only)
    try:
        rc = DoitMain(ModuleTaskLoader(namespace), config_filenames=()).run(argv)
    finally:
        progress.forget_projects()
        if "lit_tasks.state.records" in sys.modules:  # only a run that generated something has a record to close
            sys.modules["lit_tasks.state.records"].finish_all()
    if rc == 2 and reporter.failed_only_as_prompts_fail:
        return 1  # a prompt moved or deleted mid-run, or one skipped past a failure (-k): prompts' failures
    return EXIT_CODES.get(rc, 3)
