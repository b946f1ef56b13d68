"""A loaded lit project: config, prompts and the checked graph, everything a task or command needs.

Loading is the only place prompts are discovered and parsed, so every command sees the same project and every
warning (an `@import` not declared in frontmatter) is produced once per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lit_tasks.io.confined import read_inside, require_inside
from lit_tasks.io.errors import ConfigError, GenerationError
from lit_tasks.io.hashing import STAT_HASHES, hash_bytes, stat_key
from lit_tasks.model.config import CONFIG_FILE, LitConfig, parse_config, read_config
from lit_tasks.model.discovery import Scan, scan_sources
from lit_tasks.model.graph import PromptGraph, build_graph
from lit_tasks.model.lock_source import project_source
from lit_tasks.model.manifests import read_manifest
from lit_tasks.model.modules import defaults_for, load_modules
from lit_tasks.model.paths import (
    CODE_DIR,
    PROMPT_SUFFIX,
    PROMPTS_DIR,
    Sandbox,
    UnsafePathError,
    list_patches,
    normalise_relpath,
)
from lit_tasks.model.prompt import FrontmatterCache, Prompt, parse_prompt, prompt_from_parts
from lit_tasks.model.settings import GenerationSettings, settings_for

LANGUAGE_EXTENSIONS = {
    "python": ".py",
    "typescript": ".ts",
    "javascript": ".js",
    "rust": ".rs",
    "go": ".go",
    "java": ".java",
    "kotlin": ".kt",
    "scala": ".scala",
    "c": ".c",
    "cpp": ".cpp",
    "c++": ".cpp",
    "csharp": ".cs",
    "c#": ".cs",
    "ruby": ".rb",
    "php": ".php",
    "swift": ".swift",
    "shell": ".sh",
    "bash": ".sh",
    "sql": ".sql",
    "html": ".html",
    "css": ".css",
    "markdown": ".md",
    "yaml": ".yaml",
    "json": ".json",
    "toml": ".toml",
    "lua": ".lua",
    "elixir": ".ex",
    "haskell": ".hs",
    "r": ".R",
    "dart": ".dart",
    "zig": ".zig",
}


@dataclass
class Project:
    root: Path
    config: LitConfig
    graph: PromptGraph
    warnings: list[str] = field(default_factory=list)
    inferred: frozenset[str] = frozenset()  # `inferred` mapping: outputs come from a pinned plan
    unplanned: frozenset[str] = frozenset()  # of those, the ones whose plan is missing or stale
    # the hash of the files lit.toml-derived values come from (`lock_source`); "" where a clone must not check its
    # lock unparsed: outputs from pinned plans, or warnings a full load would print
    source: str = ""
    _settings: dict[str, GenerationSettings] = field(default_factory=dict, repr=False)
    # prompts without a `model:` override share one settings object per role and language: they are immutable,
    # and most projects override nothing
    _shared_settings: dict[tuple[str, str | None], GenerationSettings] = field(default_factory=dict, repr=False)

    @property
    def code_dir(self) -> Path:
        return self.root / CODE_DIR

    def prompt_bytes(self, key: str) -> bytes:
        """The bytes the prompt `key` was parsed from, read again: a `Prompt` keeps only their hash. A file that
        changed (or went) since the load is an error, never a silent mix of two versions."""
        try:
            raw = read_inside(self.root, key)
        except FileNotFoundError:
            raw = None
        if raw is None or hash_bytes(raw) != self.graph.prompts[key].digest:
            raise GenerationError(f"{key} changed after lit loaded it; run lit again")
        return raw

    def settings(self, key: str, role: str = "generate") -> GenerationSettings:
        """The prompt's effective settings in `role`, built once per load (task creation and generation ask)."""
        cache_key = key if role == "generate" else f"{role}:{key}"
        found = self._settings.get(cache_key)
        if found is None:
            prompt = self.graph.prompts[key]
            if prompt.frontmatter.model:
                found = settings_for(self.config, prompt, role)
            else:
                shared = (role, prompt.frontmatter.language)
                found = self._shared_settings.get(shared) or self._shared_settings.setdefault(
                    shared, settings_for(self.config, prompt, role)
                )
            self._settings[cache_key] = found
        return found

    def context_files(self, key: str) -> tuple[str, ...]:
        """Guideline files for `key`'s system prompt: lit.toml [context] files, then its own `context:`."""
        own = self.graph.prompts[key].frontmatter.context
        return tuple(dict.fromkeys([*self.config.context.files, *own]))

    def verify_commands(self, key: str) -> tuple[str, ...]:
        """`verify:` of the prompt, else lit.toml [verify] commands; empty means not verified."""
        own = self.graph.prompts[key].frontmatter.verify
        return tuple(own if own is not None else self.config.verify.commands)

    def fix_attempts(self, key: str) -> int:
        own = self.graph.prompts[key].frontmatter.fix_attempts
        return own if own is not None else self.config.verify.fix_attempts

    def review_enabled(self, key: str) -> bool:
        own = self.graph.prompts[key].frontmatter.review
        return own if own is not None else self.config.review.enabled

    @cached_property
    def sandbox(self) -> Sandbox:
        """The code.lock/ sandbox, its per-directory checks shared by every prompt of the run."""
        return Sandbox(self.code_dir)

    @cached_property
    def patched(self) -> frozenset[str]:
        """Outputs with a saved patch, listed once per load (patches are saved by `lit patch`, not during a run)."""
        return frozenset(list_patches(self.root))


def load_project(root: Path, scan: Scan | None = None, cache: FrontmatterCache | None = None) -> Project:
    """Load and check the project at `root`; raises ConfigError/GraphError before anything is generated.

    `cache` holds frontmatter parsed by earlier runs (the state layer's parse cache); without one, every prompt
    is parsed."""
    root = root.resolve()
    raw = read_config(root)
    config = parse_config(raw)
    scan = scan or scan_sources(root)
    project = assemble_project(root, config, scan, iter_sources(root, scan, cache), cache=cache)
    if config.project.mapping != "inferred" and not project.warnings:
        project.source = project_source(raw, [(rel, read_inside(root, rel)) for rel, _ in scan.modules])
    return project


def read_sources(root: Path, scan: Scan) -> dict[str, tuple[bytes, str]]:
    """Every prompt file's bytes and hash (remembered: seeding and snapshots need not read them again)."""
    return dict(iter_sources(root, scan))


def iter_sources(
    root: Path, scan: Scan, cache: FrontmatterCache | None = None
) -> Iterator[tuple[str, tuple[bytes | None, str]]]:
    """`read_sources` one prompt at a time: a load parses each as it is read and holds no prompt's bytes after
    (all of them at once were 37 MB of a load's peak at 20,000 prompts). A prompt whose version (stat) has a
    hash this process knows, and whose text `cache` holds parsed, is not read: its bytes are None."""
    for rel, st in scan.prompts:
        digest = STAT_HASHES.known(stat_key(st)) if cache is not None else None
        if digest is not None and cache.get(rel, digest) is not None:
            yield rel, (None, digest)
            continue
        raw, digest, _ = STAT_HASHES.read(root / rel)
        yield rel, (raw, digest)


def assemble_project(
    root: Path,
    config: LitConfig,
    scan: Scan,
    sources: Iterable[tuple[str, tuple[bytes | None, str]]],
    *,
    cache: FrontmatterCache | None = None,
    pending: frozenset[str] = frozenset(),
) -> Project:
    """The project made of `config` and the prompt files `sources` (path, (bytes, hash)), checked as a load
    checks it: what `lit draft` validates in memory before it writes anything. `pending` are guideline files
    about to be written with it (they need not exist yet)."""
    mode = config.project.mapping
    modules = load_modules(root, [rel for rel, _ in scan.modules]) if mode == "modular" else {}
    prompts: dict[str, Prompt] = {}
    planned: set[str] = set()
    for rel, (raw, digest) in sources:
        default: tuple[str, ...] = ()
        if mode == "direct":
            default = direct_outputs(rel, config.language.default)
        elif mode == "inferred":
            manifest = read_manifest(root, rel)
            if manifest is not None and manifest.current_for(digest):
                default = tuple(manifest.outputs)
                planned.add(rel)
        defaults = defaults_for(rel, modules) if modules else None
        prompts[rel] = _parsed(root, rel, raw, digest, default, cache, defaults)
    prompts = _canonical_imports(prompts)
    inferred = frozenset(k for k, p in prompts.items() if mode == "inferred" and not p.declares_outputs)
    unplanned = inferred - planned
    graph = build_graph(prompts, root / CODE_DIR, [s.path for s in config.static], unplanned)
    project = Project(
        root=root,
        config=config,
        graph=graph,
        warnings=undeclared_refs(prompts),
        inferred=inferred,
        unplanned=unplanned,
    )
    _check_context_files(project, pending)
    _check_confined(project)
    return project


def _check_context_files(project: Project, pending: frozenset[str] = frozenset()) -> None:
    """A guideline file that does not exist, leads outside the project or is ignored by git is a configuration
    error, named with where it was listed: guideline files are sent to the model service, so they must be the
    project's own source, never a local file such as `.env` that a repository names to have it sent."""
    listed = [("lit.toml [context] files", rel) for rel in project.config.context.files]
    listed += [(key, rel) for key, prompt in project.graph.prompts.items() for rel in prompt.frontmatter.context]
    listed = [(where, rel) for where, rel in listed if rel not in pending]
    for where, rel in listed:
        require_inside(project.root, rel)
        if not (project.root / rel).is_file():
            raise ConfigError(f"{where}: context file {rel} does not exist (paths are relative to the project root)")
    if listed:
        from lit_tasks.io.git_paths import as_committed, ignored_by_git, untracked_by_git  # pygit2: only when needed

        rels = sorted({rel for _, rel in listed})
        ignored = ignored_by_git(project.root, rels)
        if ignored:
            raise ConfigError(
                f"context file {ignored[0]} is ignored by git: a local file, not the project's source, and guideline "
                "files are sent to the model service; commit it, or take it out of the context"
            )
        _refuse_local_context(project, listed, set(untracked_by_git(project.root, rels)), as_committed)


def _refuse_local_context(project: Project, listed: list[tuple[str, str]], untracked: set[str], as_committed) -> None:  # noqa: ANN001
    """A guideline file git does not know, listed by a lit.toml or prompt exactly as committed: the repository
    names a file it does not hold, one that only this machine has (a `.env`), to have it sent. Listed by the
    person's own uncommitted edit, it is their new guideline file."""
    if not untracked:
        return
    sources = {
        where: CONFIG_FILE if where.startswith(CONFIG_FILE) else where for where, rel in listed if rel in untracked
    }
    committed = set(as_committed(project.root, sorted(set(sources.values()))))
    for where, rel in listed:
        if rel in untracked and sources[where] in committed:
            raise ConfigError(
                f"{where}: context file {rel} is not in git, but {sources[where]} as committed lists it: guideline "
                f"files are sent to the model service, so lit sends only the project's own; `git add {rel}` if it "
                "is, or take it out of the context"
            )


def _check_confined(project: Project) -> None:
    """The other places lit.toml names stay inside the project: the replay answers are read from there, and the
    `[[static]]` files written there."""
    require_inside(project.root, project.config.model.replay.dir)
    for static in project.config.static:
        require_inside(project.root, f"{CODE_DIR}/{static.path}")


def direct_outputs(prompt_path: str, language: str) -> tuple[str, ...]:
    """`direct` mapping: prompts/models/user.prompt.md -> models/user.py (extension from the language)."""
    stem = prompt_path.removeprefix(PROMPTS_DIR + "/").removesuffix(PROMPT_SUFFIX)
    ext = LANGUAGE_EXTENSIONS.get(language.lower())
    if ext is None:
        raise ConfigError(
            f'{prompt_path}: mapping = "direct" cannot derive an output name: no file extension is known for '
            f"language `{language}`; declare `outputs:` in the prompt"
        )
    try:
        return (normalise_relpath(stem + ext),)
    except UnsafePathError as err:
        raise ConfigError(f"{prompt_path}: cannot derive an output path: {err}") from None


def _parsed(
    root: Path,
    rel: str,
    raw: bytes | None,
    digest: str,
    default: tuple[str, ...],
    cache: FrontmatterCache | None,
    defaults: dict[str, Any] | None,
) -> Prompt:
    """The prompt `rel`: from the parse cache when its file was not read (`iter_sources`), else from its bytes."""
    parts = cache.get(rel, digest) if raw is None and cache is not None else None
    if parts is not None:
        prompt = prompt_from_parts(rel, digest, parts, default_outputs=default, defaults=defaults)
        if prompt is not None:
            return prompt
    if raw is None:  # invalid (its bytes say where), or no longer cached
        raw, digest, _ = STAT_HASHES.read(root / rel)
    return parse_prompt(rel, raw, default_outputs=default, cache=cache, defaults=defaults, digest=digest)


def _canonical_imports(prompts: dict[str, Prompt]) -> dict[str, Prompt]:
    """Accept imports written relative to prompts/ as well as to the root, and store the root-relative key."""
    result = {}
    for key, prompt in prompts.items():
        fixed = tuple(_resolve_import(imp, prompts) for imp in prompt.imports)
        result[key] = prompt if fixed == prompt.imports else prompt.with_imports(fixed)
    return result


def _resolve_import(imp: str, prompts: dict[str, Prompt]) -> str:
    if imp in prompts:
        return imp
    alt = f"{PROMPTS_DIR}/{imp}"
    return alt if alt in prompts else imp


def undeclared_refs(prompts: dict[str, Prompt]) -> list[str]:
    """One warning per `@import(x)` in a body whose `x` is missing from that prompt's `imports:`."""
    warnings = []
    for key in sorted(prompts):
        prompt = prompts[key]
        declared = set(prompt.imports)
        for ref in prompt.body_refs:
            try:
                norm = _resolve_import(normalise_relpath(ref), prompts)
            except UnsafePathError:
                norm = ref
            if norm not in declared:
                warnings.append(
                    f"{key}: body references @import({ref}) but `imports:` does not list it; "
                    "add it to the frontmatter or its code will not be in the context"
                )
    return warnings
