"""commands, the top layer: the `lit` command line (`cli`, then one module per command; each registers its
parser, with examples, and implements `run(args)`) and the `doit lit-*` commands (`doit_plugin`).

`lit COMMAND` imports only that command's module: importing all of them costs more than a no-op run's whole
task-creation step. `lit --help` (or an unknown command) registers every one, to list them.
"""

from __future__ import annotations

import argparse
import importlib

MODULES = (
    "init",
    "draft",
    "status",
    "diff",
    "regenerate",
    "commit",
    "resolve",
    "git_setup",
    "log",
    "checkout",
    "check",
    "cost",
    "patch",
    "mv",
    "graph",
    "makedeps",
    "debug",
    "serve",
    "remote",
)
# command name -> the module that registers it (a module may register several commands)
COMMANDS = {name: name for name in MODULES if name not in ("remote", "git_setup")} | {
    "git-setup": "git_setup",
    "merge-driver": "git_setup",
    "push": "remote",
    "pull": "remote",
    "clone": "remote",
}


def register_all(commands: argparse._SubParsersAction, only: str | None = None) -> None:
    """Register every command, or only `only` when it names one."""
    for module in [COMMANDS[only]] if only in COMMANDS else MODULES:
        importlib.import_module(f"{__name__}.{module}").register(commands)
