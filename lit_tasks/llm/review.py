"""Review: a second model call judges the generated files against the prompt and returns a structured verdict.

The verdict is asked for as one JSON object, `{"approved": bool, "issues": [str]}`. An answer that is not such
an object is a failed review (its text becomes the issue), so a confused reviewer can never approve by accident.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ValidationError

from lit_providers.base import Block, GenerationRequest
from lit_tasks.llm.request import context_block
from lit_tasks.model.prompt import Prompt
from lit_tasks.model.settings import GenerationSettings

REVIEW_SYSTEM = """\
You review generated source code against the specification it was generated from. Judge whether the files \
implement the specification correctly and completely, and whether they would work as written. Do not judge \
style or matters the specification leaves open.

Answer with one JSON object and nothing else:
{"approved": true or false, "issues": ["one sentence per problem that must be fixed"]}
Approve only if there is no such problem; then "issues" is empty.
"""


class Verdict(BaseModel):
    approved: bool
    issues: list[str] = []

    def feedback(self) -> str:
        return "\n".join(f"- {issue}" for issue in self.issues) or "- (the reviewer gave no reason)"


def review_request(
    prompt: Prompt,
    body: str,
    settings: GenerationSettings,
    generated: dict[str, str],
    imported: list[tuple[str, str]],
) -> GenerationRequest:
    """The reviewer's request: `prompt`'s specification (its `body`, as sent for the generation) and the files."""
    files = context_block(sorted(generated.items()), "## The generated files under review\n")
    context = context_block(imported) + ("\n" if imported else "") + files
    return GenerationRequest(
        prompt=prompt.path,
        outputs=(),
        model=settings.model,
        max_tokens=min(settings.max_tokens, 4096),
        system=REVIEW_SYSTEM,
        context=(Block(text=context),),
        body="## The specification\n\n" + body.strip("\n") + "\n",
    )


def parse_verdict(text: str) -> Verdict:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    try:
        return Verdict.model_validate(json.loads(match.group(0) if match else text))
    except (ValueError, ValidationError):
        first = text.strip().splitlines()[0][:200] if text.strip() else "(empty)"
        return Verdict(approved=False, issues=[f"the review was not the JSON verdict asked for: {first}"])
