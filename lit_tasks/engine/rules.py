"""The rule set: one doit task per prompt (docs/task-model.md), plus one per `[[static]]` file.

Paths handed to doit are relative to doit's working directory and normalised, because doit matches a
`file_dep` to the task that lists it in `targets` by exact string. That is what lets an embedding `dodo.py`
put a lit project in a subdirectory under its own basename.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doit.exceptions import TaskFailed
from doit.tools import config_changed

from lit_tasks.engine.options import RunOptions
from lit_tasks.engine.seed import seed_from_lock
from lit_tasks.io import progress
from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.errors import LitError
from lit_tasks.io.hashing import is_regular_or_missing
from lit_tasks.model.paths import CODE_DIR, patch_rel, relpath_posix
from lit_tasks.state.index import LazyProject, StaticFile

if TYPE_CHECKING:  # the generation machinery is imported on the first call, not at task creation
    from lit_tasks.engine.generation import GenerationStep

DEFAULT_BASENAME = "regenerate"


class SettingsChanged(config_changed):
    """doit's `config_changed`, given the digest it would compute from the settings (precomputed in the index,
    so the DB stays compatible) and its call signature, which doit otherwise inspects for every task."""

    __signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in ("task", "values")]
    )

    def __init__(self, digest: str) -> None:
        super().__init__(digest)
        self.config_digest = digest  # known before doit's check: seeding saves it without running one

    def configure_task(self, task: Any) -> None:
        task.value_savers.append(self.saved)  # doit appends a closure: three times the memory, for every task

    def saved(self) -> dict[str, str]:
        return {"_config_changed": self.config_digest}


class OutputsAreFiles:
    """An `uptodate` check: a task whose output's place holds a directory, FIFO, socket or device is not up to
    date (doit only asks whether a target exists), so its action runs and reports that output as the problem."""

    __signature__ = inspect.Signature()  # doit inspects it for `task` and `values`; it needs neither

    def __init__(self, code_dir: Path, outputs: tuple[str, ...]) -> None:
        self.code_dir = os.fspath(code_dir)
        self.outputs = outputs

    def __call__(self) -> bool | None:
        paths = (os.path.join(self.code_dir, out) for out in self.outputs)
        return None if all(map(is_regular_or_missing, paths)) else False  # None: no say in the verdict


class GenerateAction:
    """The python-action of a prompt task. The generation machinery (pydantic models, providers, the full
    project) is imported and loaded on the first call, so a run with nothing to generate never pays for it."""

    __signature__ = inspect.Signature()  # doit inspects an action before each call; there is nothing to pass

    def __init__(self, lazy: LazyProject, key: str, options: RunOptions) -> None:
        self.lazy = lazy
        self.key = key
        self.options = options

    def __call__(self) -> dict[str, Any] | TaskFailed:
        return self._run_step(self.key)

    def _run_step(self, what: str) -> dict[str, Any] | TaskFailed:
        """Load the project and run the step; a LitError is this task's failure, named `what`."""
        from lit_tasks.state import events
        from lit_tasks.state.locks import prompt_lock

        batcher = self.options.batcher  # --batch: its barrier counts the actions that may ask
        workspace = self.lazy.workspace
        with progress.project_scope(str(workspace.root)), batcher.running() if batcher else contextlib.nullcontext():
            try:
                self.lazy.project  # noqa: B018 - loaded (checked against the index) before the prompt's lock is taken
                idle = batcher.idle if batcher else None  # waiting on another run is no reason to hold a batch
                with prompt_lock(workspace, self.key, idle):  # another run may be generating it: wait, then adopt
                    events.emit(workspace, "generating", self.key)
                    values = self._step().run()
            except LitError as err:
                events.emit(workspace, "failed", self.key, message=str(err).splitlines()[0][:300])
                return task_failed(what, err)
            events.emit(workspace, "done", self.key, cost_usd=values.get("cost_usd"))
            return values

    def _step(self) -> GenerationStep:
        from lit_tasks.engine.generation import GenerationStep

        return GenerationStep(self.lazy, self.key, self.options)


def task_failed(what: str, err: Exception) -> TaskFailed:
    """A failed task: one `FAILED` line for the user, doit's failure for its DB; keys scrubbed from both."""
    from lit_tasks.io.secrets import scrub

    message = scrub(str(err))
    progress.emit("fail", f"FAILED {what}: {message}")
    return TaskFailed(f"{what}: {message}")


class VerifyAction:
    """The action of a `verify:<prompt>` task: the prompt's commands on its current outputs (no model call).

    A generation in this process that already verified exactly these outputs counts: they are not run twice.
    """

    __signature__ = inspect.Signature()

    def __init__(self, lazy: LazyProject, key: str) -> None:
        self.lazy = lazy
        self.key = key

    def __call__(self) -> dict[str, Any] | TaskFailed:
        with progress.project_scope(str(self.lazy.root)):
            return self._verify()

    def _verify(self) -> dict[str, Any] | TaskFailed:
        from lit_tasks.engine.verify import VERIFIED, run_commands, trim
        from lit_tasks.io.hashing import FileHashes

        entry = self.lazy.index.prompts[self.key]
        done = VERIFIED.get((str(self.lazy.root), self.key))
        if done is not None and done[0] == entry.verified_digest:
            hashes = FileHashes(self.lazy.code_dir)
            if all(hashes.of(out) == digest for out, digest in done[1].items()):
                return {"verified": True, "commands": len(entry.verify)}
        verified = self._output_hashes()
        results = run_commands(entry.verify, self.lazy.code_dir, self.lazy.index.verify_timeout_s)
        failed = next((r for r in results if not r.passed), None)
        if failed is not None:
            progress.emit("fail", f"FAILED verify {self.key}: {failed.summary()}\n{trim(failed.output, 3000)}")
            return TaskFailed(f"verify {self.key}: {failed.summary()}")
        progress.emit("done", f"verified {self.key}: {progress.plural(len(results), 'command')} passed")
        self._record_in_lock(entry.verified_digest, verified)
        return {"verified": True, "commands": len(results)}

    def _output_hashes(self) -> dict[str, str | None]:
        return self.lazy.workspace.lock.output_hashes(sorted(self.lazy.index.prompts[self.key].outputs))

    def _record_in_lock(self, digest: str, verified: dict[str, str | None]) -> None:
        """Mark the lock entry verified if it describes the files that were verified (so `lit check` knows);
        under the prompt's lock, since another run may be regenerating the prompt meanwhile."""
        from lit_tasks.state.locks import prompt_lock

        store = self.lazy.workspace.lock
        with prompt_lock(self.lazy.workspace, self.key):
            lock = store.reread(self.key)
            if lock is None or lock.verified == digest:
                return
            if lock.outputs == verified == self._output_hashes():
                lock.verified = digest
                store.write(lock)


class PlanAction(GenerateAction):
    """The action of a `plan:<prompt>` task (`inferred` mapping). A plan pinned for the prompt's current bytes is
    reused without loading the project, so a fresh clone with committed plans makes no plan call."""

    def __call__(self) -> dict[str, Any] | TaskFailed:
        from lit_tasks.io.hashing import hash_bytes
        from lit_tasks.model.manifests import read_manifest

        try:
            pinned = read_manifest(self.lazy.root, self.key)
            if pinned is not None and pinned.current_for(hash_bytes((self.lazy.root / self.key).read_bytes())):
                return {"planned": False, "calls": 0, "cost_usd": 0.0}
        except (LitError, OSError) as err:
            with progress.project_scope(str(self.lazy.root)):
                return task_failed(f"plan {self.key}", err)
        return self._run_step(f"plan {self.key}")

    def _step(self) -> GenerationStep:
        from lit_tasks.engine.planning import PlanStep

        return PlanStep(self.lazy, self.key, self.options)


def doit_paths(lazy: LazyProject, cwd: Path | None) -> Callable[[str], str]:
    """How doit must see a path relative to the project root, from its working directory (`cwd`)."""
    prefix = relpath_posix(lazy.root, Path(cwd or os.getcwd()).resolve())

    def rel(path: str) -> str:
        return path if prefix == "." else posixpath.normpath(f"{prefix}/{path}")

    return rel


def shared(rel: Callable[[str], str]) -> Callable[[str], str]:
    """`rel` answering one string per path: an output that every importer's task lists is held once, not once per
    task (at 5,000 prompts, a copy per mention was 1.3 MB of a first build's 97 MB)."""
    memo: dict[str, str] = {}

    def shared_rel(path: str) -> str:
        found = memo.get(path)
        if found is None:
            found = memo[path] = rel(path)
        return found

    return shared_rel


def task_name(key: str) -> str:
    """doit's name for the task of prompt `key`: its path, with `=` written `%3D` (and `%` as `%25`), since doit
    refuses a task name with an `=` (on its command line, `a=b` sets a variable) and any file name must work."""
    return key.replace("%", "%25").replace("=", "%3D")


def static_task_name(path: str) -> str:
    return f"static:{task_name(path)}"


def verify_basename(basename: str) -> str:
    """`verify` beside the default `regenerate`; `<basename>-verify` for a project embedded under its own name."""
    return "verify" if basename == DEFAULT_BASENAME else f"{basename}-verify"


def plan_basename(basename: str) -> str:
    """`plan` beside the default `regenerate`; `<basename>-plan` for a project embedded under its own name."""
    return "plan" if basename == DEFAULT_BASENAME else f"{basename}-plan"


def plan_tasks(
    lazy: LazyProject, basename: str = DEFAULT_BASENAME, options: RunOptions | None = None, cwd: Path | None = None
) -> Iterator[dict[str, Any]]:
    """`plan:<prompt>` for each prompt whose outputs an `inferred` plan gives: the prompt file in, its pinned
    plan (`.lit/manifests/`) out. The generation tasks are created after these have run (`LitProject`)."""
    from lit_tasks.model.manifests import manifest_rel

    options = options or RunOptions()
    rel = doit_paths(lazy, cwd)
    pbase = plan_basename(basename)
    yield {"basename": pbase, "name": None, "doc": f"plan the outputs of {lazy.index.name}'s inferred prompts (lit)"}
    for key in lazy.index.inferred:
        yield {
            "basename": pbase,
            "name": task_name(key),
            "actions": [PlanAction(lazy, key, options)],
            "file_dep": [rel(key)],
            "targets": [rel(manifest_rel(key))],
            "doc": f"which files {key} writes (inferred)",
            "meta": {"lit": "plan", "prompt": key, "root": str(lazy.root)},
            "io": {"capture": False},
            "verbosity": 2,
        }


def prompt_tasks(
    lazy: LazyProject,
    basename: str = DEFAULT_BASENAME,
    options: RunOptions | None = None,
    cwd: Path | None = None,
    *,
    proven: bool = False,
) -> Iterator[dict[str, Any]]:
    """Task dicts for doit: the group task `basename`, then `basename:<prompt path>` in schedule order, the
    `verify:` tasks of verified prompts and the `[[static]]` files.

    `proven`: the no-op proof holds (`up_to_date`), so the settings and every output are as the lock says, and a
    prompt task needs no `uptodate` check of its own, only doit's `file_dep` comparison (where a dodo names the
    tasks or passes options; a bare `doit regenerate` gets none of them, `dodo.LitProject`). A task doit has no
    record of is still seeded with the checks, so its record is the one a run without the proof expects."""
    options = options or RunOptions()
    rel = shared(doit_paths(lazy, cwd))
    index = lazy.index
    keys = index.order if options.only is None else [key for key in index.order if key in options.only]
    verified = [key for key in keys if index.prompts[key].verify]
    vbase = verify_basename(basename)
    yield {
        "basename": basename,
        "name": None,
        "doc": f"generate {CODE_DIR}/ from the prompts of {index.name} (lit)",
        "task_dep": [vbase] if verified else [],
    }
    for key in keys:
        task = prompt_task(lazy, key, basename, options, rel)
        if key not in options.forced:
            seed_from_lock(lazy, key, task)
        if proven:
            task["uptodate"] = []  # after seeding: a seeded record keeps the settings digest
        yield task
    if verified:
        yield {"basename": vbase, "name": None, "doc": f"run the verify: commands of {index.name}'s prompts (lit)"}
    for key in verified:
        task = verify_task(lazy, key, vbase, rel)
        seed_from_lock(lazy, key, task, verified=index.prompts[key].verified_digest)
        yield task
    for static in index.static:
        yield static_task(lazy, static, basename, rel)


def prompt_task(
    lazy: LazyProject, key: str, basename: str, options: RunOptions, rel: Callable[[str], str]
) -> dict[str, Any]:
    """The task of one prompt: the prompt and its imports' outputs in, its outputs out (docs/task-model.md)."""
    index = lazy.index
    entry = index.prompts[key]
    patches = [rel(patch_rel(out)) for out in entry.outputs if out in index.patched]
    return {
        "basename": basename,
        "name": task_name(key),
        "actions": [GenerateAction(lazy, key, options)],
        "file_dep": [
            rel(key),
            *(rel(f"{CODE_DIR}/{p}") for p in entry.import_outputs),
            *patches,
            *(rel(c) for c in entry.context),
        ],
        "targets": [rel(f"{CODE_DIR}/{out}") for out in entry.outputs],
        "uptodate": [
            SettingsChanged(entry.identity_digest),
            OutputsAreFiles(lazy.code_dir, entry.outputs),
            # the lock is the truth: git (a merge, a rebase, a pull) can change what a prompt was built from
            # without touching what doit's local DB recorded of it
            *([False] if key in options.forced or key in options.stale else []),
        ],
        "clean": True,
        "doc": entry.title,
        "meta": {
            "lit": "prompt",
            "prompt": key,
            "root": str(lazy.root),
            "outputs": entry.outputs,
            "imports": entry.imports,
            "provider": entry.provider,
            "model": entry.model,
        },
        "io": {"capture": False},
        "verbosity": 2,
    }


def verify_task(lazy: LazyProject, key: str, vbase: str, rel: Callable[[str], str]) -> dict[str, Any]:
    """The `verify:` task of a prompt: its commands on its outputs (and its imports' outputs), no model call."""
    entry = lazy.index.prompts[key]
    return {
        "basename": vbase,
        "name": task_name(key),
        "actions": [VerifyAction(lazy, key)],
        "file_dep": [rel(f"{CODE_DIR}/{p}") for p in (*entry.outputs, *entry.import_outputs)],
        "uptodate": [SettingsChanged(entry.verified_digest)],
        "doc": "; ".join(entry.verify),
        "meta": {"lit": "verify", "prompt": key, "root": str(lazy.root)},
        "io": {"capture": False},
        "verbosity": 2,
    }


def static_task(lazy: LazyProject, static: StaticFile, basename: str, rel: Callable[[str], str]) -> dict[str, Any]:
    """A `[[static]]` file of lit.toml, written when its content changes."""
    return {
        "basename": basename,
        "name": static_task_name(static.path),
        "actions": [(write_atomic, [lazy.code_dir / static.path, static.content.encode("utf-8")])],
        "targets": [rel(f"{CODE_DIR}/{static.path}")],
        "uptodate": [config_changed(static.content)],
        "clean": True,
        "doc": f"{CODE_DIR}/{static.path} from lit.toml [[static]]",
        "meta": {"lit": "static", "root": str(lazy.root)},
    }
