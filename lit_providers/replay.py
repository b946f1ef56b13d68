"""Answers from stored responses, one file per prompt: offline demos, reproducible examples, no key, no cost.

`<dir>/<prompt path without .prompt.md>.response.md` holds the answer for that prompt, in the same
`=== FILE: path ===` format a model would send.
"""

from __future__ import annotations

from typing import ClassVar

from lit_providers.base import Completion, GenerationRequest, ProviderContext
from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import ProviderError
from lit_tasks.model.paths import PROMPT_SUFFIX

SUFFIX = ".response.md"


def response_path(prompt: str) -> str:
    """Where the stored answer for `prompt` lives, relative to the replay directory."""
    return prompt.removesuffix(PROMPT_SUFFIX) + SUFFIX


class ReplayProvider:
    name: ClassVar[str] = "replay"
    is_local: ClassVar[bool] = True

    def __init__(self, context: ProviderContext) -> None:
        self.root = context.root
        self.replay_dir = context.replay_dir
        self.directory = (context.root / context.replay_dir).resolve()

    def complete(self, request: GenerationRequest) -> Completion:
        path = self.directory / response_path(request.prompt)
        try:  # a stored answer is written into code.lock/ and sent on as an import: never through a link out
            text = read_inside(self.root, f"{self.replay_dir}/{response_path(request.prompt)}").decode("utf-8")
        except FileNotFoundError:
            raise ProviderError(
                f"replay: no stored response for {request.prompt} (expected {path}); write one, or set "
                "[model] provider to a real service"
            ) from None
        except UnicodeDecodeError:
            raise ProviderError(f"replay: {path} is not valid UTF-8") from None
        except OSError as err:
            raise ProviderError(f"replay: {path}: {err.strerror or err}") from None
        return Completion(text=text, stop="complete", stop_reason="end_turn", model=request.model, request_id=None)
