"""The project index: what creating tasks and checking the lock need of a project, kept between runs.

Loading a project (validating lit.toml, parsing every frontmatter, checking the graph, resolving settings) takes
longer than doit's whole no-op run, and pydantic alone takes a quarter of a second to import. The index is the
result of one such load, stored in `.lit/cache/index.json` under a fingerprint of everything it was computed
from: the stat of lit.toml and of every prompt file, the set of prompt files and saved patches, and lit's own
source files. While the fingerprint matches, a run creates its tasks from the index alone; the full project is
loaded only when a prompt actually has to be generated (`LazyProject.project`), and is checked against the same
fingerprint then, so a prompt edited in between fails that run instead of being generated from stale tasks.

Only a project that loaded without error is ever indexed, so errors are reported on every run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.errors import ConfigError, GenerationError
from lit_tasks.io.gc_pause import long_lived
from lit_tasks.io.hashing import Hasher, read_regular, stat_key
from lit_tasks.model.discovery import Scan, scan_sources
from lit_tasks.model.paths import CONFIG_FILE, MANIFEST_DIR, PATCH_DIR, PATCH_SUFFIX
from lit_tasks.state.tree_shape import check_local_state, check_lock_dirs, check_tree_shape
from lit_tasks.state.workspace import Workspace

if TYPE_CHECKING:
    from lit_tasks.model.project import Project

FORMAT = 6
_SOURCE_DIR = Path(__file__).resolve().parent.parent  # the lit_tasks package
_SOURCES: list[str] = []


@dataclass(frozen=True, slots=True)
class PromptEntry:
    outputs: tuple[str, ...]
    imports: tuple[str, ...]
    import_outputs: tuple[str, ...]
    title: str
    identity_digest: str  # what doit's config_changed computes from the settings identity
    config_hash: str
    provider: str
    model: str
    context: tuple[str, ...]  # guideline files (root-relative): inputs like the prompt itself
    verify: tuple[str, ...]  # verification commands; empty when the prompt is not verified
    verified_digest: str  # what its lock entry records once verification (commands, review) passed; "" if none


@dataclass(frozen=True, slots=True)
class StaticFile:
    path: str
    content: str


@dataclass(frozen=True)
class ProjectIndex:
    """Plain dataclasses and the standard library's json: this is read on every run, and a validation library
    would cost more to import than reading the whole index (its fields are written by lit, never by hand)."""

    format: int
    fingerprint: str
    name: str
    order: tuple[str, ...]
    prompts: dict[str, PromptEntry]
    patched: frozenset[str]
    static: tuple[StaticFile, ...]
    warnings: tuple[str, ...]
    max_usd_per_run: float | None
    verify_timeout_s: float
    sources: str  # sources_fingerprint: what the full project is checked against when it is loaded later
    inferred: tuple[str, ...]  # `inferred` mapping: prompts whose outputs come from a pinned plan
    unplanned: frozenset[str]  # of those, the ones without a current plan: their `plan:` task must run first

    def closure(self, keys: list[str]) -> set[str]:
        """`keys` and what they import, transitively: what a run of them selects (`PromptGraph.closure` on the
        loaded project; this one needs no more than the index)."""
        found, stack = set(keys), list(keys)
        while stack:
            for imp in self.prompts[stack.pop()].imports:
                if imp not in found:
                    found.add(imp)
                    stack.append(imp)
        return found

    @classmethod
    def of(cls, project: Project, fingerprint: str, sources: str) -> ProjectIndex:
        from lit_tasks.io.hashing import hash_bytes

        prompts = {}
        digests: dict[int, tuple[str, str]] = {}  # by settings object: prompts without overrides share one
        for key in project.graph.order:
            prompt, settings = project.graph.prompts[key], project.settings(key)
            identity, config = digests.get(id(settings)) or digests.setdefault(
                id(settings), (settings.identity_digest(), hash_bytes(settings.canonical().encode()))
            )
            prompts[key] = PromptEntry(
                outputs=prompt.outputs,
                imports=prompt.imports,
                import_outputs=tuple(project.graph.import_outputs(key)),
                title=prompt.title,
                identity_digest=identity,
                config_hash=config,
                provider=settings.provider,
                model=settings.model,
                context=project.context_files(key),
                verify=project.verify_commands(key),
                verified_digest=verified_digest(project, key),
            )
        return cls(
            format=FORMAT,
            fingerprint=fingerprint,
            name=project.config.project.name,
            order=tuple(project.graph.order),
            prompts=prompts,
            patched=project.patched,
            static=tuple(StaticFile(s.path, s.content) for s in project.config.static),
            warnings=tuple(project.warnings),
            max_usd_per_run=project.config.budget.max_usd_per_run,
            verify_timeout_s=project.config.verify.timeout_s,
            sources=sources,
            inferred=tuple(k for k in project.graph.order if k in project.inferred),
            unplanned=project.unplanned,
        )

    def owners(self) -> dict[str, str]:
        """Each declared output and the prompt that declares it."""
        return {out: key for key, entry in self.prompts.items() for out in entry.outputs}


def verified_digest(project: Project, key: str) -> str:
    """What `key`'s lock entry records once its verification (commands, review) passed; "" when it has none."""
    from lit_tasks.model.settings import commands_digest  # pydantic: only when a project is loaded in full

    commands, review = project.verify_commands(key), project.review_enabled(key)
    return commands_digest(commands, review) if commands or review else ""


def fingerprint(workspace: Workspace, sources: str) -> str:
    """A hash of what the index is computed from: `sources` (an edit, a prompt, module or patch) and the plans."""
    return Hasher(f"lit-index-{FORMAT}").add(sources.encode()).add(_manifests_stat(workspace)).hexdigest()


def sources_fingerprint(workspace: Workspace, scan: Scan) -> str:
    """The part of the fingerprint a user edits (lit.toml, prompts, modules, patches), without the pinned plans
    that `plan:` tasks write during a run."""
    root = workspace.root
    h = Hasher(f"lit-sources-{FORMAT}")
    h.add(_stat_bytes(root / CONFIG_FILE))
    for rel, st in (*scan.prompts, *scan.modules):
        h.add(rel.encode()).add(repr(stat_key(st)).encode())
    patches = root / PATCH_DIR
    if patches.is_dir():
        for dirpath, _, filenames in sorted(os.walk(patches)):
            for name in sorted(filenames):
                if name.endswith(PATCH_SUFFIX):
                    h.add(os.path.join(dirpath, name).encode())
    for source in _lit_sources():  # a changed lit rebuilds the index
        h.add(source.encode()).add(repr(stat_key(os.stat(source))).encode())
    return h.hexdigest()


def _lit_sources() -> list[str]:
    """lit's own modules, in every layer (listed once per process)."""
    if not _SOURCES:
        for dirpath, dirnames, filenames in os.walk(_SOURCE_DIR):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            _SOURCES.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(".py"))
    return _SOURCES


def _manifests_stat(workspace: Workspace) -> bytes:
    base = workspace.root / MANIFEST_DIR
    if not base.is_dir():
        return b"none"
    parts = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            parts.append(f"{path}:{stat_key(os.stat(path))}")
    return "\n".join(parts).encode()


def _stat_bytes(path: Path) -> bytes:
    try:
        return repr(stat_key(os.stat(path))).encode()
    except FileNotFoundError:
        return b"missing"


def read_index(workspace: Workspace) -> ProjectIndex | None:
    """The stored index, or None if there is none, it is unreadable or it is of another format."""
    try:
        data = json.loads(read_regular(workspace.index_file, follow=False))
        if data.get("format") != FORMAT:
            return None
        return ProjectIndex(
            format=FORMAT,
            fingerprint=data["fingerprint"],
            name=data["name"],
            order=tuple(data["order"]),
            prompts={
                key: PromptEntry(
                    tuple(out),
                    tuple(imp),
                    tuple(imp_out),
                    title,
                    identity,
                    config,
                    provider,
                    model,
                    tuple(ctx),
                    tuple(vf),
                    vd,
                )
                for key, (out, imp, imp_out, title, identity, config, provider, model, ctx, vf, vd) in data[
                    "prompts"
                ].items()
            },
            patched=frozenset(data["patched"]),
            static=tuple(StaticFile(path, content) for path, content in data["static"]),
            warnings=tuple(data["warnings"]),
            max_usd_per_run=data["max_usd_per_run"],
            verify_timeout_s=data["verify_timeout_s"],
            sources=data["sources"],
            inferred=tuple(data["inferred"]),
            unplanned=frozenset(data["unplanned"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def write_index(workspace: Workspace, index: ProjectIndex) -> None:
    """Best effort, like every cache: a failed write means the next run loads the project again."""
    data = {
        "format": index.format,
        "fingerprint": index.fingerprint,
        "name": index.name,
        "order": index.order,
        "prompts": {
            key: [
                e.outputs,
                e.imports,
                e.import_outputs,
                e.title,
                e.identity_digest,
                e.config_hash,
                e.provider,
                e.model,
                e.context,
                e.verify,
                e.verified_digest,
            ]
            for key, e in index.prompts.items()
        },
        "patched": sorted(index.patched),
        "static": [[s.path, s.content] for s in index.static],
        "warnings": index.warnings,
        "max_usd_per_run": index.max_usd_per_run,
        "verify_timeout_s": index.verify_timeout_s,
        "sources": index.sources,
        "inferred": index.inferred,
        "unplanned": sorted(index.unplanned),
    }
    try:
        workspace.ensure_state_dir()  # its .gitignore keeps the cache out of commits
        write_atomic(workspace.index_file, json.dumps(data, separators=(",", ":")).encode(), durable=Durability.NONE)
    except OSError:
        pass


def load_with_cache(workspace: Workspace, scan: Scan | None = None) -> Project:
    """The full project, its prompts read through (and kept in) the parse cache in `.lit/cache/`; only after
    `LazyProject._load` checked that git tracks none of lit's local state."""
    from lit_tasks.model.project import load_project
    from lit_tasks.state import hash_cache, parse_cache

    hash_cache.load(workspace)  # the hashes a status learnt: an unchanged prompt is then not read
    cache = parse_cache.ParseCache(workspace)  # read per load and let go after it, not held for the whole run
    project = load_project(workspace.root, scan, cache)
    if workspace.state_dir.is_dir():
        cache.save()
    check_providers(project)
    return project


def check_providers(project: Project) -> None:
    """Every provider the project names is installed: a misspelt one is a configuration error (exit 2) when the
    project loads, not a stale prompt for `lit check` and a failed one for `lit regenerate`."""
    import lit_providers

    config = project.config
    names = {config.model.provider}
    names.update(role.provider for role in vars(config.roles).values() if role is not None and role.provider)
    for prompt in project.graph.prompts.values():
        override = prompt.frontmatter.model
        if override is not None and override.provider:
            names.add(override.provider)
    for name in sorted(names):
        lit_providers.check_name(name)  # ConfigError, with the nearest installed name
    _check_subscriptions(project)


SUBSCRIPTION_PROVIDERS = ("claude-code",)


def _check_subscriptions(project: Project) -> None:
    """`auth = "subscription"` only where a provider runs on the user's login (claude-code): anywhere else it
    would mean a call sent with no key, or a key's calls recorded at $0."""
    config = project.config
    base = config.model
    places = [("[model.api]", base.provider, base.api)]
    places += [
        (f"[roles.{name}.api]", role.provider or base.provider, role.api)
        for name, role in vars(config.roles).items()
        if role is not None and role.api is not None
    ]
    for key, prompt in project.graph.prompts.items():
        override = prompt.frontmatter.model
        if override is not None and override.api is not None:
            places.append((f"{key}: model.api", override.provider or base.provider, override.api))
    for where, provider, api in places:
        if api.auth == "subscription" and provider not in SUBSCRIPTION_PROVIDERS:
            raise ConfigError(
                f'{where}: auth = "subscription" is for the claude-code provider (it runs on your Claude login); '
                f'`{provider}` calls take an API key: remove auth, or set provider = "claude-code"'
            )


class LazyProject:
    """A project as task creation sees it: the index now, the full `Project` only if something is generated."""

    def __init__(self, workspace: Workspace, index: ProjectIndex, project: Project | None = None) -> None:
        self.workspace = workspace
        self.root = workspace.root
        self.index = index
        self._project = project
        self._lock = threading.Lock()

    @classmethod
    def load(cls, root: Path) -> LazyProject:
        """The project at `root` from its index when nothing it depends on changed, else loaded and indexed."""
        with long_lived():
            lazy = cls._load(Workspace(root.resolve()))
        assert lazy is not None
        return lazy

    @classmethod
    def load_unless_proven(cls, root: Path, prove: Callable[[Workspace, Scan], bool]) -> LazyProject | None:
        """`load`, except where no index holds and `prove` finds the project current without loading it: None."""
        with long_lived():
            return cls._load(Workspace(root.resolve()), prove)

    @classmethod
    def _load(cls, workspace: Workspace, prove: Callable[[Workspace, Scan], bool] | None = None) -> LazyProject | None:
        check_tree_shape(workspace)  # before the index is written into .lit/
        check_local_state(workspace)  # before anything in .lit/cache is trusted: index, stamp, caches
        scan = scan_sources(workspace.root)
        sources = sources_fingerprint(workspace, scan)
        current = fingerprint(workspace, sources)
        index = read_index(workspace)
        if index is not None and index.fingerprint == current:
            check_lock_dirs(workspace, index.prompts)
            return cls(workspace, index)
        if prove is not None and prove(workspace, scan):
            return None
        project = load_with_cache(workspace, scan)
        index = ProjectIndex.of(project, current, sources)
        check_lock_dirs(workspace, index.prompts)
        write_index(workspace, index)
        return cls(workspace, index, project)

    @property
    def code_dir(self) -> Path:
        return self.workspace.code_dir

    @property
    def project(self) -> Project:
        """The full project, loaded once; it must be the one the index describes (no prompt edited since)."""
        with self._lock:
            if self._project is None:
                scan = scan_sources(self.root)
                before = sources_fingerprint(self.workspace, scan)
                with long_lived():
                    project = load_with_cache(self.workspace, scan)
                if before != self.index.sources:
                    raise GenerationError("the prompts or lit.toml changed after lit loaded them; run again")
                self._project = project
            return self._project
