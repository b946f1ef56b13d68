"""Request assembly (docs/task-model.md, step 2): system prompt, then imported code, then the prompt body.

Everything here is deterministic (sorted paths, DAG order, no timestamps), so the same inputs produce the
same bytes: that is what makes the local response cache and the provider's prompt cache hit.
"""

from __future__ import annotations

import re

from lit_tasks.model.prompt import Prompt
from lit_tasks.model.settings import GenerationSettings
from providers.base import GenerationRequest

SYSTEM_TEMPLATE = """\
You are a code generator. You turn a specification written in natural language into complete, working source \
files. The specification is the source of truth; the code you write is committed as generated output.

Language: {language}{framework}

Output format. For every file, write a header line with its path, then the file's full content:
=== FILE: path/to/file.ext ===
<the complete content of the file>

Rules:
- Write exactly the declared output files listed below, each once, with exactly the path shown. Never invent, \
rename or add paths.
- Put no text before the first header and none after the last file: no explanations, no summaries.
- Do not wrap files in Markdown code fences.
- Follow the conventions of the language and framework; include imports, type hints and error handling.
- Code from imported specifications is given as context; use its names and interfaces exactly as written.

Declared output files:
{outputs}
"""

CONTEXT_HEADER = "## Context: code generated from the imported specifications\n"


def system_prompt(settings: GenerationSettings, outputs: tuple[str, ...]) -> str:
    language = f"{settings.language} {settings.language_version}".strip()
    framework = (
        f"\nFramework: {settings.framework} {settings.framework_version or ''}".rstrip() if settings.framework else ""
    )
    listed = "\n".join(f"  - {path}" for path in outputs)
    return SYSTEM_TEMPLATE.format(language=language, framework=framework, outputs=listed)


def fence_for(text: str) -> str:
    """A backtick fence longer than any run inside `text`, so imported code can never close it early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


GUIDELINES_HEADER = "\nProject guidelines (follow them in every file):\n"


def context_block(files: list[tuple[str, str]], header: str = CONTEXT_HEADER) -> str:
    """Files as fenced Markdown sections under `header`, in the order given (imports: DAG order, paths sorted)."""
    if not files:
        return ""
    parts = [header]
    for path, text in files:
        fence = fence_for(text)
        body = text if text.endswith("\n") or not text else text + "\n"
        parts.append(f"### {path}\n{fence}\n{body}{fence}\n")
    return "\n".join(parts)


def build_request(
    prompt: Prompt,
    settings: GenerationSettings,
    imported: list[tuple[str, str]],
    guidelines: list[tuple[str, str]] = (),
) -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt.path,
        outputs=prompt.outputs,
        model=settings.model,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed,
        system=system_prompt(settings, prompt.outputs) + context_block(list(guidelines), GUIDELINES_HEADER),
        context=context_block(imported),
        body=prompt.body.strip("\n") + "\n",
    )
