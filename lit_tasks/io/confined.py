"""A project is untrusted input: lit reads and writes only inside it, whatever links a clone carries.

A repository can commit a symlink leading anywhere (`prompts/evil.prompt.md -> ~/.git-credentials`). What lit
reads it may send to a model service, quote in an error or serve on the dashboard, and what it writes it may
overwrite, so a path whose real location is outside the project is refused before it is opened. The refusal
names the link as the project spells it and never its target: neither what it holds nor where it leads.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from lit_tasks.io.errors import ConfigError, LitError
from lit_tasks.io.hashing import read_regular


class OutsideRootError(LitError):
    """A path of the project leads outside it (a symlink on the way): a configuration problem of the tree (exit 2),
    found before anything is read or written there."""

    exit_code = 2

    def __init__(self, shown: str) -> None:
        super().__init__(
            f"{shown} leads outside the project or into its .git/ (a symlink, or one on its way): lit reads and "
            "writes only the project's own files, so that a cloned repository cannot make it read, send or overwrite "
            "anything else; replace the link with the file or directory itself"
        )


def inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root + os.sep)


def is_inside(root: str | os.PathLike[str], rel: str) -> bool:
    """Whether `rel` (under `root`) resolves inside `root` and outside its `.git/` (a repository's internals are no
    project file: its config can hold a CI token): links followed, a missing tail taken as it is."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, rel))
    return inside(real, real_root) and not inside(real, os.path.join(real_root, ".git"))


def require_inside(root: str | os.PathLike[str], rel: str) -> None:
    """Refuse (OutsideRootError naming `rel`) a path that resolves outside the project, or into its `.git/`,
    before it is opened."""
    if not is_inside(root, rel):
        raise OutsideRootError(rel)


def _require_utf8(rel: str) -> None:
    """A name that is not UTF-8 (read with surrogate escapes) can be neither printed nor hashed as a path."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise ConfigError(f"{shown}: the file name is not valid UTF-8; rename it") from None


def read_inside(root: str | os.PathLike[str], rel: str) -> bytes:
    """The bytes of the project's file `rel`: refused if it leads outside the project (OutsideRootError) or is not
    a regular file (NotAFileError, an OSError: a FIFO never blocks); FileNotFoundError if there is none."""
    require_inside(root, rel)
    return read_regular(os.path.join(root, rel))


def walk_inside(
    root: str | os.PathLike[str], top: str, wanted: Callable[[str], bool]
) -> list[tuple[str, os.stat_result]]:
    """Every regular file under `top` (root-relative) whose name is `wanted`, with its stat, as root-relative POSIX
    paths, sorted. A link is followed where it stays inside the project (a directory once: a loop is skipped)
    and refused where it leads out (OutsideRootError naming it) if lit would read through it: a directory, or a
    wanted file. A dangling link is no file; other files are not looked at."""
    real_root = os.path.realpath(root)
    found: list[tuple[str, os.stat_result]] = []
    seen: set[tuple[int, int]] = set()
    pending = [top]
    while pending:
        rel_dir = pending.pop()
        st = os.stat(os.path.join(root, rel_dir))
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        with os.scandir(os.path.join(root, rel_dir)) as entries:
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}"
                try:
                    is_dir = entry.is_dir()
                    if not (is_dir or wanted(entry.name)):
                        continue
                    _require_utf8(rel)
                    if entry.is_symlink() and not inside(os.path.realpath(entry.path), real_root):
                        raise OutsideRootError(rel)
                    if is_dir:
                        pending.append(rel)
                        continue
                    file_st = entry.stat()
                except FileNotFoundError:
                    continue  # a dangling link, or gone meanwhile
                except OSError as err:
                    raise ConfigError(f"{rel}: {err.strerror or err} (a link loop?); remove it or repair it") from None
                if stat.S_ISREG(file_st.st_mode):
                    found.append((rel, file_st))
    return sorted(found, key=lambda item: item[0])
