"""`lit makedeps`: the prompt graph as Make rules, so an existing Makefile can drive generation.

Each prompt becomes one rule whose targets are its outputs (a GNU Make 4.3 grouped target, `&:`, so one recipe
makes them all) and whose prerequisites are the prompt, its imports' outputs, its guideline files and lit.toml;
lit.toml's `[[static]]` files get one more rule.
The recipe runs `lit regenerate <prompt>` and then touches the outputs: lit leaves a file it generated
identically untouched (early cutoff), and without the touch Make would consider it out of date forever. Make
decides by timestamps, lit by content, so a recipe that runs can still make no call.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from lit_tasks.commands.common import add_parser, load_lazy_here
from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import CODE_DIR, CONFIG_FILE, awkward_char, find_root, relpath_posix
from lit_tasks.state.index import LazyProject

EXAMPLES = """\
  lit makedeps > lit.mk                   rules for every prompt; in the Makefile: `include lit.mk`
  lit makedeps --target code > lit.mk     name the target that builds everything `code` (default: lit)
  lit makedeps --project services/api     a project below the current directory (paths stay relative to here)
  make LIT=.venv/bin/lit                  the lit to run (default: `lit` on PATH)
Paths are written relative to the current directory, so run it where the Makefile is.
Run it again when prompts, imports or outputs change (a new prompt has no rule until then).
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "makedeps",
        "print Make rules that regenerate each prompt's outputs",
        "Print GNU Make rules for this project: each prompt's outputs depend on the prompt and on its imports' "
        "outputs, and are made by `lit regenerate <prompt>`.",
        EXAMPLES,
    )
    p.add_argument("--target", default="lit", help="the phony target that builds every output (default: lit)")
    p.add_argument("--project", metavar="DIR", help="the lit project (default: the one around the current directory)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.project:
        lazy, cwd = LazyProject.load(find_root(Path(args.project).resolve())), Path.cwd()
    else:
        lazy, cwd = load_lazy_here()
    sys.stdout.write(make_rules(lazy, cwd, args.target))
    return 0


def make_rules(lazy: LazyProject, cwd: Path, target: str) -> str:
    index = lazy.index
    if index.unplanned:
        raise LitError(
            "these prompts are not planned yet, so their outputs are unknown: "
            + ", ".join(sorted(index.unplanned))
            + "; run `lit regenerate` once (it plans them), then `lit makedeps` again"
        )

    def here(rel: str) -> str:
        return _escape(relpath_posix(lazy.root / rel, cwd))

    def shell(rel: str) -> str:
        return _recipe_word(relpath_posix(lazy.root / rel, cwd))

    root = _recipe_word(relpath_posix(lazy.root, cwd))
    lines = [
        f"# Make rules for the lit project {index.name}, written by `lit makedeps` (do not edit: regenerate).",
        "LIT ?= lit",
        "lit_default_goal := $(.DEFAULT_GOAL)",
        "",
    ]
    every: list[str] = []
    for key in index.order:
        entry = index.prompts[key]
        outputs = [here(f"{CODE_DIR}/{out}") for out in entry.outputs]
        inputs = [
            here(key),
            *(here(f"{CODE_DIR}/{p}") for p in entry.import_outputs),
            *(here(c) for c in entry.context),
            here(CONFIG_FILE),
        ]
        every.extend(outputs)
        lines.append(f"{' '.join(outputs)} &: {' '.join(inputs)}")
        lines.append(f"\tcd {root} && $(LIT) regenerate {_recipe_word(key)}")
        lines.append(f"\ttouch {' '.join(shell(f'{CODE_DIR}/{out}') for out in entry.outputs)}")
        lines.append("")
    static = [here(f"{CODE_DIR}/{s.path}") for s in index.static]
    if static:
        every.extend(static)
        lines.append(f"{' '.join(static)} &: {here(CONFIG_FILE)}")
        lines.append(f"\tcd {root} && $(LIT) regenerate --static-only")
        lines.append(f"\ttouch {' '.join(shell(f'{CODE_DIR}/{s.path}') for s in index.static)}")
        lines.append("")
    lines.append(f".PHONY: {target}")
    lines.append(f"{target}: {' '.join(every)}")
    lines.append("# Including these rules does not change the Makefile's default goal.")
    lines.append(".DEFAULT_GOAL := $(lit_default_goal)")
    lines.append("")
    return "\n".join(lines)


def _recipe_word(path: str) -> str:
    """A path as one word of a recipe line: quoted for the shell, `$` doubled for Make (which expands it first)."""
    return shlex.quote(path).replace("$", "$$")


def _escape(path: str) -> str:
    """A path as a Make word: spaces, `#`, `$` and `:` escaped (Make has no quoting)."""
    awkward = awkward_char(path)
    if awkward is not None:
        raise LitError(f"{path!r} has {awkward}: Make rules cannot name it; rename it (`lit mv`)")
    return path.replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ").replace(":", "\\:")
