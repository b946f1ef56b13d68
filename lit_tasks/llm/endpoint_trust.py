"""Where a call may take the user's key: the repository chooses the endpoint, the user owns the key.

lit.toml comes with the repository and may name any `base_url`; the API key comes from the user's environment.
A cloned repository must not be able to send that key (or the prompts) to a host of its choosing, so a call to an
endpoint that lit.toml (or a prompt's `model.api`) names goes out only when the endpoint is on this machine
(loopback: a local model server), or when the user trusts it: `LIT_TRUSTED_ENDPOINTS` in the environment lists
URL prefixes, space- or comma-separated. An endpoint the user's own environment chose (`ANTHROPIC_BASE_URL`,
`OPENAI_BASE_URL`) and the providers' public endpoints are trusted as they are.
"""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlparse

from lit_providers.base import ProviderContext
from lit_tasks.io.errors import ConfigError

TRUST_VARIABLE = "LIT_TRUSTED_ENDPOINTS"


def check_endpoint(context: ProviderContext, url: str | None) -> None:
    """Refuse (ConfigError, before any request) a project-chosen endpoint the user has not trusted."""
    if url is None or not context.api.base_url or is_loopback(url) or _trusted(url):
        return
    raise ConfigError(
        f"the project sends `{context.name}` calls, with your API key, to {url}, an endpoint its lit.toml (or a "
        f"prompt) chose: lit sends a key only to a provider's public endpoint, to this machine, or where you say. "
        f"Trust it with {TRUST_VARIABLE}={url} in your environment, or take base_url out of the project"
    )


def is_loopback(url: str | None) -> bool:
    """Whether `url` names this machine: a local server, which takes no key of the user's elsewhere."""
    host = urlparse(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trusted(url: str) -> bool:
    url = url.rstrip("/")
    for prefix in re.split(r"[\s,]+", os.environ.get(TRUST_VARIABLE, "")):
        prefix = prefix.rstrip("/")
        if prefix and (url == prefix or url.startswith(prefix + "/")):
            return True
    return False
