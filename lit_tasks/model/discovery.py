"""Finding a project's sources: its prompt files and `module.lit.md` files under prompts/, with their stat.

Every command discovers prompts the same way, here; the stats feed the project index's fingerprint.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import MODULE_FILE, PROMPT_SUFFIX, PROMPTS_DIR, is_prompt_file


@dataclass(frozen=True, slots=True)
class Scan:
    """What lives under prompts/: the prompt files and the `module.lit.md` files, each with its stat."""

    prompts: list[tuple[str, os.stat_result]]
    modules: list[tuple[str, os.stat_result]]


def scan_sources(root: Path) -> Scan:
    """Every `*.prompt.md` (and `module.lit.md`) under prompts/ with its stat, sorted by root-relative POSIX path.

    Symlinked directories are followed once (a loop is skipped); how every command discovers prompts.
    """
    base = root / PROMPTS_DIR
    if not base.is_dir():
        raise ConfigError(f"{base}: no prompts/ directory; create it and write prompts as prompts/**/*{PROMPT_SUFFIX}")
    found: list[tuple[str, os.stat_result]] = []
    modules: list[tuple[str, os.stat_result]] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in filenames:
            into = found if is_prompt_file(name) else modules if name == MODULE_FILE else None
            if into is None:
                continue
            try:
                file_st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue  # a dangling symlink is not a prompt
            if stat.S_ISREG(file_st.st_mode):
                into.append((f"{rel_dir}/{name}", file_st))
    return Scan(sorted(found, key=lambda item: item[0]), sorted(modules, key=lambda item: item[0]))


def discover_prompts(root: Path) -> list[str]:
    """Every `*.prompt.md` under prompts/, sorted, as root-relative POSIX paths; symlink loops are skipped."""
    return [rel for rel, _ in scan_sources(root).prompts]
