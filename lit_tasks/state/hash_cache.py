"""Content hashes kept between runs (`.lit/cache/hashes.msgpack`, local): what a status learnt of each file, so
the next status reads only the files that changed (git's index does the same for `git status`).

A run that is not a no-op compares the whole project with its lock before it plans (`state.status`): every
prompt and output hashed, 15,000 files at N=5,000, where one prompt was edited. A file version is known by its
stat (`stat_key`: device, inode, mtime, ctime and size; no user call can set ctime), as `STAT_HASHES` knows it
within one process. As in git's index, a version whose times are less than `RACY_NS` before the moment it is
saved is not kept: another write in the same clock tick could leave the same stat on other bytes. The cache is
local state (refused when committed, `tree_shape`); a missing, foreign or corrupt file only means reading again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import msgspec

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.hashing import STAT_HASHES, StatKey, read_regular
from lit_tasks.state.workspace import Workspace

FORMAT = 1
RACY_NS = 2_000_000_000  # coarser than any file system's timestamps lit runs on (FAT's are 2 s)

Entry = tuple[int, int, int, int, int, str]  # a stat key and the hash of that version
_decoder = msgspec.msgpack.Decoder(tuple[int, list[Entry]])
_read: dict[str, dict[StatKey, str]] = {}  # by project root: the cache as on disk (read, or last saved)
_taught: set[str] = set()  # the project roots whose cache `STAT_HASHES` has learnt


def load(workspace: Workspace) -> None:
    """Teach `STAT_HASHES` the hashes the last status saved (once per process and project)."""
    root = str(workspace.root)
    if root not in _taught:
        STAT_HASHES.learn(_entries(workspace))
        _taught.add(root)


def knows_any(workspace: Workspace, keys: Iterable[StatKey]) -> bool:
    """Whether a status on this machine judged any of these file versions, by the cache alone (nothing learnt
    from it)."""
    known = _entries(workspace)
    return any(key in known for key in keys)


def _entries(workspace: Workspace) -> dict[StatKey, str]:
    root = str(workspace.root)
    if root not in _read:
        _read[root] = {}
        try:
            version, entries = _decoder.decode(read_regular(workspace.hashes_file, follow=False))
        except (OSError, msgspec.DecodeError):
            return _read[root]
        if version == FORMAT:
            _read[root] = {entry[:5]: entry[5] for entry in entries}
    return _read[root]


def save(workspace: Workspace, versions: Iterable[StatKey | None]) -> None:
    """Keep the hashes of `versions` (the files a status judged) for the next run, unless nothing is new; the
    versions of the last `RACY_NS` are left out. A failed write only means reading again."""
    on_disk = _entries(workspace)
    newest = time.time_ns() - RACY_NS
    kept: dict[StatKey, str] = {}
    for key in versions:
        if key is not None and max(key[2], key[3]) < newest and (digest := STAT_HASHES.known(key)) is not None:
            kept[key] = digest
    if kept.keys() == on_disk.keys():
        return
    entries = [(*key, digest) for key, digest in kept.items()]
    try:
        workspace.ensure_state_dir()
        write_atomic(workspace.hashes_file, msgspec.msgpack.encode((FORMAT, entries)), durable=Durability.NONE)
    except OSError:
        return
    _read[str(workspace.root)] = kept
