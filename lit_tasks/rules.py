"""The rule set: one doit task per prompt (DESIGN §3), plus one per `[[static]]` file.

Paths handed to doit are relative to doit's working directory and normalised, because doit matches a
`file_dep` to the task that lists it in `targets` by exact string. That is what lets an embedding `dodo.py`
put a lit project in a subdirectory under its own basename.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from doit.tools import config_changed

from .atomic import write_atomic
from .generation import GenerationStep, RunOptions
from .hashing import FileHashes
from .patches import patch_rel
from .paths import CODE_DIR, relpath_posix
from .project import Project
from .seed import seed_from_lock

DEFAULT_BASENAME = "regenerate"


def prompt_tasks(
    project: Project,
    basename: str = DEFAULT_BASENAME,
    options: RunOptions | None = None,
    cwd: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Task dicts for doit: the group task `basename`, then `basename:<prompt path>` in schedule order."""
    options = options or RunOptions()
    prefix = relpath_posix(project.root, Path(cwd or os.getcwd()).resolve())

    def rel(path: str) -> str:
        """`path` (normalised, relative to the project root) as doit must see it from its working directory."""
        return path if prefix == "." else posixpath.normpath(f"{prefix}/{path}")

    graph = project.graph
    patched = project.patched
    hashes = FileHashes(project.root)  # tasks are created before anything runs: files do not change meanwhile
    yield {
        "basename": basename,
        "name": None,
        "doc": f"generate {CODE_DIR}/ from the prompts of {project.config.project.name} (lit)",
    }
    for key in graph.order:
        prompt = graph.prompts[key]
        settings = project.settings(key)
        outputs = [f"{CODE_DIR}/{out}" for out in prompt.outputs]
        imported = [f"{CODE_DIR}/{out}" for out in graph.import_outputs(key)]
        patches = [rel(patch_rel(out)) for out in prompt.outputs if out in patched]
        task = {
            "basename": basename,
            "name": key,
            "actions": [GenerationStep(project, key, options)],
            "file_dep": [rel(key), *(rel(p) for p in imported), *patches],
            "targets": [rel(p) for p in outputs],
            "uptodate": [config_changed(settings.identity())],
            "clean": True,
            "doc": prompt.title,
            "meta": {
                "lit": "prompt",
                "prompt": key,
                "root": str(project.root),
                "outputs": list(prompt.outputs),
                "imports": list(prompt.imports),
                "provider": settings.provider,
                "model": settings.model,
            },
            "io": {"capture": False},
            "verbosity": 2,
        }
        seed_from_lock(project, key, task, hashes)
        yield task
    for static in project.config.static:
        target = project.code_dir / static.path
        yield {
            "basename": basename,
            "name": f"static:{static.path}",
            "actions": [(write_atomic, [target, static.content.encode("utf-8")])],
            "targets": [rel(f"{CODE_DIR}/{static.path}")],
            "uptodate": [config_changed(static.content)],
            "clean": True,
            "doc": f"{CODE_DIR}/{static.path} from lit.toml [[static]]",
            "meta": {"lit": "static", "root": str(project.root)},
        }
