"""The `plan:<prompt>` step of `inferred` mapping: ask the plan-role model which files a prompt needs, check the
paths by the rules every output follows, and pin the answer (`manifests.py`).

The plan is asked for as one JSON object, `{"files": [...]}`. An answer that is not such an object, lists no
file, lists an unsafe path or a file another prompt already owns fails the task and pins nothing, so a
confused planner can never change the graph.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from lit_providers.base import GenerationRequest
from lit_tasks.engine.figures import call_values, record_call, task_values
from lit_tasks.engine.generation import GenerationStep
from lit_tasks.io import progress
from lit_tasks.io.errors import GenerationError
from lit_tasks.model.manifests import Manifest, write_manifest
from lit_tasks.model.paths import CODE_DIR, UnsafePathError
from lit_tasks.model.prompt import body_of
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.records import recorder_for

MAX_PLANNED_FILES = 50

PLAN_SYSTEM = """\
You plan the source files that a code generator will write from a specification. Decide which files the \
specification needs: every file it asks for, and no others.

Language: {language}

Answer with one JSON object and nothing else:
{{"files": ["path/to/file.ext", ...]}}
Paths are relative to the root of the generated code, with forward slashes; no absolute paths and no `..`.
{taken}"""


def plan_request(step: GenerationStep, settings: GenerationSettings) -> GenerationRequest:
    project, key = step.project, step.key
    taken = sorted(out for out, owner in project.graph.owner.items() if owner != key)
    listed = "".join(f"  - {out}\n" for out in taken)
    language = f"{settings.language} {settings.language_version}".strip()
    return GenerationRequest(
        prompt=key,
        outputs=(),
        model=settings.model,
        max_tokens=min(settings.max_tokens, 2048),
        system=PLAN_SYSTEM.format(
            language=language,
            taken=f"\nThese files are written by other specifications; never list them:\n{listed}" if taken else "",
        ),
        body="## The specification\n\n" + body_of(project.prompt_bytes(key), key).strip("\n") + "\n",
    )


def parse_plan(text: str) -> list[str]:
    """The planned paths as written (not yet checked); raises GenerationError if the answer is not a plan."""
    match = re.search(r"\{.*\}|\[.*\]", text, re.DOTALL)
    try:
        data = json.loads(match.group(0) if match else text)
    except ValueError:
        data = None
    files = data.get("files") if isinstance(data, dict) else data
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        first = text.strip().splitlines()[0][:200] if text.strip() else "(empty)"
        raise GenerationError(f'the plan was not the JSON object asked for ({{"files": [...]}}); it began: {first}')
    return files


class PlanStep(GenerationStep):
    """A generation step whose answer is a list of files: one call, its paths checked, then pinned."""

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        project, key = self.project, self.key
        prompt_hash = project.graph.prompts[key].digest
        settings = project.settings(key, "plan")
        progress.emit("start", f"planning {key} ({settings.provider}:{settings.model})")
        answer = self.asker.ask(plan_request(self, settings), settings, parse=False, role="plan")
        outputs: list[str] = []
        try:
            outputs = self._check(parse_plan(answer.completion.text))
        finally:
            values = call_values(key, answer, outputs, [], started)
            record_call(
                recorder_for(self.workspace, self.options.started), values, settings, answer, prompt_hash, "plan"
            )
        write_manifest(project.root, Manifest(key, prompt_hash, outputs, settings.provider, settings.model))
        progress.emit("done", f"planned {key}: {', '.join(outputs)}")
        return task_values(values) | {"planned": True}

    def _check(self, files: list[str]) -> list[str]:
        """The planned paths, normalised and deduplicated, by the rules of declared outputs."""
        owner = self.project.graph.owner
        checked: list[str] = []
        problems: list[str] = []
        for raw in files:
            try:
                path = self.project.sandbox.check(raw)
            except UnsafePathError as err:
                problems.append(f"{raw!r}: {err}")
                continue
            if owner.get(path, self.key) != self.key:
                problems.append(f"{CODE_DIR}/{path} is already written by {owner[path]}")
            elif path not in checked:
                checked.append(path)
        if not problems and not checked:
            problems.append("it lists no file")
        if len(checked) > MAX_PLANNED_FILES:
            problems.append(f"it lists {len(checked)} files, more than {MAX_PLANNED_FILES}; split the prompt")
        if problems:
            raise GenerationError(
                "the plan was rejected, nothing is pinned: "
                + "; ".join(problems)
                + ". Edit the prompt, or declare `outputs:` in it"
            )
        return checked
