"""Atomic file writes: a reader (or a killed process) sees the old file or the new one, never a mix.

A temp file in the same directory, then `os.replace`. Writing a group of files stages every temp file first,
so a full disk or a read-only directory fails before any target is touched. Atomicity is what protects work
from a crash of lit itself (an exception, Ctrl-C, SIGKILL): the kernel keeps the renamed file either way.

Durability against a power cut is a separate cost, chosen per file (`Durability`):
- NOW: fsync before the rename: a saved hand-edit patch, the run's record, the files `lit init` writes.
- AT_EXIT: one `os.sync()` when the process ends, for what lit derives per prompt (generated code, lock
  entries, plans). An fsync per file cost about 1.2 ms per generated prompt (docs/lock.md, "Power cuts"); a
  power cut before the sync can leave a file of this run empty or at its previous version, which its lock
  entry's hash then shows.
- NONE: caches, which may be lost.
The directory is never fsynced after the rename: a power cut leaves the previous version, never a partial one.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import threading
from collections.abc import Mapping
from enum import Enum
from typing import TypeAlias

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: appends are not serialised between processes
    fcntl = None  # type: ignore[assignment]

StrPath: TypeAlias = "str | os.PathLike[str]"
TEMP_SUFFIX = ".lit-tmp"  # what `locks` sweeps after a killed run


class Durability(Enum):
    NOW = "now"
    AT_EXIT = "at_exit"
    NONE = "none"


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


def _stage(path: str, data: bytes, fsync: bool) -> str:
    directory, name = os.path.split(path)
    mode = _mode_for(path)
    fd, tmp = _create_temp(directory, name)
    _count(1)
    try:
        try:
            if mode != _NEW_FILE_MODE:
                os.fchmod(fd, mode)
            write_fd(fd, data)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _count(-1)
        raise
    return tmp


def write_fd(fd: int, data: bytes) -> None:
    """All of `data` to `fd` (a write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


def append_exclusive(path: str, data: bytes) -> None:
    """Append `data` as one record: other processes appending to the same file (overlapping runs) wait, so
    a record is never interleaved with another, even when one write takes several system calls."""
    try:
        fd = os.open(path, _APPEND_FLAGS, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, _APPEND_FLAGS, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by close
        write_fd(fd, data)
    finally:
        os.close(fd)


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_NEW_FILE_MODE = 0o666 & ~_UMASK
_temp_numbers = itertools.count()


def _create_temp(directory: str, name: str) -> tuple[int, str]:
    """A new temp file next to `name`: pid and a counter make the name unique, so no random names are drawn,
    and the directory is created only when the first try finds it missing (one syscall in the usual case)."""
    made_directory = False
    while True:
        tmp = os.path.join(directory, f".{name}.{os.getpid()}-{next(_temp_numbers)}{TEMP_SUFFIX}")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o666), tmp
        except FileExistsError:
            continue  # left by an earlier process that had this pid
        except FileNotFoundError:
            if made_directory:
                raise
            os.makedirs(directory or ".", exist_ok=True)
            made_directory = True


def temp_owner(name: str) -> int | None:
    """The pid of the process that created the temp file `name` (see `_create_temp`), if it is one of lit's."""
    stem = name.removesuffix(TEMP_SUFFIX)
    pid = stem.rpartition(".")[2].partition("-")[0]
    return int(pid) if stem != name and pid.isdigit() else None


def _mode_for(path: str) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def write_atomic(path: StrPath, data: bytes, *, durable: Durability = Durability.NOW) -> None:
    write_all_atomic({path: data}, durable=durable)


def write_all_atomic(files: Mapping[StrPath, bytes], *, durable: Durability = Durability.NOW) -> None:
    """Stage every file, then rename each into place; on a staging failure no target has changed."""
    if durable is Durability.AT_EXIT:
        durable = _sync_at_exit()
    staged: list[tuple[str, str]] = []
    try:
        for path, data in files.items():
            target = os.fspath(path)
            staged.append((_stage(target, data, durable is Durability.NOW), target))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            _count(-1)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
        _count(-1)


_sync_registered = False


def _sync_at_exit() -> Durability:
    """Register the one `os.sync()` for this process (NOW where the platform has no `os.sync`)."""
    global _sync_registered
    if not hasattr(os, "sync"):
        return Durability.NOW
    if not _sync_registered:
        _sync_registered = True
        atexit.register(os.sync)
    return Durability.AT_EXIT
