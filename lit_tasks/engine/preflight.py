"""Mistakes caught before the first call (exit 2, one line each): a provider a stale prompt needs that has no key
or goes to an endpoint the user has not trusted, a model name no price entry knows, and a batch record that
cannot be read (the batch it names may still be answering: sending its requests again would pay twice).

Only the prompts the run would regenerate are checked: a fresh clone whose prompts are all up to date builds
with no key at all, as `lit check` does.
"""

from __future__ import annotations

import lit_providers
from lit_tasks.engine.run_plan import Plan
from lit_tasks.io import progress
from lit_tasks.io.errors import ConfigError, did_you_mean
from lit_tasks.llm.calls import endpoint_for
from lit_tasks.llm.endpoint_trust import is_loopback
from lit_tasks.llm.pricing import price_for, price_table
from lit_tasks.model.paths import CODE_DIR
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.index import LazyProject
from lit_tasks.state.pending_batches import check_pending


def preflight(lazy: LazyProject, plan: Plan) -> None:
    """Raise a ConfigError for the first prompt of `plan` whose calls could not be made, or not be priced."""
    check_pending(lazy.workspace)  # a batch record that cannot be read: never a second payment by mistake
    project = lazy.project
    seen: set[tuple[object, ...]] = set()
    warn_edited_imports(lazy, plan)
    for item in plan.items:
        key = item.prompt
        verified = bool(project.verify_commands(key) or project.review_enabled(key))
        roles = ["generate", *(["fix", "review"] if verified else []), *(["plan"] if key in project.unplanned else [])]
        for role in roles:
            settings = project.settings(key, role)
            ident = (settings.provider, settings.model, settings.api, settings.pricing, settings.replay_dir)
            if ident in seen:
                continue
            seen.add(ident)
            _check(lazy, key, role, settings)


def warn_edited_imports(lazy: LazyProject, plan: Plan) -> None:
    """Name, before any call, each output edited by hand (not saved as a patch) that a prompt about to be
    generated imports: the edit becomes that prompt's context, and is paid for as such."""
    graph, lock = lazy.project.graph, lazy.workspace.lock
    importers: dict[str, list[str]] = {}
    for item in plan.items:
        for imported in graph.prompts[item.prompt].imports:
            importers.setdefault(imported, []).append(item.prompt)
    for imported, keys in sorted(importers.items()):
        for out in lock.edited_outputs(lock.read(imported)):
            progress.emit(
                "warn",
                f"warning: code.lock/{out} ({imported}) is edited by hand and not saved, and {', '.join(keys)} "
                f"import{'s' if len(keys) == 1 else ''} it as it is now; `lit patch save {CODE_DIR}/{out}` keeps the "
                f"edit, `lit regenerate --force {imported}` discards it",
            )


def _check(lazy: LazyProject, key: str, role: str, settings: GenerationSettings) -> None:
    endpoint = endpoint_for(settings, lazy.root)
    if endpoint.is_local:
        return
    try:
        provider = endpoint.provider  # its key, and an endpoint the user trusts: before any request goes out
    except ConfigError as err:
        raise ConfigError(f"{key} ({role}): {err}") from None
    if price_for(settings.model, settings.pricing) is not None:
        return
    aliases = tuple(getattr(lit_providers.provider_class(settings.provider), "model_aliases", ()))
    if settings.model in aliases or is_loopback(getattr(provider, "base_url", None)):
        return  # a CLI's own names for its models; a local server's own model names
    known = sorted({price.prefix for price in price_table()} | set(aliases))
    raise ConfigError(
        f"{key} ({role}): model `{settings.model}` is in no price entry{did_you_mean(settings.model, known)}; "
        f"a misspelt name is refused by the service only after the run starts. If the name is right, price it in "
        f'lit.toml ([model.pricing], or [pricing."{settings.model}"])'
    )
