"""One lit run per project at a time: an exclusive lock on `.lit/run.lock`, held until the process exits.

Two concurrent runs would race on the same outputs, lock entries and doit DB; the second one is told who holds
the lock instead. The lock is re-entrant within a process (`lit regenerate` and the doit tasks it loads share
it) and released by the kernel when the process dies, even by SIGKILL. Temp files a killed run left behind
are swept while the lock is held, so they never reach a commit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from pathlib import Path

from .atomic import TEMP_SUFFIX
from .errors import LitError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: runs are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = Path(".lit") / "run.lock"
CLEAN = b"clean\n"  # what a run that exited normally leaves in the lock file instead of its pid

_held: dict[Path, int] = {}
_held_at_exit: list[bool] = []
_guard = threading.Lock()


class ProjectBusy(LitError):
    """Another lit process is running in this project."""


def acquire(root: Path) -> None:
    """Take the project's run lock for the rest of this process, or raise ProjectBusy naming the holder."""
    root = root.resolve()
    with _guard:
        if root in _held or fcntl is None:
            return
        path = root / LOCK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ProjectBusy(
                f"another lit run (pid {holder}) is using {root}; wait for it to finish, or stop it"
            ) from None
        clean = os.pread(fd, 64, 0) == CLEAN
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[root] = fd
        if not _held_at_exit:
            atexit.register(_mark_clean)
            _held_at_exit.append(True)
    if not clean:  # the last run was killed (or is from an older lit): it may have left temp files
        sweep_temp_files(root)


def _mark_clean() -> None:
    """At exit, tell the next run there is nothing to sweep, if this process left no temp file behind."""
    from .atomic import no_temp_files_left

    if not no_temp_files_left():
        return
    with _guard:
        for fd in _held.values():
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, CLEAN, 0)


def release(root: Path) -> None:
    """Give the lock back (tests and long-lived processes; a normal run just exits)."""
    from .atomic import no_temp_files_left

    with _guard:
        fd = _held.pop(root.resolve(), None)
    if fd is not None:
        if no_temp_files_left():
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, CLEAN, 0)
        os.close(fd)


def sweep_temp_files(root: Path) -> int:
    """Remove `*.lit-tmp` files left by a killed run under code.lock/ and .lit/ (only called under the lock)."""
    removed = 0
    for base in (root / "code.lock", root / ".lit"):
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                if name.endswith(TEMP_SUFFIX):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(dirpath, name))
                        removed += 1
    return removed
