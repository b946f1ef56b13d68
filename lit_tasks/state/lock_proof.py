"""A fresh clone proven current from its committed lock alone, without loading the project.

A clone has no `.lit/cache`, so the first run would load every prompt (pydantic, the graph, the settings) only to
find what the lock already says. Each lock entry's `source` (`model.lock_source`) ties the values lit derived
from lit.toml and the module files to those files' bytes. Where lit.toml and the modules hash to what every
entry was derived from, an index is built from the entries themselves, and the same status and proof that a
loaded project gets (`project_status`, `proven_by_lock`) judge it: every prompt's bytes, guideline file, patch,
import and output against its entry, deleted prompts, `[[static]]` files and pending batches. So the fast path
misses nothing the full one sees; whatever does not hold (an entry from an older lit, an edited lit.toml, one
changed prompt) falls back to loading the project. It is tried only where no prompt file is a version a status
on this machine has judged (`hash_cache`): a checkout judged before whose index no longer holds had a prompt, or
lit, change since, and loading it at once spares a proof that could only fail.

Paths come from committed entries, so they are confined first, as a load confines them: outputs inside
`code.lock/` (links included), guideline files and `[[static]]` files inside the project.
"""

from __future__ import annotations

import tomllib

from lit_tasks.io.confined import read_inside, require_inside
from lit_tasks.io.errors import LitError
from lit_tasks.io.hashing import stat_key
from lit_tasks.model.discovery import Scan, scan_sources
from lit_tasks.model.lock_source import entry_source, project_source_at
from lit_tasks.model.paths import CODE_DIR, CONFIG_FILE, Sandbox, list_patches, normalise_relpath
from lit_tasks.state import hash_cache
from lit_tasks.state.index import FORMAT, ProjectIndex, PromptEntry, StaticFile
from lit_tasks.state.lock import LockEntry
from lit_tasks.state.status import ProjectStatus, project_status
from lit_tasks.state.tree_shape import check_lock_dirs
from lit_tasks.state.up_to_date import proven_by_lock
from lit_tasks.state.workspace import Workspace


def proven_by_committed_lock(workspace: Workspace, scan: Scan) -> ProjectStatus | None:
    """The project's status when the lock alone proves that a run of the whole project would do nothing (what
    `lit check` then reports), else None."""
    if not scan.prompts:
        return None  # a new project: the full load says how to start
    if hash_cache.knows_any(workspace, (stat_key(st) for _, st in scan.prompts)):
        return None  # this checkout was judged before, and its index no longer holds: a prompt or lit changed
    try:
        index = index_from_lock(workspace, scan)
    except (OSError, LitError):  # a path leading out, an unreadable lit.toml or module: the full load says why
        return None
    if index is None:
        return None
    check_lock_dirs(workspace, index.prompts)
    status = project_status(workspace, index)
    return status if proven_by_lock(workspace, index, status) else None


def index_from_lock(workspace: Workspace, scan: Scan) -> ProjectIndex | None:
    """The index a load would build, from lock entries whose `source` matches the project's files now; None when
    one does not (or a prompt has no entry). It holds what a status needs, not what tasks need: it never leaves
    this module."""
    root = workspace.root
    source = project_source_at(root, [rel for rel, _ in scan.modules])
    entries: dict[str, LockEntry] = {}
    for key, _ in scan.prompts:
        entry = workspace.lock.read(key)
        if entry is None or entry.source != entry_source(source, key, entry.input_hash, entry.verified or ""):
            return None
        entries[key] = entry
    owners = {out: key for key, entry in entries.items() for out in entry.outputs}
    if len(owners) != sum(len(entry.outputs) for entry in entries.values()):
        return None  # two entries claim one output: a load would refuse the project
    sandbox = Sandbox(workspace.code_dir, bulk=True)
    for out in owners:
        sandbox.check(out)
    prompts = {}
    for key, entry in entries.items():
        if any(path not in owners for path in entry.inputs.imports):
            return None
        for path in entry.inputs.context:
            require_inside(root, path)
        prompts[key] = PromptEntry(
            outputs=tuple(entry.outputs),
            imports=tuple(dict.fromkeys(owners[path] for path in entry.inputs.imports)),
            import_outputs=tuple(entry.inputs.imports),
            title=key,
            identity_digest="",
            config_hash=entry.inputs.config,
            provider="",
            model="",
            context=tuple(entry.inputs.context),
            verify=(),
            verified_digest=entry.verified or "",
        )
    static = static_files(read_inside(root, CONFIG_FILE))
    if static is None:
        return None
    for file in static:
        require_inside(root, f"{CODE_DIR}/{file.path}")
    return ProjectIndex(
        format=FORMAT,
        fingerprint="",
        name="",
        order=tuple(entries),
        prompts=prompts,
        patched=frozenset(list_patches(root)),
        static=static,
        warnings=(),
        max_usd_per_run=None,
        verify_timeout_s=0.0,
        sources="",
        inferred=(),
        unplanned=frozenset(),
    )


def static_files(config: bytes) -> tuple[StaticFile, ...] | None:
    """lit.toml's `[[static]]` files (it loaded before, with these very bytes); None if they are not plain."""
    if b"static" not in config:
        return ()
    try:
        listed = tomllib.loads(config.decode("utf-8-sig")).get("static", [])
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    if not isinstance(listed, list):
        return None
    files = []
    for item in listed:
        path, content = (item.get("path"), item.get("content")) if isinstance(item, dict) else (None, None)
        if not isinstance(path, str) or not isinstance(content, str) or normalise_relpath(path) != path:
            return None
        files.append(StaticFile(path, content))
    return tuple(files)


def source_now(workspace: Workspace) -> str | None:
    """`project_source` of lit.toml and the module files as they are now; None if one cannot be read."""
    try:
        return project_source_at(workspace.root, [rel for rel, _ in scan_sources(workspace.root).modules])
    except (OSError, LitError):
        return None


def carry_source(entry: LockEntry, old_input_hash: str, source: str | None) -> None:
    """After a change to `entry` that derives nothing anew (`lit patch save`: a patch and an output hash), keep its
    tie to lit.toml and the modules (`source`: `source_now`) where it held, so the clones of the commit stay
    checked unloaded."""
    expected = entry.verified or ""
    held = source is not None and entry.source == entry_source(source, entry.prompt, old_input_hash, expected)
    entry.source = entry_source(source, entry.prompt, entry.input_hash, expected) if held else None
