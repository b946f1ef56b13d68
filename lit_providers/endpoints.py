"""Where a provider's calls go, and why: lit.toml's `base_url`, else the provider's own environment variable
(the variable its official client reads), else the provider's public endpoint. One rule for the providers and
for `lit debug config`, which must show the endpoint calls will really use."""

from __future__ import annotations

import os

# provider -> (public endpoint, environment variable that overrides it)
PUBLIC: dict[str, tuple[str, str | None]] = {
    "anthropic": ("https://api.anthropic.com", "ANTHROPIC_BASE_URL"),
    "openai": ("https://api.openai.com/v1", "OPENAI_BASE_URL"),
    "gemini": ("https://generativelanguage.googleapis.com/v1beta/openai", None),  # Google's OpenAI-compatible API
}


def resolve_base_url(provider: str, configured: str | None) -> tuple[str | None, str]:
    """The base URL for `provider` and where it came from; None for a provider that is not reached over HTTP."""
    if configured:
        return configured, "lit.toml [model.api] base_url"
    public, variable = PUBLIC.get(provider, (None, None))
    if variable and os.environ.get(variable):
        return os.environ[variable], f"${variable}"
    if public:
        return public, f"the {provider} default"
    return None, f"none: `{provider}` is not reached over HTTP"
