"""Finding a project's sources: its prompt files and `module.lit.md` files under prompts/, with their stat.

Every command discovers prompts the same way, here; the stats feed the project index's fingerprint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lit_tasks.io.confined import require_inside, walk_inside
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import MODULE_FILE, PROMPT_SUFFIX, PROMPTS_DIR, is_prompt_file


@dataclass(frozen=True, slots=True)
class Scan:
    """What lives under prompts/: the prompt files and the `module.lit.md` files, each with its stat."""

    prompts: list[tuple[str, os.stat_result]]
    modules: list[tuple[str, os.stat_result]]


def scan_sources(root: Path) -> Scan:
    """Every `*.prompt.md` (and `module.lit.md`) under prompts/ with its stat, sorted by root-relative POSIX path.

    Symlinks are followed while they stay inside the project (a directory once: a loop is skipped); one leading
    out is refused before anything is read through it (`io.confined`). How every command discovers prompts.
    """
    base = root / PROMPTS_DIR
    if not base.is_dir():
        raise ConfigError(f"{base}: no prompts/ directory; create it and write prompts as prompts/**/*{PROMPT_SUFFIX}")
    require_inside(root, PROMPTS_DIR)
    files = walk_inside(root, PROMPTS_DIR, lambda name: is_prompt_file(name) or name == MODULE_FILE)
    prompts = [(rel, st) for rel, st in files if is_prompt_file(rel.rsplit("/", 1)[-1])]
    modules = [(rel, st) for rel, st in files if rel.rsplit("/", 1)[-1] == MODULE_FILE]
    return Scan(prompts, modules)


def discover_prompts(root: Path) -> list[str]:
    """Every `*.prompt.md` under prompts/, sorted, as root-relative POSIX paths; symlink loops are skipped."""
    return [rel for rel, _ in scan_sources(root).prompts]
