"""`lit.toml`: the project's configuration, as the original lit defined it plus lit's additions.

Every key of lit v1 is accepted with its meaning unchanged (docs/architecture.md); lit adds keys and never repurposes one.
Reading uses the standard library's `tomllib` (fast, exact line numbers in syntax errors); `tomlkit` is kept
for the commands that *edit* lit.toml without losing comments.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import CONFIG_FILE, UnsafePathError, find_root, normalise_relpath
from lit_tasks.model.strict import StrictModel, explain, nesting

__all__ = ["CONFIG_FILE", "LitConfig", "find_root", "load_config", "parse_config", "read_config"]

DEFAULT_MAX_TOKENS = 16384


class ProjectSection(StrictModel):
    name: str
    version: str = "0.1.0"
    mapping: Literal["manifest", "direct", "modular", "inferred"] = "manifest"


class LanguageSection(StrictModel):
    default: str = "python"
    version: str = ""


class FrameworkSection(StrictModel):
    name: str
    version: str


class ApiSection(StrictModel):
    """How to reach the provider. The key itself is never stored: only the name of the variable holding it."""

    key_env: str | None = None
    base_url: str | None = None
    timeout_s: float = Field(default=600.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    max_concurrent: int = Field(default=8, ge=1, le=256)
    # "subscription" (claude-code only): the CLI runs on the user's Claude login, with no API key in its
    # environment (a key would take over and bill per token); calls are recorded with their tokens at $0.
    auth: Literal["key", "subscription"] = "key"


class PricingSection(StrictModel):
    """USD per million tokens; overrides the price table for the model it applies to."""

    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)
    cache_write_per_million: float | None = Field(default=None, ge=0)
    cache_read_per_million: float | None = Field(default=None, ge=0)


class ReplaySection(StrictModel):
    """The `replay` provider answers from stored responses, one file per prompt, under `dir`."""

    dir: str = "replay"

    @field_validator("dir")
    @classmethod
    def _relative(cls, value: str) -> str:
        try:
            return normalise_relpath(value)
        except UnsafePathError as err:
            raise ValueError(f"unsafe replay directory: {err}") from None


class ModelSection(StrictModel):
    provider: str = "anthropic"
    model: str
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    seed: int | None = Field(default=None, ge=0)
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=1)
    api: ApiSection = ApiSection()
    pricing: PricingSection | None = None
    replay: ReplaySection = ReplaySection()


class StaticFile(StrictModel):
    """A file lit writes verbatim into code.lock/ (v1's undocumented `[[static]]`)."""

    path: str
    content: str = ""

    @field_validator("path")
    @classmethod
    def _safe(cls, value: str) -> str:
        try:
            return normalise_relpath(value)
        except UnsafePathError as err:
            raise ValueError(f"unsafe static path: {err}") from None


class BudgetSection(StrictModel):
    """Spending limit of one `lit regenerate` run, in USD (overridden by `--max-cost`)."""

    max_usd_per_run: float | None = Field(default=None, ge=0)


class VerifySection(StrictModel):
    """Project defaults for verification: shell commands run in code.lock/ after a prompt is generated.

    A prompt's frontmatter `verify:` and `fix_attempts:` replace them for that prompt.
    """

    commands: list[str] = []
    fix_attempts: int = Field(default=0, ge=0, le=10)
    timeout_s: float = Field(default=600.0, gt=0)
    feedback_chars: int = Field(default=4000, ge=200, le=200_000)


class ReviewSection(StrictModel):
    """A second model call judges each generation against its prompt (`review: true` in a prompt, or here)."""

    enabled: bool = False


class RoleSection(StrictModel):
    """Who answers in one role; every key falls back to [model] (and, for fix and review, to [roles.generate])."""

    provider: str | None = None
    model: str | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    api: ApiSection | None = None
    pricing: PricingSection | None = None


class RolesSection(StrictModel):
    generate: RoleSection | None = None
    fix: RoleSection | None = None
    review: RoleSection | None = None
    plan: RoleSection | None = None
    pm: RoleSection | None = None  # `lit draft`: splits a request into prompts
    architect: RoleSection | None = None  # `lit draft` in a project with no prompts: the stack and conventions


def _safe_paths(values: list[str]) -> list[str]:
    try:
        return [normalise_relpath(v) for v in values]
    except UnsafePathError as err:
        raise ValueError(f"unsafe context path: {err}") from None


class ContextSection(StrictModel):
    """Guideline files (relative to the project root) added to the system prompt of every prompt."""

    files: list[str] = []

    @field_validator("files")
    @classmethod
    def _safe(cls, value: list[str]) -> list[str]:
        return _safe_paths(value)


class LitConfig(StrictModel):
    project: ProjectSection
    language: LanguageSection = LanguageSection()
    framework: FrameworkSection | None = None
    model: ModelSection
    static: list[StaticFile] = []
    budget: BudgetSection = BudgetSection()
    pricing: dict[str, PricingSection] = {}
    verify: VerifySection = VerifySection()
    review: ReviewSection = ReviewSection()
    roles: RolesSection = RolesSection()
    context: ContextSection = ContextSection()


def load_config(root: Path) -> LitConfig:
    """Read and validate `root/lit.toml`; every problem becomes a ConfigError naming file, line and key."""
    return parse_config(read_config(root))


def read_config(root: Path) -> bytes:
    """lit.toml's bytes; a ConfigError when there is none, or something other than a file stands there."""
    try:
        return read_inside(root, CONFIG_FILE)
    except FileNotFoundError:
        raise ConfigError(f"{root / CONFIG_FILE}: not found; run `lit init` to create a lit project here") from None
    except OSError as err:  # a directory, FIFO or device where lit.toml should be (never read, never waited on)
        raise ConfigError(f"{CONFIG_FILE}: {err.strerror or err}; it must be the project's settings file") from None


def parse_config(raw: bytes) -> LitConfig:
    """Validate lit.toml's bytes; a ConfigError names the line, the key and the nearest valid key."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{CONFIG_FILE}: not valid UTF-8 (byte {err.start}); save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{CONFIG_FILE}: invalid TOML: {err}") from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise ConfigError(
            f"{CONFIG_FILE}:{nesting(text)[1]}: arrays or tables nested too deeply; lit's settings nest a few levels"
        ) from None
    try:
        config = LitConfig.model_validate(data)
    except ValidationError as err:
        raise explain(err, LitConfig, CONFIG_FILE, text, toml=True) from None
    return config
