"""Locks that let lit runs on one project overlap safely (docs/architecture.md, "Concurrency").

Runs may overlap: `make -j` over `lit makedeps` rules, two terminals, an editor hook beside a shell. What must
not overlap is the work on one prompt, so each prompt has its own lock:

- `prompt_lock(workspace, key)`: an exclusive `flock` on `.lit/locks/<hash of the prompt path>.lock`, held by the
  prompt's task action around its whole generation (snapshot, call, write, lock entry). A run that finds it
  held says which prompt it waits for, and waits; once it has the lock it sees the lock entry the other run
  wrote, adopts it and makes no call.
- `join_run(workspace)`: each run registers itself with an exclusive `flock` on `.lit/runs/<pid>.lock`, held while
  the process lives and removed when it exits. The kernel drops every `flock` of a process that dies, even
  by SIGKILL, so a killed run never blocks the next one, and a registration whose lock can be taken belongs
  to a killed run: the next run sweeps that run's temp files (their names carry its pid) and removes it.

Lock files are never deleted while in use (a run that opened one before its deletion would lock a file no
one else sees), and they hold nothing but the pid of their last holder, for the waiting message.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from lit_tasks.io import progress
from lit_tasks.io.atomic import TEMP_SUFFIX, no_temp_files_left, temp_owner
from lit_tasks.io.errors import ConfigError
from lit_tasks.io.hashing import hash_bytes
from lit_tasks.model.paths import PROMPTS_DIR
from lit_tasks.state import events
from lit_tasks.state.workspace import Workspace

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: runs and prompts are not serialised
    fcntl = None  # type: ignore[assignment]

# A lock file is lit's own: never a link (a clone could point one at a file elsewhere, which the pid would
# overwrite), never a FIFO waited on.
_SAFE_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | _SAFE_FLAGS

_joined: dict[Path, tuple[int, Path, Workspace]] = {}  # resolved root -> the registration this process holds
_guard = threading.Lock()


@contextlib.contextmanager
def prompt_lock(
    workspace: Workspace, key: str, while_waiting: Callable[[], contextlib.AbstractContextManager[None]] | None = None
) -> Iterator[None]:
    """Hold `key`'s lock for the body; waits (saying so, inside `while_waiting()`: a batch run counts the
    wait as idle) while another run generates the prompt."""
    if fcntl is None:
        yield
        return
    path = workspace.locks_dir / f"{hash_bytes(key.encode())[:16]}.lock"  # prompt paths can be deep and long
    fd = _lock(path, blocking=False)
    if fd is None:
        holder = _holder(path)
        progress.emit("note", f"waiting for {key}: another lit run ({holder}) is generating it")
        with while_waiting() if while_waiting is not None else contextlib.nullcontext():
            fd = _lock(path, blocking=True)
        assert fd is not None
    try:
        os.pwrite(fd, f"{os.getpid():>10}\n".encode(), 0)  # one fixed-width write: a reader never sees half
        yield
    finally:
        os.close(fd)  # closing drops the flock


def join_run(workspace: Workspace) -> None:
    """Register this process as a run on the project (until it exits), after sweeping what killed runs left."""
    root = workspace.root.resolve()
    if fcntl is None:
        return
    with _guard:
        if root in _joined:
            return
        own = workspace.runs_dir / f"{os.getpid()}.lock"
        left_by_our_pid = own.exists()  # a killed process had our pid: its temp files carry our pid too
        fd = _lock(own, blocking=True)
        assert fd is not None
        if not _joined:
            atexit.register(_leave_all)
        _joined[root] = (fd, own, workspace)
    if left_by_our_pid and no_temp_files_left():
        sweep_temp_files(workspace, os.getpid())
    sweep_dead(workspace)
    if not other_runs_active(workspace):
        events.start_afresh_if_large(workspace)
    events.emit(workspace, "run-start")


def leave_run(workspace: Workspace) -> None:
    """Unregister (tests and long-lived processes; a normal run is unregistered when it exits)."""
    with _guard:
        joined = _joined.pop(workspace.root.resolve(), None)
    if joined is not None:
        _unregister(*joined)


def _leave_all() -> None:
    with _guard:
        joined = list(_joined.values())
        _joined.clear()
    for registration in joined:
        _unregister(*registration)


def _unregister(fd: int, path: Path, workspace: Workspace) -> None:
    """Remove the registration while still holding its lock (no one else can be using it), then release."""
    events.emit(workspace, "run-end")
    with contextlib.suppress(OSError):
        path.unlink()
    os.close(fd)


def other_runs_active(workspace: Workspace) -> bool:
    """Whether another live run is registered on the project (its registration is locked)."""
    own = f"{os.getpid()}.lock"
    try:
        names = [name for name in os.listdir(workspace.runs_dir) if name != own and name.endswith(".lock")]
    except FileNotFoundError:
        return False
    for name in names:
        fd = _lock(workspace.runs_dir / name, blocking=False, create=False)
        if fd is None:
            if (workspace.runs_dir / name).exists():
                return True  # held: a live run (or one being swept this instant, which errs on the safe side)
            continue
        os.close(fd)  # a killed run's registration: the next join sweeps it
    return False


def sweep_dead(workspace: Workspace) -> None:
    """Remove what killed runs left (what every run does as it registers, and a no-op that registers no run)."""
    sweep_killed_runs(workspace)
    sweep_unregistered(workspace)


def sweep_killed_runs(workspace: Workspace) -> list[int]:
    """Sweep the temp files of every registered run that is no longer alive; returns their pids."""
    swept = []
    try:
        names = os.listdir(workspace.runs_dir)
    except FileNotFoundError:
        return swept
    own = f"{os.getpid()}.lock"
    for name in names:
        if name == own or not name.endswith(".lock") or not name[:-5].isdigit():
            continue
        path = workspace.runs_dir / name
        fd = _lock(path, blocking=False, create=False)
        if fd is None:
            continue  # alive (or being swept by another run right now)
        try:
            sweep_temp_files(workspace, int(name[:-5]))
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        finally:
            os.close(fd)
        swept.append(int(name[:-5]))
    return swept


def sweep_unregistered(workspace: Workspace) -> int:
    """Remove the temp files of dead processes in `.lit/` and `.lit/cache/`: what loading a project writes (the
    state's .gitignore, the index) comes before a run registers, so a run killed then left no registration."""
    removed = 0
    for directory in (workspace.state_dir, workspace.cache_dir):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            pid = temp_owner(name)
            if pid is not None and pid != os.getpid() and not pid_alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(directory / name)
                    removed += 1
    return removed


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists; 0, negative and out-of-range numbers name none (`kill` would take 0 and -1
    for process groups)."""
    if not 0 < pid <= events.MAX_PID:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_temp_files(workspace: Workspace, pid: int) -> int:
    """Remove the temp files a process with `pid` left under code.lock/, .lit/ and prompts/ (`lit mv` and `lit
    draft` write prompts, module and guideline files; `atomic` names them all), and beside lit.toml (`lit draft`)."""
    removed = 0
    walked = [os.walk(base) for base in (workspace.code_dir, workspace.state_dir, workspace.root / PROMPTS_DIR)]
    beside_config = [(str(workspace.root), [], _names(workspace.root))]
    for dirpath, _, filenames in [*(entry for walk in walked for entry in walk), *beside_config]:
        for name in filenames:
            if name.endswith(TEMP_SUFFIX) and temp_owner(name) == pid:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
    return removed


def _names(directory: Path) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


def _lock(path: Path, *, blocking: bool, create: bool = True) -> int | None:
    """An fd holding an exclusive flock on `path`, or None when it is held elsewhere (or gone, if not `create`).

    Checks after locking that `path` still names the locked file: a sweeper may have removed it meanwhile,
    and a lock on a removed file would exclude no one.
    """
    assert fcntl is not None
    while True:
        try:
            fd = os.open(path, _OPEN_FLAGS if create else os.O_RDWR | _SAFE_FLAGS, 0o644)
        except FileNotFoundError:
            if not create:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            continue
        except OSError as err:  # a link (ELOOP), a FIFO with no one reading (ENXIO)
            raise ConfigError(f"{path}: {err.strerror or err}; lit's lock files must be its own plain files") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ConfigError(f"{path} is not a regular file; lit's lock files must be its own plain files")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        if not create:
            return None


def _holder(path: Path) -> str:
    try:
        pid = path.read_bytes().strip()
    except OSError:
        pid = b""
    return f"pid {int(pid)}" if pid.isdigit() else "pid unknown"
