"""Moving a prompt to a new path with everything that names it, so that nothing regenerates (`lit mv`).

What names a prompt by its path: the prompts that import it or reference it with `@import(...)` (and, under
`mapping = "modular"`, the module files whose `imports:` list it), and lit's state kept per prompt path: its
lock entry (`.lit/lock/<path>.json`, whose `prompt` field names it too) and its pinned plan
(`.lit/manifests/<path>.json`, `mapping = "inferred"`). Patches are kept per output path and generation records
are history: neither changes.

A file whose references are rewritten changes bytes, and those bytes are hashed into lock entries (a prompt's
own hash; a module file's, as a guideline file of the prompts it covers) and pinned plans (a prompt's hash).
Where such a hash is the one of the file before the move, it becomes the one after, and the input hash is
recomputed; a hash that did not match before does not match after, so a stale prompt stays stale.

Every change is planned first, as each file's bytes before and after. Then every new file is staged before any
is renamed into place (`write_all_atomic`: a full disk changes nothing) and the old files are removed last.
The moved project is then loaded: if it does not load (under `direct` mapping an output named after the new
path that another prompt declares; an import cycle through a module's `imports:`), every file is put back and
the move is refused. A move that loads but makes a prompt stale (under `modular` mapping other module files
cover it, so other guideline files and maybe other settings; under `direct` its outputs are named after its
path) is done, and what will regenerate is said: the path means more than a name there, and the user asked.
If the process dies half-way, what was renamed into place is what changed: `lit check` names what is out of
step (an import of a prompt not there yet, two prompts declaring the same outputs) and `git status` what moved.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from lit_tasks.io.atomic import Durability, write_all_atomic
from lit_tasks.io.errors import LitError, UsageError
from lit_tasks.io.hashing import hash_bytes, read_regular
from lit_tasks.model.discovery import scan_sources
from lit_tasks.model.manifests import Manifest, encode_manifest, manifest_rel, read_manifest
from lit_tasks.model.paths import (
    PROMPT_SUFFIX,
    PROMPTS_DIR,
    UnsafePathError,
    awkward_char,
    is_prompt_file,
    lock_rel,
    normalise_relpath,
)
from lit_tasks.model.project import Project
from lit_tasks.model.retarget import Rename, retarget
from lit_tasks.state.index import ProjectIndex, load_with_cache
from lit_tasks.state.status import PromptStatus, project_status
from lit_tasks.state.workspace import Workspace


class MoveError(UsageError):
    """A move that cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class Change:
    path: str  # relative to the project root
    before: bytes | None  # None: the move creates it
    after: bytes | None  # None: the move removes it


@dataclass
class MovePlan:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)  # files whose references to the prompt were rewritten
    respaced: list[str] = field(default_factory=list)  # of those, the ones whose frontmatter ruamel re-spaced
    carried: list[str] = field(default_factory=list)  # the state moved with the prompt: "lock entry", "plan"


def target_paths(project: Project, cwd: Path, old_arg: str, new_arg: str) -> tuple[str, str]:
    """OLD and NEW as prompt keys (root-relative), or MoveError saying why this move cannot be."""
    old = _root_relative(project, cwd, old_arg)
    if old not in project.graph.prompts:
        hint = "" if old.endswith(PROMPT_SUFFIX) else f" (prompt files end in {PROMPT_SUFFIX})"
        raise MoveError(f"{old_arg} is not a prompt of this project{hint}; `lit mv` moves a prompt file")
    new = _root_relative(project, cwd, new_arg)
    if new.startswith(".."):
        raise MoveError(f"{new_arg} is outside the project at {project.root}; a prompt moves within its {PROMPTS_DIR}/")
    if (project.root / new).is_dir():
        new = f"{new}/{old.rsplit('/', 1)[-1]}"  # into a directory, keeping its name
    if new == old:
        raise MoveError(f"{old_arg} is already at {new}; nothing to move")
    if os.path.lexists(project.root / new):
        what = "a prompt" if new in project.graph.prompts else "a file"
        raise MoveError(f"{new_arg} already exists ({what}); choose a new path, or remove it first")
    if not new.startswith(f"{PROMPTS_DIR}/"):
        raise MoveError(f"{new_arg} is not under {PROMPTS_DIR}/, where lit finds prompts; choose a path inside it")
    if not is_prompt_file(new.rsplit("/", 1)[-1]):
        raise MoveError(f"{new_arg} does not end in {PROMPT_SUFFIX}, so lit would not read it as a prompt; rename it")
    awkward = awkward_char(new)
    if awkward is not None:
        raise MoveError(f"{new_arg!r} has {awkward}; choose a path without it")
    return old, new


def _root_relative(project: Project, cwd: Path, arg: str) -> str:
    try:
        rel = os.path.relpath((cwd / arg).resolve(), project.root).replace(os.sep, "/")
        return rel if rel.startswith("..") else normalise_relpath(rel)
    except (UnsafePathError, ValueError) as err:
        raise MoveError(f"{arg}: {err}") from None


def plan_move(workspace: Workspace, project: Project, old: str, new: str) -> MovePlan:
    """Every file change the move makes, computed before anything is written."""
    plan = MovePlan(old, new)
    sources = _rewritten_sources(project, old, new, plan)  # path before the move -> (bytes before, bytes after)
    digests = {path: (hash_bytes(before), hash_bytes(after)) for path, (before, after) in sources.items()}
    old_raw = sources[old][0] if old in sources else project.prompt_bytes(old)
    moved_raw = sources[old][1] if old in sources else old_raw
    state = [*_carried_locks(workspace, old, new, digests, plan), *_carried_plans(project, old, new, digests, plan)]
    rewritten = [Change(path, before, after) for path, (before, after) in sources.items() if path != old]
    plan.changes = [
        *(c for c in state if c.after is not None),
        *rewritten,
        Change(new, None, moved_raw),
        Change(old, old_raw, None),
        *(c for c in state if c.after is None),
    ]
    return plan


def _rewritten_sources(project: Project, old: str, new: str, plan: MovePlan) -> dict[str, tuple[bytes, bytes]]:
    rename = reference_renamer(old, new, set(project.graph.prompts))
    files: list[tuple[str, bytes, bool]] = [
        (key, project.prompt_bytes(key), True)
        for key, prompt in project.graph.prompts.items()
        if old in prompt.imports or any(rename(ref) for ref in prompt.body_refs)
    ]
    if project.config.project.mapping == "modular":  # elsewhere module files mean nothing to lit
        files += [(rel, read_regular(project.root / rel), False) for rel, _ in scan_sources(project.root).modules]
    sources = {}
    for path, raw, is_prompt in files:
        done = retarget(raw, path, rename, body=is_prompt)
        if done is not None:
            sources[path] = (raw, done.raw)
            plan.rewritten.append(new if path == old else path)
            if done.respaced:
                plan.respaced.append(new if path == old else path)
    return sources


def reference_renamer(old: str, new: str, prompts: set[str]) -> Rename:
    """How a reference to `old` is written after the move: relative to the root or to prompts/, as it was
    (resolved the way the project resolves imports); None for a reference to any other prompt."""

    def rename(written: str) -> str | None:
        try:
            path = normalise_relpath(written)
        except UnsafePathError:
            return None
        if path == old:
            return new
        if path not in prompts and f"{PROMPTS_DIR}/{path}" == old:
            return new.removeprefix(f"{PROMPTS_DIR}/")
        return None

    return rename


def _carried_locks(
    workspace: Workspace, old: str, new: str, digests: dict[str, tuple[str, str]], plan: MovePlan
) -> Iterable[Change]:
    """The moved prompt's lock entry under its new path; entries hashing a rewritten file, with its new hash."""
    for key, entry in workspace.lock.all().items():
        inputs = entry.inputs
        prompt = _rehashed(key, inputs.prompt, digests)
        context = {path: _rehashed(path, digest, digests) for path, digest in inputs.context.items()}
        if key != old and (prompt, context) == (inputs.prompt, inputs.context):
            continue
        rehashed = msgspec.structs.replace(inputs, prompt=prompt, context=context)
        input_hash = rehashed.digest if entry.input_hash == inputs.digest else entry.input_hash
        carried = msgspec.structs.replace(
            entry, prompt=new if key == old else key, inputs=rehashed, input_hash=input_hash
        )
        yield from _moved(workspace.root, lock_rel(key), lock_rel(carried.prompt), carried.dumps().encode())
        if key == old:
            plan.carried.append("lock entry")


def _carried_plans(
    project: Project, old: str, new: str, digests: dict[str, tuple[str, str]], plan: MovePlan
) -> Iterable[Change]:
    """The moved prompt's pinned plan under its new path; plans of rewritten prompts, with their new hash."""
    for key in dict.fromkeys([old, *digests]):
        if key not in project.graph.prompts:
            continue  # a module file
        pinned = read_manifest(project.root, key)
        if pinned is None:
            continue
        prompt_hash = _rehashed(key, pinned.prompt_hash, digests)
        if key != old and prompt_hash == pinned.prompt_hash:
            continue
        carried = Manifest(new if key == old else key, prompt_hash, pinned.outputs, pinned.provider, pinned.model)
        yield from _moved(project.root, manifest_rel(key), manifest_rel(carried.prompt), encode_manifest(carried))
        if key == old:
            plan.carried.append("plan")


def _rehashed(path: str, digest: str, digests: dict[str, tuple[str, str]]) -> str:
    before, after = digests.get(path, (None, None))
    return after if digest == before and after is not None else digest


def _moved(base: Path, old_rel: str, new_rel: str, data: bytes) -> Iterable[Change]:
    """The change that writes `data` at `new_rel` and, if it moved, removes `old_rel` (both under `base`)."""
    yield Change(new_rel, _read(base / new_rel), data)
    if new_rel != old_rel:
        yield Change(old_rel, read_regular(base / old_rel), None)


def _read(path: Path) -> bytes | None:
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None


def apply_move(workspace: Workspace, plan: MovePlan) -> Project:
    """Make the planned changes and load the moved project; on any failure, put every file back."""
    root = workspace.root
    try:
        write_all_atomic({root / c.path: c.after for c in plan.changes if c.after is not None}, durable=Durability.NOW)
        for change in plan.changes:
            if change.after is None:
                os.unlink(root / change.path)
    except OSError as err:
        undone = _put_back(workspace, plan)
        raise MoveError(
            f"{plan.old} -> {plan.new}: could not write {err.filename or 'a file'} ({err.strerror or err}){undone}"
        ) from None
    try:
        return load_with_cache(Workspace(root))  # a new workspace: what the old one read has moved
    except LitError as err:
        undone = _put_back(workspace, plan)
        raise MoveError(
            f"{plan.old} -> {plan.new} is refused, the project would not load after it: {err}{undone}"
        ) from None


def _put_back(workspace: Workspace, plan: MovePlan) -> str:
    """Every file as it was before the move; says whether that worked, for the error being raised."""
    root = workspace.root
    try:
        write_all_atomic({root / c.path: c.before for c in plan.changes if c.before is not None})
        for change in plan.changes:
            if change.before is None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(root / change.path)
    except OSError as err:
        return f"; putting the files back failed too ({err.strerror or err}): `git status` shows what changed"
    return "; nothing was changed"


def statuses(project: Project, plan: MovePlan) -> dict[str, PromptStatus]:
    """Where the prompts whose state the move touches stand, in `project` (before or after the move; each read
    in a workspace of its own, as the lock entries differ)."""
    names = {plan.old, plan.new, *plan.rewritten}
    keys = [k for k in project.graph.order if k in names or names.intersection(project.context_files(k))]
    return project_status(Workspace(project.root), ProjectIndex.of(project, "", ""), keys).prompts


def made_stale(before: dict[str, PromptStatus], after: dict[str, PromptStatus], plan: MovePlan) -> dict[str, list[str]]:
    """The prompts the move made stale (up to date before it), with the reasons `lit check` gives."""
    made = {}
    for key, status in after.items():
        was = before.get(plan.old if key == plan.new else key)
        if status.stale and not (was is not None and was.stale):
            made[key] = status.reasons
    return made
