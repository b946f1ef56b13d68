"""lit's reports as doit commands: `doit lit-cost`, `doit lit-check`, `doit lit-status`.

Registered through doit's `doit.COMMAND` entry points (pyproject.toml), so a doit user never leaves doit. Each
command's options are read from the real `lit` command's argparse parser, so the two cannot drift apart; the
`lit-` prefix keeps the names clear of task names (doit refuses a task named like a command). `--project DIR`
points at a lit project embedded below the current directory.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from doit.cmd_base import Command

PROJECT_OPTION = {
    "name": "project",
    "long": "project",
    "type": str,
    "default": "",
    "help": "the lit project's directory (default: the one around the current directory)",
}


def _lit_options(command: str) -> list[argparse.Action]:
    from lit_tasks.commands.cli import command_parser

    return [a for a in command_parser(command)._actions if a.option_strings and a.dest != "help"]


def _doit_option(action: argparse.Action) -> dict[str, Any]:
    """An argparse option as doit's option dict: flags stay flags, everything else takes one string."""
    flag = isinstance(action, argparse._StoreTrueAction)
    long = next((o[2:] for o in action.option_strings if o.startswith("--")), action.dest)
    option = {"name": action.dest, "long": long, "type": bool if flag else str, "default": False if flag else ""}
    option["help"] = (action.help or "") + (f" ({', '.join(action.choices)})" if action.choices else "")
    return option


def lit_command(command: str, purpose: str) -> type[Command]:
    """A doit command class that runs `lit <command>` with the options given to doit."""
    options = _lit_options(command)

    def execute(self: Command, params: dict[str, Any], args: list[str]) -> int:
        from lit_tasks.commands.cli import main

        argv = [command]
        for action in options:
            value = params[action.dest]
            if value is True:
                argv.append(action.option_strings[-1])
            elif value not in (False, "", None):
                argv += [action.option_strings[-1], str(value)]
        project = params["project"]
        if project and not os.path.isdir(project):
            from lit_tasks.io import progress

            progress.emit("fail", f"error: --project {project}: no such directory")
            return 2
        old = os.getcwd()
        try:
            if project:
                os.chdir(project)
            return main(argv + list(args))
        finally:
            os.chdir(old)

    return type(
        f"Lit{command.title()}",
        (Command,),
        {
            "name": f"lit-{command}",
            "doc_purpose": purpose,
            "doc_usage": "[--project DIR] [options]",
            "doc_description": f"Runs `lit {command}`; see `lit {command} --help` for what it reports.",
            "cmd_options": (PROJECT_OPTION, *(_doit_option(a) for a in options)),
            "execute": execute,
        },
    )


LitCost = lit_command("cost", "lit: what generation runs cost, from the committed records")
LitCheck = lit_command("check", "lit: is code.lock/ up to date with the prompts? (no network, no key)")
LitStatus = lit_command("status", "lit: which prompts are stale, and why")
