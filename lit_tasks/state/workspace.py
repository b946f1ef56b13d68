"""A project's workspace: its root and everything lit keeps under it, as the one object the state layer is handed.

Every path of `.lit/` is named here, once, and the stores that keep something between two reads in one run hang
off the workspace: the committed lock (`lock`, each entry read once per run), the response cache and the
frontmatter parse cache. A run's workspace is made when its project is loaded (`LazyProject.load`) and lives
as long as the run; a read that must see what another run wrote meanwhile (under a prompt's lock) asks the
store for it fresh. Stores are made on first use, so a run imports only what it touches.

What is committed and what is local (`.lit/.gitignore`, which every run keeps exactly as lit wrote it):
`lock/`, `generations/`, `patches/` and `manifests/` are committed; the rest is local state.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.hashing import read_regular
from lit_tasks.model.paths import CODE_DIR, lock_path, patch_rel

if TYPE_CHECKING:
    from lit_tasks.state.lock import LockStore
    from lit_tasks.state.response_cache import ResponseCache

STATE_DIR = ".lit"
DB_FILE = "doit.sqlite"
EVENTS_FILE = "events.jsonl"

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


class Workspace:
    """The root of one lit project and the places under it that lit reads and writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.code_dir = root / CODE_DIR
        self.state_dir = root / STATE_DIR
        self.cache_dir = self.state_dir / "cache"
        self.db_file = self.state_dir / DB_FILE
        self.events_file = self.state_dir / EVENTS_FILE
        self.runs_dir = self.state_dir / "runs"  # one registration per running process
        self.locks_dir = self.state_dir / "locks"  # one lock file per prompt
        self.batches_dir = self.state_dir / "batches"  # batches sent and not yet collected
        self.records_dir = self.state_dir / "generations"
        self.index_file = self.cache_dir / "index.json"
        self.stamp_file = self.cache_dir / "up_to_date.json"
        self.prompts_cache_file = self.cache_dir / "prompts.json"
        self.hashes_file = self.cache_dir / "hashes.msgpack"
        self.trust_file = self.cache_dir / "trusted.json"  # `trust_memo`
        self.responses_dir = self.cache_dir / "responses"
        self.generated_pack = self.cache_dir / "generated.pack"
        self.merge_repo = self.cache_dir / "merge.git"
        self.conflicts_dir = self.cache_dir / "conflicts"
        self._stores: dict[str, object] = {}
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def lock_file(self, key: str) -> Path:
        return lock_path(self.root, key)

    def patch_file(self, output: str) -> Path:
        return self.root / patch_rel(output)

    def ensure_state_dir(self) -> Path:
        """Create .lit/ with its own .gitignore, so a project needs no root entries and `git add -A` is safe."""
        self.state_dir.mkdir(exist_ok=True)
        ignore = self.state_dir / ".gitignore"
        try:
            current = read_regular(ignore).decode("utf-8", "replace")
        except OSError:  # missing, or not a file (never read, never waited on): written anew
            current = ""
        if current != STATE_GITIGNORE:  # lit's own file: kept exactly up to date
            write_atomic(ignore, STATE_GITIGNORE.encode())
        return self.state_dir

    # Each store is made once per workspace (under a lock: two threads may ask first at once), then is a plain
    # attribute of it (cached_property): the lock store is reached a few times per prompt in `lit check`.
    @cached_property
    def lock(self) -> LockStore:
        """The committed lock: lock entries, read once per run."""
        from lit_tasks.state.lock import LockStore

        return self._once("lock", LockStore)

    @cached_property
    def responses(self) -> ResponseCache:
        from lit_tasks.state.response_cache import ResponseCache  # pydantic: only when a call is answered

        return self._once("responses", ResponseCache)

    def _once(self, name: str, make: type) -> Any:
        with self._guard:
            store = self._stores.get(name)
            if store is None:
                store = self._stores[name] = make(self)
            return store
