"""The `lit` command line.

Exit codes (DESIGN §6): 0 ok, 1 a generation or check failed, 2 usage or configuration error, 3 internal
error. A user error prints one message and no traceback; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from . import __version__, progress
from .config import find_root
from .errors import LitError, UsageError
from .paths import PROMPT_SUFFIX, relpath_posix
from .project import Project, load_project

EXAMPLES_REGENERATE = """\
examples:
  lit regenerate                      generate every stale prompt of the project
  lit regenerate -j 8                 ... with up to 8 prompts in flight at once
  lit regenerate prompts/api          the prompts under prompts/api and what they import
  lit regenerate prompts/cli.prompt.md --force
                                      regenerate one prompt even if it is up to date
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lit",
        description="Prompts are the source, an LLM is the compiler, code.lock/ is the artifact.",
        epilog="Run `lit COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"lit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    regen = commands.add_parser(
        "regenerate",
        help="generate code.lock/ from the prompts (runs the doit tasks)",
        description="Generate what is stale, in dependency order, in parallel, skipping what is up to date.",
        epilog=EXAMPLES_REGENERATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    regen.add_argument("paths", nargs="*", metavar="PATH", help="prompt files or directories (default: all)")
    regen.add_argument("-j", "--jobs", type=int, default=4, metavar="N", help="prompts generated at once (default 4)")
    regen.add_argument("--force", action="store_true", help="regenerate the selected prompts even if up to date")
    regen.add_argument("--no-cache", action="store_true", help="do not answer from the local response cache")
    regen.add_argument("--all", action="store_true", help="all prompts (the default; kept for lit v1 scripts)")
    regen.set_defaults(func=cmd_regenerate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
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
    except Exception:  # a bug in lit: say so, with the details needed to report it
        traceback.print_exc()
        progress.emit("fail", "internal error (a bug in lit); please report it with the traceback above")
        return 3


def select_prompts(project: Project, paths: list[str], cwd: Path) -> list[str]:
    """Prompt keys for PATH arguments (files or directories, relative to the current directory)."""
    keys: list[str] = []
    for raw in paths:
        target = (cwd / raw).resolve()
        rel = relpath_posix(target, project.root)
        if rel.startswith(".."):
            raise UsageError(f"{raw} is outside the project at {project.root}")
        if rel == ".":
            return list(project.graph.order)
        if target.is_dir():
            found = [k for k in project.graph.order if k.startswith(rel + "/")]
            if not found:
                raise UsageError(f"{raw}: no prompts under this directory")
            keys.extend(found)
        elif rel in project.graph.prompts:
            keys.append(rel)
        else:
            hint = "" if rel.endswith(PROMPT_SUFFIX) else f" (prompt files end in {PROMPT_SUFFIX})"
            raise UsageError(f"{raw} is not a prompt of this project{hint}")
    return list(dict.fromkeys(keys))


def cmd_regenerate(args: argparse.Namespace) -> int:
    from .runner import run_doit

    if args.jobs < 1:
        raise UsageError("-j/--jobs must be at least 1")
    cwd = Path.cwd()
    project = load_project(find_root(cwd))
    for warning in project.warnings:
        progress.emit("warn", f"warning: {warning}")
    keys = select_prompts(project, args.paths, cwd)
    os.chdir(project.root)
    return run_doit(project, keys, jobs=args.jobs, force=args.force, use_cache=not args.no_cache)
