"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never a mix.

A temp file in the same directory, its data fsynced, then `os.replace`. Writing a group of files stages every
temp file first, so a full disk or a read-only directory fails before any target is touched. The directory is
not fsynced after the rename: after a power cut a file may be its previous version, never a partial one, and
a directory fsync per prompt cost more than the rest of lit's per-prompt work together (measured: it
serialises every following file creation behind a journal commit).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

# Read once at import (single-threaded): os.umask can only be read by setting it, which races in threads.
_UMASK = os.umask(0)
os.umask(_UMASK)

_in_flight = 0  # temp files that exist now; zero at exit means this process left none behind
_in_flight_lock = threading.Lock()


def no_temp_files_left() -> bool:
    return _in_flight == 0


def _count(delta: int) -> None:
    global _in_flight
    with _in_flight_lock:
        _in_flight += delta


def _stage(path: Path, data: bytes, durable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".lit-tmp", dir=path.parent)
    _count(1)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _count(-1)
        raise
    return Path(tmp)


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask (mkstemp makes 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """`durable=False` skips the fsyncs: for caches, which may be lost but never be half-written."""
    write_all_atomic({path: data}, durable=durable)


def write_all_atomic(files: Mapping[Path, bytes], *, durable: bool = True) -> None:
    """Stage every file, then rename each into place; on a staging failure no target has changed."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(path, data, durable), path))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            _count(-1)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
        _count(-1)
