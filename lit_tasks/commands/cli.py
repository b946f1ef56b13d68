"""The `lit` command line: a git-native workflow over prompts. One module per command in `commands/`.

Exit codes (docs/cli.md): 0 ok, 1 a generation or check failed, 2 usage or configuration error, 3 internal
error (and `lit draft --questions` with questions and no terminal to ask them). A user error prints one message and no traceback (`--debug` shows it). Results go to stdout, messages
to stderr.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import re
import sys
import traceback
from typing import NoReturn

from lit_tasks.io import progress
from lit_tasks.io.errors import LitError
from lit_tasks.io.terminal import EscapingStream
from lit_tasks.version import __version__

WORKFLOW = """\
a day with lit:
  lit init                       create a project (lit.toml, prompts/, code.lock/, first commit)
  lit regenerate -j 8            generate code.lock/ from prompts/, only what is stale
  lit status / lit diff --summary
                                 what changed, what will regenerate and why
  lit commit -m "message"        regenerate what is stale and commit lit's files with their cost
  lit check                      in CI or a pre-commit hook: does code.lock/ match the prompts?

Run `lit COMMAND --help` for a command's options and examples.
"""


class LitParser(argparse.ArgumentParser):
    """argparse, with the nearest command or option suggested for a misspelt one."""

    def error(self, message: str) -> NoReturn:
        from lit_tasks.io.errors import did_you_mean

        choice = re.search(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            where, word, names = choice.group(1), choice.group(2), re.findall(r"'([^']*)'", choice.group(3))
            if where == "COMMAND":
                message = f"unknown command `{word}`{did_you_mean(word, names)}; run `lit --help`"
            else:
                message = f"{where} takes one of {', '.join(names)}, not `{word}`{did_you_mean(word, names)}"
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            options = [o for action in self._actions for o in action.option_strings]
            words = unknown.group(1).split()
            hints = [did_you_mean(word.split("=")[0], options) for word in words if word.startswith("-")]
            message += next((hint for hint in hints if hint), "")
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or only for `command` (what a normal invocation needs)."""
    from lit_tasks.commands import register_all

    parser = LitParser(
        prog="lit",
        description="Prompts are the source, an LLM is the compiler, code.lock/ is the artifact.",
        epilog=WORKFLOW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_all(commands, command)
    return parser


def command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of one `lit` command, as `lit COMMAND` builds it (for the doit commands and the CLI reference)."""
    parser = build_parser(command)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[command]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(next((arg for arg in argv if not arg.startswith("-")), None))
    args, extras = parser.parse_known_args(argv)
    if extras:  # said by the command's own parser: its usage, its options
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        (commands.choices.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(extras)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    stdout, stderr = sys.stdout, sys.stderr  # results and messages name files and model-chosen paths
    sys.stdout, sys.stderr = EscapingStream(stdout), EscapingStream(stderr)  # type: ignore[assignment]
    try:
        return args.func(args)
    except LitError as err:
        if args.debug:
            traceback.print_exc()
        progress.emit("fail", f"error: {err}")
        return err.exit_code
    except KeyboardInterrupt:
        progress.emit("fail", "interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # a bug in lit: say so, with the details needed to report it
        traceback.print_exc()
        progress.emit("fail", "internal error (a bug in lit); please report it with the traceback above")
        return 3
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def entry(argv: list[str] | None = None) -> NoReturn:
    """The `lit` command: `main`, then the exit handlers (the run's record, the sync of what it generated), then
    the process ends without tearing the interpreter down. Finalizing a process that imported the Anthropic SDK
    takes about a second (collecting its thousands of classes and objects), which every generating run and every
    Make recipe would pay after its work is done (docs/performance.md, "Start-up")."""
    code = main(argv)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing left to say
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":  # `python -m lit_tasks.commands.cli`; `python -m lit_tasks` is the short way
    entry()
