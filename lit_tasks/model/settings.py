"""The effective generation settings of one prompt: lit.toml merged with the prompt's overrides.

`identity()` is the part that decides what code comes out (the task's `uptodate`, docs/task-model.md): provider, model, the
sampling parameters that are set, language and framework with versions, and the system-prompt template
version. How the provider is reached (URL, timeouts, retries) is not part of it: moving to a proxy must not
regenerate a project.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lit_tasks.io.hashing import Hasher
from lit_tasks.model.config import ApiSection, LitConfig, ModelSection, PricingSection, RoleSection
from lit_tasks.model.prompt import Prompt
from lit_tasks.model.strict import StrictModel

# Part of every prompt's input hash: bump it only when what a model is asked changes in meaning. The request's
# layout (block order, cache breakpoints, the shared system text) is not: an upgrade must not make a project
# stale and paid for again (llm/request.py).
TEMPLATE_VERSION = "lit-request-2"


class GenerationSettings(StrictModel):
    provider: str
    model: str
    temperature: float | None
    seed: int | None
    max_tokens: int
    language: str
    language_version: str
    framework: str | None
    framework_version: str | None
    api: ApiSection
    pricing: PricingSection | None
    replay_dir: str

    def identity_digest(self) -> str:
        """What doit's `config_changed(self.identity())` saves (the md5 of its sorted JSON), computed here: building
        a project's index must not import doit, which a run the lock proves current never loads."""
        return hashlib.md5(json.dumps(self.identity(), sort_keys=True).encode("utf-8")).hexdigest()

    def identity(self) -> dict[str, Any]:
        """What makes a generation different; sampling params appear only when set (newer models reject them)."""
        ident: dict[str, Any] = {
            "template": TEMPLATE_VERSION,
            "provider": self.provider,
            "model": self.model,
            "language": self.language,
            "language_version": self.language_version,
        }
        if self.framework:
            ident["framework"] = self.framework
            ident["framework_version"] = self.framework_version
        if self.temperature is not None:
            ident["temperature"] = self.temperature
        if self.seed is not None:
            ident["seed"] = self.seed
        return ident

    def canonical(self) -> str:
        """`identity()` as canonical JSON, the exact bytes that enter the input hash."""
        return json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))


ROLES = ("generate", "fix", "review", "plan", "pm", "architect")
DRAFT_ROLES = ("pm", "architect")  # roles that answer for the project, not for one prompt


def settings_for(config: LitConfig, prompt: Prompt, role: str = "generate") -> GenerationSettings:
    """lit.toml's [model], then [roles.generate], then the prompt's `model:` and `language:` overrides, key by key.

    The fix and review roles start from what generated the prompt and apply [roles.fix] / [roles.review] on top;
    only the generate settings decide what code comes out (`identity()`).
    """
    base = _with_role(config.model, config.roles.generate)
    over = prompt.frontmatter.model
    provider = (over.provider if over and over.provider else None) or base.provider
    same_provider = provider == base.provider

    def pick(name: str) -> Any:
        value = getattr(over, name, None) if over else None
        return value if value is not None else getattr(base, name)

    api = over.api if over and over.api else (base.api if same_provider else ApiSection())
    model = pick("model")
    if over and over.pricing:
        pricing = over.pricing
    else:
        pricing = _pricing(config, model, base)
    framework = config.framework
    settings = GenerationSettings(
        provider=provider,
        model=model,
        temperature=pick("temperature"),
        seed=pick("seed"),
        max_tokens=pick("max_tokens"),
        language=prompt.frontmatter.language or config.language.default,
        language_version="" if prompt.frontmatter.language else config.language.version,
        framework=framework.name if framework else None,
        framework_version=framework.version if framework else None,
        api=api,
        pricing=pricing,
        replay_dir=base.replay.dir,
    )
    extra = getattr(config.roles, role) if role != "generate" else None
    if extra is None:
        return settings
    provider = extra.provider or settings.provider
    model = extra.model or settings.model
    return settings.model_copy(
        update={
            "provider": provider,
            "model": model,
            "max_tokens": extra.max_tokens or settings.max_tokens,
            "api": extra.api or (settings.api if provider == settings.provider else ApiSection()),
            "pricing": extra.pricing or (settings.pricing if model == settings.model else _pricing(config, model)),
        }
    )


def draft_settings(config: LitConfig, role: str) -> GenerationSettings:
    """The settings of a drafting role (`lit draft`): lit.toml's [model] with [roles.<role>] on top, key by key.

    Drafting answers for the whole project, so no prompt's overrides apply; planning can run on another provider
    or model than code (a cheap planner, a strong coder)."""
    base = _with_role(config.model, getattr(config.roles, role))
    framework = config.framework
    return GenerationSettings(
        provider=base.provider,
        model=base.model,
        temperature=base.temperature,
        seed=base.seed,
        max_tokens=base.max_tokens,
        language=config.language.default,
        language_version=config.language.version,
        framework=framework.name if framework else None,
        framework_version=framework.version if framework else None,
        api=base.api,
        pricing=_pricing(config, base.model, base),
        replay_dir=config.model.replay.dir,
    )


def _with_role(model: ModelSection, role: RoleSection | None) -> ModelSection:
    if role is None:
        return model
    update: dict[str, Any] = role.model_dump(exclude_none=True, exclude={"api", "pricing"})
    if role.api is not None:
        update["api"] = role.api
    elif role.provider and role.provider != model.provider:
        update["api"] = ApiSection()  # another provider: [model.api]'s key variable and URL are not its own
    if role.pricing is not None:
        update["pricing"] = role.pricing
    elif role.model and role.model != model.model:
        update["pricing"] = None
    return model.model_copy(update=update)


def _pricing(config: LitConfig, model: str, base: ModelSection | None = None) -> PricingSection | None:
    if model in config.pricing:
        return config.pricing[model]
    return base.pricing if base is not None and model == base.model else None


def commands_digest(commands: tuple[str, ...] | list[str], review: bool) -> str:
    """What a lock entry records as verified: these commands (and the review, if any) passed on its outputs."""
    h = Hasher("lit-verify-v1")
    for command in commands:
        h.add(command.encode())
    h.add(b"review" if review else b"")
    return h.hexdigest()
