"""Request assembly: the same information for every prompt, laid out so that prompts share request prefixes.

Providers cache request prefixes: Anthropic bills a cached prefix at a tenth of the input price (writing one
at 1.25x), OpenAI caches long prefixes by itself. A prefix is only worth writing if another request reads it,
so the layout puts what prompts have in common first and what is a prompt's own last:

1. the system prompt: the role, the output format, the language and framework, lit.toml's guideline files;
   identical for every prompt of a project with the same language, framework and model;
2. the imported code, one block per imported prompt, imports in the project's one canonical order (most
   imported first, then by path: `PromptGraph.import_order`), so prompts sharing imports share the blocks;
3. the prompt's own guideline files, then its declared outputs and its specification.

A cache breakpoint (at most 4) goes where a prefix that another prompt's request also starts with ends, and
only where that prefix reaches the model's minimum cacheable length. The layout is not part of a prompt's
input hash (its settings' `identity` is): a new layout makes no project stale.

Everything here is deterministic (sorted paths, one order, no timestamps), so the same inputs produce the
same bytes: that is what makes the local response cache and the provider's prompt cache hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lit_providers.base import Block, GenerationRequest
from lit_tasks.model.prompt import Prompt
from lit_tasks.model.settings import GenerationSettings

SYSTEM_TEMPLATE = """\
You are a code generator. You turn a specification written in natural language into complete, working source \
files. The specification is the source of truth; the code you write is committed as generated output.

Language: {language}{framework}

Output format. For every file, write a header line with its path, then the file's full content:
=== FILE: path/to/file.ext ===
<the complete content of the file>

Rules:
- Write exactly the declared output files listed with the specification, each once, with exactly the path \
shown. Never invent, rename or add paths.
- Put no text before the first header and none after the last file: no explanations, no summaries.
- Do not wrap files in Markdown code fences.
- Follow the conventions of the language and framework; include imports, type hints and error handling.
- Code from imported specifications is given as context; use its names and interfaces exactly as written.
"""

CONTEXT_HEADER = "## Context: code generated from the imported specifications\n"
GUIDELINES_HEADER = "\nProject guidelines (follow them in every file):\n"
OWN_GUIDELINES_HEADER = "## Guidelines for this specification (follow them in every file)\n"
DECLARED_HEADER = "Declared output files:"

MAX_BREAKPOINTS = 4  # Anthropic's limit per request
CHARS_PER_TOKEN = 4  # assumed, not measured: estimates a prefix's length against the minimum below


@dataclass(frozen=True)
class Imported:
    """One imported prompt's generated files, as the request shows them."""

    prompt: str
    files: list[tuple[str, str]]


def system_prompt(settings: GenerationSettings) -> str:
    language = f"{settings.language} {settings.language_version}".strip()
    framework = (
        f"\nFramework: {settings.framework} {settings.framework_version or ''}".rstrip() if settings.framework else ""
    )
    return SYSTEM_TEMPLATE.format(language=language, framework=framework)


def declared_outputs(outputs: tuple[str, ...]) -> str:
    return DECLARED_HEADER + "\n" + "".join(f"  - {path}\n" for path in outputs)


def fence_for(text: str) -> str:
    """A backtick fence longer than any run inside `text`, so imported code can never close it early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def context_block(files: list[tuple[str, str]], header: str = CONTEXT_HEADER) -> str:
    """Files as fenced Markdown sections under `header`, in the order given."""
    if not files:
        return ""
    return "\n".join([header, *fenced(files)])


def fenced(files: list[tuple[str, str]]) -> list[str]:
    sections = []
    for path, text in files:
        fence = fence_for(text)
        body = text if text.endswith("\n") or not text else text + "\n"
        sections.append(f"### {path}\n{fence}\n{body}{fence}\n")
    return sections


def min_cacheable_tokens(model: str) -> int:
    """The shortest prefix a provider caches: 4,096 tokens for Haiku models, 1,024 for the others."""
    return 4096 if "haiku" in model else 1024


def build_request(
    prompt: Prompt,
    body: str,
    settings: GenerationSettings,
    imports: list[Imported],
    sharing: list[int],
    guidelines: list[tuple[str, str]] = (),
    own_guidelines: list[tuple[str, str]] = (),
) -> GenerationRequest:
    """The request for `prompt`, whose Markdown body is `body`: `imports` in canonical order, `sharing[i]` the
    number of prompts whose requests start with the same imports up to the i-th; `guidelines` are the
    project's, `own_guidelines` the prompt's."""
    system = system_prompt(settings) + context_block(list(guidelines), GUIDELINES_HEADER)
    texts = [
        ("\n".join([CONTEXT_HEADER, *fenced(imp.files)]) if i == 0 else "\n".join(["", *fenced(imp.files)]))
        for i, imp in enumerate(imports)
    ]
    system_cache, cached = breakpoints(system, texts, sharing, min_cacheable_tokens(settings.model))
    blocks = [Block(text=text, cache=i in cached) for i, text in enumerate(texts)]
    if own_guidelines:
        blocks.append(Block(text="\n" + context_block(list(own_guidelines), OWN_GUIDELINES_HEADER)))
    return GenerationRequest(
        prompt=prompt.path,
        outputs=prompt.outputs,
        model=settings.model,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed,
        system=system,
        system_cache=system_cache,
        context=tuple(blocks),
        body=declared_outputs(prompt.outputs) + "\n" + body.strip("\n") + "\n",
    )


def breakpoints(system: str, texts: list[str], sharing: list[int], minimum: int) -> tuple[bool, set[int]]:
    """Where cached prefixes end: after the system prompt when it alone is long enough (every prompt shares
    it), and after each import block whose prefix another prompt's request starts with too and that is long
    enough; at most `MAX_BREAKPOINTS`, keeping those that save the most (tokens x other readers)."""
    length = len(system) // CHARS_PER_TOKEN
    system_cache = length >= minimum
    candidates = []
    for i, text in enumerate(texts):
        length += len(text) // CHARS_PER_TOKEN
        if sharing[i] > 1 and length >= minimum:
            candidates.append((length * (sharing[i] - 1), i))
    room = MAX_BREAKPOINTS - int(system_cache)
    return system_cache, {i for _, i in sorted(candidates, reverse=True)[:room]}
