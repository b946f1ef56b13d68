"""`python -m lit_tasks`: the `lit` command, for when the console script is not on PATH."""

from lit_tasks.commands.cli import entry

entry()
