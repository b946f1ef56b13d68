"""`lit draft`: a request becomes prompt files, checked as lit checks a project, and lands as an ordinary change.

The steps (docs/draft.md): when the project has no prompts, the architect proposes the stack and conventions (a
guideline file and lit.toml's [language], [framework] and [verify]); the PM writes the prompts. Every answer is
validated in memory before anything is written: paths inside `prompts/`, frontmatter by lit's own schema, the
graph (imports, cycles, outputs claimed twice) by the same load a build does, lit.toml by its schema, and a size
limit. An invalid answer gets one more call with its problems listed; a second invalid answer fails the draft
with one line per problem and nothing written. The files are then written together (all or none).

A draft is a step like a generation: its calls go through the response cache, the records (roles `architect`
and `pm`) and `lit cost`; its draft record (`state.drafts`) maps the source state it was made from to what it
wrote, so the same request makes no call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lit_providers.base import GenerationRequest
from lit_tasks.engine.answers import Answer, Asker
from lit_tasks.engine.draft_inputs import last_failure
from lit_tasks.engine.figures import call_values, record_call
from lit_tasks.engine.options import RunOptions
from lit_tasks.engine.run_plan import prompt_estimate
from lit_tasks.io import progress
from lit_tasks.io.atomic import write_all_atomic
from lit_tasks.io.confined import OutsideRootError, is_inside, read_inside, require_inside
from lit_tasks.io.errors import ConfigError, GenerationError, LitError, ResponseError, UsageError
from lit_tasks.llm import draft as requests
from lit_tasks.llm.draft import ExistingPrompt, ProjectBrief
from lit_tasks.llm.response import parse_response
from lit_tasks.model.config import CONFIG_FILE, LitConfig, parse_config
from lit_tasks.model.discovery import scan_sources
from lit_tasks.model.paths import UnsafePathError
from lit_tasks.model.project import Project, assemble_project, read_sources
from lit_tasks.model.settings import GenerationSettings, draft_settings
from lit_tasks.model.settings_edit import merged_settings
from lit_tasks.state import drafts, events, locks
from lit_tasks.state.drafts import DraftRecord, file_hash, state_hash
from lit_tasks.state.index import LazyProject
from lit_tasks.state.records import recorder_for
from lit_tasks.state.workspace import Workspace

MAX_ANSWER_BYTES = 2_000_000  # a draft's answer; a prompt is a page or two
MAX_DRAFT_FILES = 200  # prompt files in one draft


class DraftRejected(GenerationError):
    """The model's draft broke the rules twice: one line per problem, nothing written."""


@dataclass(frozen=True)
class DraftAsk:
    """What `lit draft` was asked for."""

    request: str = ""
    fix: str | None = None  # re-plan this prompt (`--fix`)
    dry_run: bool = False
    force: bool = False  # overwrite prompt files with uncommitted changes
    use_cache: bool = True
    started: float = field(default_factory=time.time)


@dataclass
class Drafted:
    """The result: the files written (or that would be), the project with them, and what it took."""

    files: dict[str, bytes]
    project: Project
    new: list[str]
    edited: list[str]
    estimate: float
    unpriced: list[str]
    reused: str | None = None  # why no call was needed: "in place" (the draft of this request is the project)

    @property
    def prompts(self) -> list[str]:
        return sorted(self.new + self.edited)


class Drafter:
    """One `lit draft` on the project at `root`: its source as read now, the calls, the checks, the write."""

    def __init__(self, root: Path, ask: DraftAsk) -> None:
        lazy = LazyProject.load(root)
        self.workspace: Workspace = lazy.workspace
        self.root = self.workspace.root
        self.project = lazy.project
        self.ask = ask
        self.scan = scan_sources(self.root)
        self.sources = read_sources(self.root, self.scan)
        self.config_raw = read_inside(self.root, CONFIG_FILE)
        self.guidelines = {rel: read_inside(self.root, rel) for rel in self.project.config.context.files}
        self.options = RunOptions(use_cache=ask.use_cache, started=ask.started)
        locks.join_run(self.workspace)  # a run: on the dashboard's timeline, and swept after if it is killed
        self.roles: list[str] = []

    # -- the source state ----------------------------------------------------------------------------------
    def source_files(self, overlay: dict[str, bytes] | None = None) -> dict[str, bytes]:
        files = {CONFIG_FILE: self.config_raw, **self.guidelines, **{k: v[0] for k, v in self.sources.items()}}
        return files | (overlay or {})

    def brief(self, config: LitConfig, guidelines: dict[str, bytes]) -> ProjectBrief:
        """What the PM is told of the project; with `--fix`, the failing prompt and what it imports come first,
        so they are shown in full whatever the budget leaves for the others."""
        graph = self.project.graph
        first = [self.ask.fix, *sorted(graph.closure([self.ask.fix]))] if self.ask.fix else []
        order = list(dict.fromkeys([*first, *sorted(graph.prompts)]))
        prompts = tuple(
            ExistingPrompt(
                key, self.project.prompt_bytes(key).decode("utf-8", "replace"), p.title, p.outputs, p.imports
            )
            for key, p in ((key, graph.prompts[key]) for key in order)
        )
        shown = tuple((rel, data.decode("utf-8", "replace")) for rel, data in guidelines.items())
        return ProjectBrief(tuple(config.verify.commands), shown, prompts)

    # -- the steps -----------------------------------------------------------------------------------------
    def questions(self) -> list[str]:
        """The PM's questions about the request (at most 3), before any plan."""
        config = self.project.config
        settings = draft_settings(config, "pm")
        request = requests.questions_request(settings, self.brief(config, self.guidelines), self.ask.request)
        return requests.parse_questions(self._call("pm", settings, request).completion.text)

    def run(self) -> Drafted:
        """Draft, check and (unless a dry run) write; raises LitError with nothing written."""
        if self.ask.fix and self.ask.fix not in self.project.graph.prompts:
            raise UsageError(f"--fix {self.ask.fix}: not a prompt of this project")
        before = state_hash(self.source_files())
        for record in reversed(drafts.load_drafts(self.workspace)):
            if record.request == self.ask.request and record.fix == (self.ask.fix or None):
                if record.after == before and self._in_place(record):
                    return self._reuse(record, "in place")
        config_text, guidelines = self.config_raw, dict(self.guidelines)
        overlay: dict[str, bytes] = {}
        if not self.project.graph.prompts and not self.ask.fix:
            overlay = self._architect()
            config_text = overlay[CONFIG_FILE]
            guidelines[requests.GUIDELINES_FILE] = overlay[requests.GUIDELINES_FILE]
        config = parse_config(config_text)
        prompts = self._planned(config, guidelines)
        current = self.source_files()
        files = {path: data for path, data in (overlay | prompts).items() if current.get(path) != data}  # changes
        drafted = self._checked_project(config, files)
        result = self._result(files, drafted)
        if not self.ask.dry_run and files:
            self._refuse_uncommitted(files)
            self._write(files)
            after = state_hash(self.source_files(files))
            drafts.save_draft(
                self.workspace,
                DraftRecord(
                    id=drafts.new_id(),
                    request=self.ask.request,
                    fix=self.ask.fix,
                    before=before,
                    after=after,
                    files={path: file_hash(data) for path, data in sorted(files.items())},
                    roles=self.roles,
                    finished=drafts.now(),
                ),
            )
        return result

    def _in_place(self, record: DraftRecord) -> bool:
        current = self.source_files()
        return all(path in current and file_hash(current[path]) == digest for path, digest in record.files.items())

    def _reuse(self, record: DraftRecord, why: str) -> Drafted:
        files = {path: self.source_files()[path] for path in record.files}
        result = self._result(files, self.project, in_place=True)
        result.reused = why
        return result

    def _architect(self) -> dict[str, bytes]:
        """The stack and conventions of a new project: the guideline file, and lit.toml with the settings merged."""
        settings = draft_settings(self.project.config, "architect")

        def make(problems: list[str]) -> GenerationRequest:
            return requests.architect_request(settings, self.ask.request, problems)

        return self._ask_checked("architect", settings, make, self._check_architect)

    def _planned(self, config: LitConfig, guidelines: dict[str, bytes]) -> dict[str, bytes]:
        settings = draft_settings(config, "pm")
        brief = self.brief(config, guidelines)
        if self.ask.fix:
            what, failure = last_failure(self.workspace, self.ask.fix)

            def make(problems: list[str]) -> GenerationRequest:
                assert self.ask.fix is not None
                return requests.fix_request(settings, brief, self.ask.fix, what, failure, problems)

        else:

            def make(problems: list[str]) -> GenerationRequest:
                return requests.pm_request(settings, brief, self.ask.request, problems)

        return self._ask_checked("pm", settings, make, lambda files: self._check_prompts(config, guidelines, files))

    def _ask_checked(
        self,
        role: str,
        settings: GenerationSettings,
        make: Callable[[list[str]], GenerationRequest],
        check: Callable[[dict[str, str]], tuple[dict[str, bytes], list[str]]],
    ) -> dict[str, bytes]:
        """Ask; on problems, ask once more with them listed; then the checked files, or DraftRejected."""
        problems: list[str] = []
        for attempt in range(2):
            request = make(problems)
            try:
                answer = self._call(role, settings, request)
            except ResponseError as err:  # cut off, refused or empty: recorded as paid, and asked once more
                files, problems = {}, [str(err)]
            else:
                files, problems = self._read(answer, check)
            problems = [" ".join(problem.split()) for problem in problems]  # one line each
            if not problems:
                return files
            if attempt == 0:
                progress.emit(
                    "warn",
                    f"the {role}'s draft was rejected ({progress.plural(len(problems), 'problem')}); asking again",
                )
        events.emit(self.workspace, "failed", request.prompt, message=f"the {role}'s draft was rejected twice")
        raise DraftRejected(
            f"the {role}'s draft was rejected twice; nothing was written:\n"
            + "\n".join(f"  {p}" for p in problems)
            + "\nChange the request, or ask again (`--no-cache`); with the replay provider, edit its stored answer"
        )

    def _call(self, role: str, settings: GenerationSettings, request: GenerationRequest) -> Answer:
        started = time.monotonic()
        progress.emit("start", f"drafting ({role}, {settings.provider}:{settings.model})")
        events.emit(self.workspace, "drafting", request.prompt)
        asker = Asker(self.workspace, request.prompt, (), self.options)
        try:
            answer = asker.ask(request, settings, parse=False, role=role)
        except LitError:
            events.emit(self.workspace, "failed", request.prompt)
            raise
        values = call_values(request.prompt, answer, [], [], started)
        record_call(recorder_for(self.workspace, self.options.started), values, settings, answer, "", role)
        if role not in self.roles:
            self.roles.append(role)
        events.emit(self.workspace, "done", request.prompt, cost_usd=values["cost_usd"] or 0.0)
        return answer

    def _read(
        self, answer: Answer, check: Callable[[dict[str, str]], tuple[dict[str, bytes], list[str]]]
    ) -> tuple[dict[str, bytes], list[str]]:
        text = answer.completion.text
        if len(text.encode()) > MAX_ANSWER_BYTES:
            return {}, [
                f"the answer is {len(text.encode()):,} bytes, more than the {MAX_ANSWER_BYTES:,} a draft may be"
            ]
        try:
            parsed = parse_response(text, None)
        except ResponseError as err:
            return {}, [str(err)]
        return check(parsed.files)

    # -- the checks ----------------------------------------------------------------------------------------
    def _check_architect(self, files: dict[str, str]) -> tuple[dict[str, bytes], list[str]]:
        expected = {requests.GUIDELINES_FILE, requests.SETTINGS_BLOCK}
        problems = [
            f"{path}: not a file the architect writes (only {', '.join(sorted(expected))})"
            for path in files
            if path not in expected
        ]
        problems += [f"{path}: missing from the answer" for path in sorted(expected - files.keys())]
        if problems:
            return {}, problems
        problems += self._check_place(requests.GUIDELINES_FILE)
        try:
            config_text = merged_settings(self.config_raw, files[requests.SETTINGS_BLOCK], requests.GUIDELINES_FILE)
        except ConfigError as err:
            return {}, [
                f"{requests.SETTINGS_BLOCK} (the proposed settings, lines counted in lit.toml as merged): {err}"
            ]
        return {
            requests.GUIDELINES_FILE: files[requests.GUIDELINES_FILE].encode(),
            CONFIG_FILE: config_text,
        }, problems

    def _check_prompts(
        self, config: LitConfig, guidelines: dict[str, bytes], files: dict[str, str]
    ) -> tuple[dict[str, bytes], list[str]]:
        problems: list[str] = []
        if len(files) > MAX_DRAFT_FILES:
            return {}, [f"the answer has {len(files):,} files, more than the {MAX_DRAFT_FILES} a draft may write"]
        drafted: dict[str, bytes] = {}
        for path, text in files.items():
            if not requests.is_prompt_path(path):
                problems.append(f"{path}: not a prompt file (a draft writes only prompts/<path>.prompt.md)")
                continue
            place = self._check_place(path)
            if place:
                problems += place
                continue
            drafted[path] = text.encode()
        if not drafted and not problems:
            problems.append("the answer holds no prompt file")
        if problems:
            return {}, problems
        pending = frozenset(set(guidelines) - set(self.guidelines))
        try:
            self._assemble(config, drafted, pending)
        except (ConfigError, UnsafePathError) as err:
            problems.append(str(err))
        return drafted, problems

    def _check_place(self, path: str) -> list[str]:
        """A path the draft may write: inside the project, no link on the way (or at the file)."""
        try:
            require_inside(self.root, path)
        except OutsideRootError as err:
            return [str(err)]
        if os.path.islink(self.root / path):
            return [f"{path} is a symlink; a draft never writes through one"]
        return []

    def _assemble(self, config: LitConfig, drafted: dict[str, bytes], pending: frozenset[str]) -> Project:
        from lit_tasks.io.hashing import hash_bytes

        sources = dict(self.sources) | {path: (raw, hash_bytes(raw)) for path, raw in drafted.items()}
        return assemble_project(self.root, config, self.scan, sources.items(), pending=pending)

    def _checked_project(self, config: LitConfig, files: dict[str, bytes]) -> Project:
        prompts = {p: d for p, d in files.items() if requests.is_prompt_path(p)}
        pending = frozenset(p for p in files if not requests.is_prompt_path(p))
        return self._assemble(config, prompts, pending)

    # -- writing -------------------------------------------------------------------------------------------
    def _refuse_uncommitted(self, files: dict[str, bytes]) -> None:
        """One line, nothing written, when the draft would overwrite a file whose changes are not committed."""
        if self.ask.force:
            return
        existing = [p for p in sorted(files) if (self.root / p).exists() and self.source_files().get(p) != files[p]]
        if not existing:
            return
        from lit_tasks.io.git import Repo

        try:
            repo = Repo(self.root)
            uncommitted = [p for p in existing if repo.read_blob("HEAD", p) != self.source_files().get(p)]
        except LitError:
            uncommitted = existing  # no repository: every change is uncommitted
        if uncommitted:
            raise UsageError(
                f"the draft would overwrite {', '.join(uncommitted)}, which has uncommitted changes; commit them (or "
                "stash them) first, or pass --force"
            )

    def _write(self, files: dict[str, bytes]) -> None:
        for path in files:
            if not is_inside(self.root, path):
                raise OutsideRootError(path)
            (self.root / path).parent.mkdir(parents=True, exist_ok=True)
        write_all_atomic({self.root / path: data for path, data in files.items()})

    # -- the report ----------------------------------------------------------------------------------------
    def _result(self, files: dict[str, bytes], project: Project, in_place: bool = False) -> Drafted:
        prompts = [p for p in files if requests.is_prompt_path(p)]
        existing = set(self.project.graph.prompts)
        if in_place:  # the draft is the project now: new are the prompts never built
            new = sorted(p for p in prompts if self.workspace.lock.read(p) is None)
            edited = sorted(p for p in prompts if p not in new)
        else:
            new = sorted(p for p in prompts if p not in existing)
            edited = sorted(p for p in prompts if p in existing)
        affected = downstream(project, set(prompts))
        estimates = {key: prompt_estimate(project, key) for key in affected}
        return Drafted(
            files=files,
            project=project,
            new=new,
            edited=edited,
            estimate=sum(v or 0.0 for v in estimates.values()),
            unpriced=sorted(k for k, v in estimates.items() if v is None),
        )


def downstream(project: Project, changed: set[str]) -> list[str]:
    """`changed` and every prompt that imports one of them, directly or not, in build order."""
    affected = set(changed)
    for key in project.graph.order:
        if any(imp in affected for imp in project.graph.prompts[key].imports):
            affected.add(key)
    return [k for k in project.graph.order if k in affected]
