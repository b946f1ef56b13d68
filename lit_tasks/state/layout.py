"""`.lit/`, lit's state directory: what in it is committed and what is local."""

from __future__ import annotations

from pathlib import Path

from lit_tasks.io.atomic import write_atomic

STATE_DIR = ".lit"
DB_FILE = "doit.sqlite"


STATE_GITIGNORE = """\
# Written by lit: local state that must never be committed.
# Committed state (lock/, generations/, patches/, manifests/) is not listed here.
batches/
cache/
doit.sqlite
doit.sqlite-journal
events.jsonl
locks/
runs/
run.lock
*.lit-tmp
"""


def ensure_state_dir(root: Path) -> Path:
    """Create .lit/ with its own .gitignore, so a project needs no root entries and `git add -A` is safe."""
    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    try:
        current = ignore.read_text()
    except FileNotFoundError:
        current = ""
    if current != STATE_GITIGNORE:  # lit's own file: kept exactly up to date
        write_atomic(ignore, STATE_GITIGNORE.encode())
    return state
