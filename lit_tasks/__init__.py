"""lit: prompts are the source, an LLM is the compiler, `code.lock/` is the artifact, doit is the build tool.

`from lit_tasks import DOIT_CONFIG, task_regenerate` is a whole project `dodo.py`; `LitProject` embeds a
project in an existing build. `DOIT_CONFIG` is computed on first access (it locates the project from the
working directory doit has already moved into), so importing this package has no side effects.
"""

from __future__ import annotations

from typing import Any

from .io.errors import LitError, ProviderError
from .version import __version__

__all__ = [
    "DOIT_CONFIG",
    "LitError",
    "LitProject",
    "ProviderError",
    "doit_config",
    "task_plan",
    "task_regenerate",
    "__version__",
]

_FROM_DODO = {"LitProject", "doit_config", "task_plan", "task_regenerate"}


def __getattr__(name: str) -> Any:
    """Lazy exports: commands that never run doit (`lit check`, `lit cost`) do not pay for importing it."""
    if name == "DOIT_CONFIG":
        from lit_tasks.engine.dodo import doit_config

        return doit_config()
    if name in _FROM_DODO:
        from lit_tasks.engine import dodo

        return getattr(dodo, name)
    raise AttributeError(f"module 'lit_tasks' has no attribute {name!r}")
