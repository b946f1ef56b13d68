"""The errors lit reports to a user.

Every failure a user can cause or fix is a `LitError`: its message says what went wrong, where, and what to
do, and the CLI prints it without a traceback. Anything else escaping is a bug in lit (exit code 3).
"""

from __future__ import annotations


class LitError(Exception):
    """A failure the user can understand and act on; `exit_code` is the process's (docs/cli.md)."""

    exit_code = 1


class ConfigError(LitError):
    """lit.toml, a prompt's frontmatter or the prompt graph is invalid: nothing was generated."""

    exit_code = 2


class UsageError(LitError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class GraphError(ConfigError):
    """The prompt graph is inconsistent (missing import, cycle, output conflict, unsafe output path)."""


class GenerationError(LitError):
    """One prompt could not be generated; its previous outputs are untouched."""


class ProviderError(GenerationError):
    """The LLM service failed or refused; `retryable` tells the retry loop whether to try again."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class BilledError(ProviderError):
    """A call that failed after the service answered and billed it (the Claude Code CLI reports the cost of a
    failed turn): `completion` carries its usage and cost, so the call is recorded and counted like any other."""

    def __init__(self, message: str, completion: object) -> None:
        super().__init__(message)
        self.completion = completion  # a lit_providers.base.Completion (io knows nothing of providers)


class ResponseError(GenerationError):
    """The model's answer breaks the `=== FILE: path ===` protocol or is incomplete; nothing is written."""


def nearest(word: str, choices: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """The closest valid spelling of `word`, so a typo like `import:` gets a useful hint."""
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def did_you_mean(word: str, choices: list[str] | set[str] | tuple[str, ...]) -> str:
    """A ' (did you mean `x`?)' suffix, or '' when nothing is close."""
    hint = nearest(word, choices)
    return f" (did you mean `{hint}`?)" if hint else ""
