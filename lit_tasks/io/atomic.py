"""Atomic file writes: a reader (or a killed process) sees the old file or the new one, never a mix.

A temp file in the same directory, then `os.replace`. A group of files (one prompt's outputs) is written as a
transaction: every temp file is staged and every destination checked (a directory or a FIFO where a file
should be fails here, before any target is touched), then the files are renamed in, the previous version of
each kept as a hard link until the last rename succeeded; a failure renames the previous versions back. So a
full disk, a read-only directory or a destination that cannot be replaced leaves every target as it was and
no temp file behind. Atomicity is what protects work from a crash of lit itself (an exception, Ctrl-C,
SIGKILL): the kernel keeps the renamed file either way, and a killed run's temp files are swept by the next.
Temp names have a fixed length (`.<pid>-<n>.lit-tmp`), so an output whose name is as long as the file system
allows can still be staged next to it.

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
import stat
import threading
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TypeAlias

from lit_tasks.io.confined import OutsideRootError, inside
from lit_tasks.io.hashing import not_a_file

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: appends are not serialised between processes
    fcntl = None  # type: ignore[assignment]

StrPath: TypeAlias = "str | os.PathLike[str]"
Content: TypeAlias = "bytes | Iterable[bytes]"  # the bytes, or chunks of them: a large file need not be in memory whole
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


class WriteError(OSError):
    """A file of a group could not be written; `filename` names it. Nothing of the group was changed."""


def _stage(path: str, data: Content, fsync: bool) -> str:
    directory = os.path.dirname(path)
    _check_directory(directory)
    mode = _destination_mode(path)
    fd, tmp = _create_temp(directory)
    _count(1)
    try:
        try:
            if mode != _NEW_FILE_MODE:
                os.fchmod(fd, mode)
            for chunk in (data,) if isinstance(data, bytes) else data:
                write_fd(fd, chunk)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    _count(-1)


_roots: dict[str, str] = {}  # project root as lit spells it -> its real path
_directories: set[str] = set()  # directories checked already, once per process


def confine(root: str) -> None:
    """From now on every write of this process under `root` must land inside it: a symlinked directory on the
    way that leads elsewhere (a cloned repository can carry one) is refused. Writes elsewhere are not checked."""
    if root not in _roots:
        _roots[root] = os.path.realpath(root)
        _directories.clear()


def _check_directory(directory: str) -> None:
    """Refuse a write into `directory` of a confined project when its real path (or, if it does not exist yet,
    the real path of its deepest existing ancestor, where it would be created) is outside that project."""
    if directory in _directories:
        return
    for root, real_root in _roots.items():
        if directory == root or directory.startswith(root + os.sep):
            probe = directory
            while not os.path.lexists(probe) and probe != root:
                probe = os.path.dirname(probe)
            real = os.path.realpath(probe)
            if not inside(real, real_root) or inside(real, os.path.join(real_root, ".git")):  # hooks live there
                raise OutsideRootError(os.path.relpath(probe, root))
    _directories.add(directory)


def write_fd(fd: int, data: bytes) -> None:
    """All of `data` to `fd` (a write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# Never through a link at the file itself (`_check_directory` covers the directories), never waiting on a FIFO.
_APPEND_FLAGS = (
    os.O_WRONLY
    | os.O_APPEND
    | os.O_CREAT
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
)


def append_exclusive(path: str, data: bytes) -> None:
    """Append `data` as one record: other processes appending to the same file (overlapping runs) wait, so
    a record is never interleaved with another, even when one write takes several system calls."""
    _check_directory(os.path.dirname(path))
    try:
        fd = os.open(path, _APPEND_FLAGS, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, _APPEND_FLAGS, 0o644)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # a FIFO (opened without waiting for a reader), a device: never written
            raise not_a_file(path, mode)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by close
        write_fd(fd, data)
    finally:
        os.close(fd)


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_NEW_FILE_MODE = 0o666 & ~_UMASK
_temp_numbers = itertools.count()


def _create_temp(directory: str) -> tuple[int, str]:
    """A new temp file in `directory`, named by pid and a counter: unique without drawing random names, and of
    a fixed length whatever the target's name. The directory is created only when the first try finds it
    missing (one syscall in the usual case)."""
    made_directory = False
    while True:
        tmp = _temp_name(directory)
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o666), tmp
        except FileExistsError:
            continue  # left by an earlier process that had this pid
        except FileNotFoundError:
            if made_directory:
                raise
            os.makedirs(directory or ".", exist_ok=True)
            made_directory = True


def _temp_name(directory: str) -> str:
    return os.path.join(directory, f".{os.getpid()}-{next(_temp_numbers)}{TEMP_SUFFIX}")


def temp_owner(name: str) -> int | None:
    """The pid of the process that created the temp file `name` (see `_create_temp`), if it is one of lit's."""
    stem = name.removesuffix(TEMP_SUFFIX)
    pid = stem.rpartition(".")[2].partition("-")[0]
    return int(pid) if stem != name and pid.isdigit() else None


def _destination_mode(path: str) -> int:
    """The permissions the new file gets: an existing file's own, else the usual 0666 & ~umask. A destination
    that is not a regular file (a directory, a FIFO, a socket, a device) is refused here, before anything of
    its group is renamed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _NEW_FILE_MODE
    if not stat.S_ISREG(st.st_mode):
        raise not_a_file(path, st.st_mode)
    return st.st_mode & 0o7777


def write_atomic(path: StrPath, data: Content, *, durable: Durability = Durability.NOW) -> None:
    write_all_atomic({path: data}, durable=durable)


def write_all_atomic(files: Mapping[StrPath, Content], *, durable: Durability = Durability.NOW) -> None:
    """Write every file or none (see the module's docstring); a failure raises a `WriteError` naming the file."""
    if durable is Durability.AT_EXIT:
        durable = _sync_at_exit()
    staged: list[tuple[str, str]] = []
    try:
        for path, data in files.items():
            target = os.fspath(path)
            staged.append((_stage_named(target, data, durable is Durability.NOW), target))
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    if len(staged) == 1:
        _rename_in(*staged[0])
    else:
        _rename_all(staged)


def _stage_named(target: str, data: Content, fsync: bool) -> str:
    try:
        return _stage(target, data, fsync)
    except OSError as err:
        if err.filename == target:
            raise
        raise WriteError(err.errno, err.strerror or str(err), target) from None


def _rename_in(tmp: str, target: str) -> None:
    try:
        os.replace(tmp, target)
    except OSError as err:
        _discard(tmp)
        raise WriteError(err.errno, err.strerror or str(err), target) from None
    _count(-1)


def _rename_all(staged: list[tuple[str, str]]) -> None:
    """Rename a group in, keeping each previous version as a hard link until all are in; on a failure put the
    previous versions back, remove the new files that had none, and discard every temp file."""
    done: list[tuple[str, str | None]] = []  # (target, its previous version's link, None if it had none)
    try:
        for tmp, target in staged:
            backup = _keep_previous(target)
            try:
                os.replace(tmp, target)
            except OSError as err:
                if backup is not None:
                    _discard(backup)
                raise WriteError(err.errno, err.strerror or str(err), target) from None
            _count(-1)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    os.unlink(target)
                else:
                    os.replace(backup, target)
                    _count(-1)
        for tmp, _ in staged[len(done) :]:
            _discard(tmp)
        raise
    for _, backup in done:
        if backup is not None:
            _discard(backup)


def _keep_previous(target: str) -> str | None:
    """A hard link to the file at `target` (its previous version, to put back on a rollback); None if there is
    no file there."""
    directory = os.path.dirname(target)
    while True:
        link = _temp_name(directory)
        try:
            os.link(target, link, follow_symlinks=False)
        except FileExistsError:
            continue
        except FileNotFoundError:
            return None
        except OSError:  # a file system without hard links: keep a copy instead
            with open(target, "rb") as previous:
                return _stage(target, previous.read(), fsync=False)
        _count(1)
        return link


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
