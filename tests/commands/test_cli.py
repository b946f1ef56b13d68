"""The command line: each invocation loads only its command, and every command is reachable and documented."""

from __future__ import annotations

import argparse

import pytest

from lit_tasks.commands import COMMANDS
from lit_tasks.commands.cli import build_parser, main


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_command_table_names_every_registered_command_and_its_module() -> None:
    everything = subcommands(build_parser())
    assert set(everything) == set(COMMANDS)
    for name, module in COMMANDS.items():
        alone = subcommands(build_parser(name))
        assert name in alone, f"{module} does not register {name}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_a_misspelt_command_or_option_gets_the_nearest_and_the_commands_own_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, said, usage in (
        (["regenrate"], "lit: error: unknown command `regenrate` (did you mean `regenerate`?)", "usage: lit [-h]"),
        (["regenerate", "--dryrun"], "(did you mean `--dry-run`?)", "usage: lit regenerate [-h]"),
        (["cost", "--by", "modle"], "--by takes one of prompt, model, role, day, not `modle`", "usage: lit cost"),
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and said in err and err.startswith(usage), (argv, err)
