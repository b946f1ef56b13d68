"""Path rules shared by prompts, outputs and the response parser.

doit matches dependencies by exact string (`./a` is not `a`), and an LLM answer must never write outside
`code.lock/`. Both problems are solved here, once: every path lit hands to doit or writes to is normalised by
`normalise_relpath`, and every output path is checked by a `Sandbox`.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from lit_tasks.io.confined import walk_inside
from lit_tasks.io.errors import ConfigError, LitError

CODE_DIR = "code.lock"
PROMPTS_DIR = "prompts"
PROMPT_SUFFIX = ".prompt.md"
CONFIG_FILE = "lit.toml"
PATCH_DIR = Path(".lit") / "patches"
LOCK_DIR = Path(".lit") / "lock"
PATCH_SUFFIX = ".patch"
MANIFEST_DIR = Path(".lit") / "manifests"
MODULE_FILE = "module.lit.md"
MAX_NAME_BYTES = 255  # one path segment: the limit of ext4, APFS, NTFS and most others
NOT_A_FILE_ADVICE = "is not a regular file (a directory, FIFO, socket or device); lit writes files only: move it away"


def patch_rel(output: str) -> str:
    """Where the saved patch of `output` lives, relative to the project root."""
    return f"{PATCH_DIR.as_posix()}/{output}{PATCH_SUFFIX}"


def lock_path(root: Path, key: str) -> Path:
    """The lock entry of prompt `key`: `.lit/lock/<prompt path>.json`."""
    return root / lock_rel(key)


def lock_rel(key: str) -> str:
    """The lock entry of prompt `key`, relative to the project root, as git and a stamp name it."""
    return f"{LOCK_DIR.as_posix()}/{key}.json"


def locked_prompts(root: Path) -> list[str]:
    """The prompt keys that have a lock entry, from file names alone (no file is read)."""
    base = root / LOCK_DIR
    keys = []
    for dirpath, _, filenames in os.walk(base):
        rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
        for name in filenames:
            if name.endswith(".json"):
                keys.append(name[:-5] if rel_dir == "." else f"{rel_dir}/{name[:-5]}")
    return sorted(keys)


def list_patches(root: Path) -> list[str]:
    """The outputs that have a saved patch."""
    top = PATCH_DIR.as_posix()
    if not (root / top).is_dir():
        return []
    found = walk_inside(root, top, lambda name: name.endswith(PATCH_SUFFIX))
    return [rel.removeprefix(f"{top}/").removesuffix(PATCH_SUFFIX) for rel, _ in found]


class UnsafePathError(LitError):
    """A path that would escape its sandbox or is not portable; the message says which rule it breaks."""


PLAIN_RELPATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+@-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.+@-]*)*")


def normalise_relpath(raw: str) -> str:
    """A relative POSIX path with `.` segments and duplicate slashes removed; raises on anything unsafe.

    Rejected: empty paths, absolute paths (POSIX or Windows drive), backslashes (a Windows path would mean a
    different file on each OS), NUL bytes, and any `..` segment (even one that would stay inside after
    normalisation: such a path is never what a prompt or a model meant).
    """
    if isinstance(raw, str) and len(raw) <= MAX_NAME_BYTES and PLAIN_RELPATH.fullmatch(raw):
        return raw  # already normal (no segment is empty, `.` or `..`: none starts with a dot), the usual case
    if not isinstance(raw, str) or not raw.strip():
        raise UnsafePathError("empty path")
    path = raw.strip()
    if "\x00" in path:
        raise UnsafePathError(f"`{raw}` contains a NUL byte")
    if "\\" in path:
        raise UnsafePathError(f"`{raw}` contains a backslash; use forward slashes")
    if path.startswith("/") or path.startswith("~") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePathError(f"`{raw}` is absolute; paths must be relative")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafePathError(f"`{raw}` contains `..`")
    if any(len(p.encode()) > MAX_NAME_BYTES for p in parts):
        raise UnsafePathError(
            f"`{raw}` has a name longer than {MAX_NAME_BYTES} bytes, which no common file system allows"
        )
    if not parts:
        raise UnsafePathError(f"`{raw}` names no file")
    return "/".join(parts)


class Sandbox:
    """Proves output paths stay inside `code.lock/`, remembering each directory it has checked.

    A symlink inside `code.lock/` that points elsewhere would let a write leave the sandbox even though the
    string looks harmless, so the real path of the deepest existing ancestor is checked, and a file that is
    itself a symlink is checked too. Directories are checked once, so a project with thousands of outputs
    in a few directories costs a few realpath calls.
    """

    def __init__(self, code_dir: Path, *, bulk: bool = False) -> None:
        self.root = os.path.realpath(code_dir)
        self._dirs: dict[str, bool] = {}
        # `bulk`: checking every output of a project, so each directory's links are listed once (one read of the
        # directory) instead of one lstat per file
        self._links: dict[str, frozenset[str]] | None = {} if bulk else None

    def _inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root + os.sep)

    def _dir_inside(self, rel_dir: str) -> bool:
        if rel_dir not in self._dirs:
            probe = os.path.join(self.root, rel_dir) if rel_dir else self.root
            while probe != self.root and not os.path.lexists(probe):
                probe = os.path.dirname(probe)
            self._dirs[rel_dir] = self._inside(os.path.realpath(probe))
        return self._dirs[rel_dir]

    def _is_link(self, rel: str) -> bool:
        if self._links is None:
            return os.path.islink(os.path.join(self.root, rel))
        rel_dir, name = posixpath.split(rel)
        links = self._links.get(rel_dir)
        if links is None:
            try:
                with os.scandir(os.path.join(self.root, rel_dir)) as entries:
                    links = self._links[rel_dir] = frozenset(e.name for e in entries if e.is_symlink())
            except OSError:  # not there yet, or not a directory (`_dir_inside` judged the way to it)
                links = self._links[rel_dir] = frozenset()
        return name in links

    def check(self, raw: str) -> str:
        rel = normalise_relpath(raw)
        inside = self._dir_inside(posixpath.dirname(rel))
        if inside and self._is_link(rel):
            inside = self._inside(os.path.realpath(os.path.join(self.root, rel)))
        if not inside:  # named as the project spells it, never where the link leads
            raise UnsafePathError(f"`{raw}` leads outside {CODE_DIR}/ (a symlink, or one on its way)")
        return rel

    def contains(self, raw: str) -> bool:
        """Whether `raw` is a plain relative path that stays inside `code.lock/` (`check` without the error)."""
        try:
            return self.check(raw) == raw
        except UnsafePathError:
            return False


def relpath_posix(path: Path, start: Path) -> str:
    """`path` relative to `start` as a normalised POSIX string, the form doit keys its DB by."""
    rel = os.path.relpath(path, start)
    return posixpath.normpath(rel.replace(os.sep, "/"))


MAKE_SPECIAL = "=;%*?"  # in a Make rule: a variable assignment, a recipe, a pattern, wildcards (no escape works)


def awkward_char(path: str) -> str | None:
    """What in `path` breaks the tools a project's paths pass through, described; None if nothing does. A control
    character (a newline, a tab) splits the lines of every listing and diff; Make has no way to write the
    characters of `MAKE_SPECIAL` in a rule (`lit makedeps`). lit reads such a prompt; it only never names one."""
    for char in path:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"a control character ({char!r})"
        if char in MAKE_SPECIAL:
            return f"`{char}`, which a Make rule cannot name"
    return None


def is_prompt_file(name: str) -> bool:
    """True for `*.prompt.md` names (the only files lit treats as prompts)."""
    return name.endswith(PROMPT_SUFFIX) and len(name) > len(PROMPT_SUFFIX)


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` that holds lit.toml (how every command finds its project)."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if os.path.lexists(candidate / CONFIG_FILE):  # whatever it is: loading it says what is wrong
            return candidate
    raise ConfigError(
        f"not a lit project: no {CONFIG_FILE} in {here} or any parent directory; "
        "run `lit init` to create one, or cd into a project"
    )
