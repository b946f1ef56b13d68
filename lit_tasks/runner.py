"""Running lit's doit tasks in-process for `lit regenerate` (no dodo.py needed: v1 projects have none)."""

from __future__ import annotations

from doit.cmd_base import ModuleTaskLoader
from doit.doit_cmd import DoitMain

from .dodo import LitProject, doit_config, install_sigterm_handler
from .generation import RunOptions
from .project import Project
from .records import finish_all
from .rules import DEFAULT_BASENAME

# doit: 0 ok, 1 a task failed, 2 a task raised (a bug in lit: our failures are TaskFailed), 3 before running.
EXIT_CODES = {0: 0, 1: 1, 2: 3, 3: 3}


def run_doit(project: Project, keys: list[str], *, jobs: int, options: RunOptions) -> int:
    """Run the tasks for `keys` (all prompts when empty) and what they import; returns lit's exit code."""
    install_sigterm_handler()
    creator = LitProject(project.root, DEFAULT_BASENAME, options=options, project=project)
    namespace = {"DOIT_CONFIG": doit_config(project.root), "lit_project": creator}
    argv = ["run"]
    if jobs > 1:
        argv += ["-n", str(jobs), "-P", "thread"]
    if options.force:
        argv.append("--always-execute")
    argv += [f"{DEFAULT_BASENAME}:{key}" for key in keys] or [DEFAULT_BASENAME]
    try:
        rc = DoitMain(ModuleTaskLoader(namespace), config_filenames=()).run(argv)
    finally:
        finish_all()
    return EXIT_CODES.get(rc, 3)
