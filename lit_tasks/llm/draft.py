"""The requests of `lit draft` and reading their answers: the PM turns a request into prompt files, the architect
picks a new project's stack, the PM asks what it needs to know, and re-plans a prompt whose fix loop gave up.

Each is an ordinary request in lit's answer format (`=== FILE: path ===` blocks), sent through the same calls,
caches, budget and records as a generation; its `prompt` is a name under `lit-draft/` (so a replay answer lives at
`<replay dir>/lit-draft/pm.response.md`). Everything here is deterministic: the same project and request give the
same bytes, so the response cache answers a repeated draft without a call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lit_providers.base import GenerationRequest
from lit_tasks.llm.request import context_block, fenced
from lit_tasks.model.paths import PROMPT_SUFFIX
from lit_tasks.model.settings import GenerationSettings

DRAFT_ID = "lit-draft"
PM_ID = f"{DRAFT_ID}/pm"
ARCHITECT_ID = f"{DRAFT_ID}/architect"
QUESTIONS_ID = f"{DRAFT_ID}/questions"

GUIDELINES_FILE = "prompts/GUIDELINES.md"  # where the architect's conventions go
SETTINGS_BLOCK = "lit.toml"  # the architect's settings, merged into the project's lit.toml
BODIES_BUDGET_TOKENS = 24_000  # existing prompts shown in full up to this many tokens; past it, one line each
CHARS_PER_TOKEN = 4
MAX_QUESTIONS = 3

PROMPT_FORMAT = """\
A prompt file is YAML frontmatter between `---` lines, then the specification in Markdown:
---
outputs:            # the files this prompt generates, relative to the generated code's root
  - app/store.py
imports:            # prompts whose generated code this one builds on (their paths, as below)
  - prompts/models.prompt.md
verify:             # optional: shell commands run in the generated code after generation; exit 0 = pass
  - python -m pytest -q tests/test_store.py
fix_attempts: 2     # optional: how many times a failing verification is sent back with its output
review: true        # optional: a second model judges the code against the specification
---
# Title: what this part of the program is for

The specification: behaviour, interfaces (names, signatures, data formats) that importers rely on, errors.
"""

PM_SYSTEM = """\
You are the product manager and tech lead of a project whose source code is generated from prompt files by \
lit: every prompt file is a specification, and a code generator writes its declared output files from it, \
given the generated code of the prompts it imports. Split the request into prompts: small, cohesive parts \
with clear interfaces, ordered by imports (no cycles). Write test prompts too: their outputs are test files, \
they import what they test, and their `verify:` runs the tests.

{format}
Project: {language}{framework}
{verify}
Rules:
- Answer only with prompt files, each as a header line `=== FILE: prompts/<path>.prompt.md ===` followed by \
the whole file. No text before the first header or after the last file; no Markdown fences around files.
- Every path is under prompts/ and ends with `.prompt.md`. To change an existing prompt, write it again in \
full under its path; leave out the prompts you do not change.
- Each output file belongs to exactly one prompt. Every import names a prompt of the project or of your answer.
- Use only these frontmatter keys: outputs, imports, verify, fix_attempts, review, language, context.
"""

ARCHITECT_SYSTEM = """\
You are the architect of a new project whose source code will be generated from prompt files. Choose the \
language, its version, an optional framework, and the commands that verify the generated code; then write the \
conventions every part must follow (layout, style, error handling, testing, dependencies: standard library \
first).

Answer with exactly two files, each as a header line followed by its whole content, and nothing else:
=== FILE: {guidelines} ===
<the conventions, in Markdown>
=== FILE: {settings} ===
[language]
default = "python"
version = "3.11"

[verify]
commands = ["python -m pytest -q"]
fix_attempts = 2

The second file holds only the tables [language], [framework] (name, version; only if one is used) and \
[verify] (commands, fix_attempts); lit merges them into the project's lit.toml. Commands run in the directory \
of the generated code.
"""

QUESTIONS_SYSTEM = """\
You are the product manager of a project whose code is generated from specifications. Before planning, list \
the questions whose answers would change the plan: at most {most}, the most important first, one per line, \
numbered. Ask nothing you can decide well yourself. If nothing needs asking, answer with the single word NONE.
"""

FIX_TASK = """\
## What went wrong

The prompt {prompt} was generated, but its code failed {what} after every fix attempt. The failure is below. \
Fix the source: edit the prompt files (this one, or the ones it imports, or add one) so that the generated \
code will pass. Do not write code files; answer with whole prompt files only.

{failure}
"""


@dataclass(frozen=True)
class ExistingPrompt:
    """A prompt of the project as the PM sees it."""

    path: str
    raw: str
    title: str
    outputs: tuple[str, ...]
    imports: tuple[str, ...]


@dataclass(frozen=True)
class ProjectBrief:
    """What a planner is told about the project: its settings, guidelines and prompts."""

    verify: tuple[str, ...]
    guidelines: tuple[tuple[str, str], ...]
    prompts: tuple[ExistingPrompt, ...]


def _language(settings: GenerationSettings) -> tuple[str, str]:
    language = f"{settings.language} {settings.language_version}".strip()
    framework = f", {settings.framework} {settings.framework_version or ''}".rstrip() if settings.framework else ""
    return language, framework


def _system(settings: GenerationSettings, brief: ProjectBrief) -> str:
    language, framework = _language(settings)
    verify = (
        "Verify commands of the project (run after each prompt's generation, unless a prompt sets its own):\n"
        + "".join(f"  {c}\n" for c in brief.verify)
        if brief.verify
        else "The project sets no verify commands: give test prompts their own `verify:`.\n"
    )
    system = PM_SYSTEM.format(format=PROMPT_FORMAT, language=language, framework=framework, verify=verify)
    return system + context_block(list(brief.guidelines), "\nProject guidelines (the prompts must follow them):\n")


def existing_prompts(brief: ProjectBrief, budget_tokens: int = BODIES_BUDGET_TOKENS) -> str:
    """The project's prompts in full while they fit in `budget_tokens`, then one summary line per prompt."""
    if not brief.prompts:
        return "## Existing prompts\n\nNone yet: this is a new project.\n"
    full: list[tuple[str, str]] = []
    summaries: list[str] = []
    room = budget_tokens * CHARS_PER_TOKEN
    for prompt in brief.prompts:
        if not summaries and len(prompt.raw) <= room:
            full.append((prompt.path, prompt.raw))
            room -= len(prompt.raw)
        else:
            summaries.append(
                f"- {prompt.path}: {prompt.title or '(untitled)'}; outputs {', '.join(prompt.outputs) or 'none'}"
                + (f"; imports {', '.join(prompt.imports)}" if prompt.imports else "")
            )
    text = "## Existing prompts\n\n" + "\n".join(fenced(full))
    if summaries:
        text += "\nMore prompts (shown in one line each: the request's budget is spent):\n" + "\n".join(summaries)
    return text + "\n"


def pm_request(
    settings: GenerationSettings, brief: ProjectBrief, request: str, problems: list[str] = ()
) -> GenerationRequest:
    """The PM's request for `request`; `problems` are what was wrong with its previous answer (one retry)."""
    body = f"## The request\n\n{request.strip()}\n\n{existing_prompts(brief)}"
    return _request(PM_ID, settings, _system(settings, brief), body + _problems(problems))


def fix_request(
    settings: GenerationSettings, brief: ProjectBrief, prompt: str, what: str, failure: str, problems: list[str] = ()
) -> GenerationRequest:
    """The PM's request to re-plan `prompt`, whose code kept failing `what` (its verification or its review)."""
    body = FIX_TASK.format(prompt=prompt, what=what, failure=failure.strip()) + "\n" + existing_prompts(brief)
    return _request(fix_id(prompt), settings, _system(settings, brief), body + _problems(problems))


def architect_request(settings: GenerationSettings, request: str, problems: list[str] = ()) -> GenerationRequest:
    system = ARCHITECT_SYSTEM.format(guidelines=GUIDELINES_FILE, settings=SETTINGS_BLOCK)
    return _request(ARCHITECT_ID, settings, system, f"## The request\n\n{request.strip()}\n" + _problems(problems))


def questions_request(settings: GenerationSettings, brief: ProjectBrief, request: str) -> GenerationRequest:
    body = f"## The request\n\n{request.strip()}\n\n{existing_prompts(brief)}"
    system = QUESTIONS_SYSTEM.format(most=MAX_QUESTIONS) + _system(settings, brief)
    return _request(QUESTIONS_ID, settings, system, body)


def fix_id(prompt: str) -> str:
    """The request name of a re-plan of `prompt` (its replay answer: `lit-draft/fix/<prompt>.response.md`)."""
    return f"{DRAFT_ID}/fix/{prompt}"


def _problems(problems: list[str]) -> str:
    if not problems:
        return ""
    return "\n## Your previous answer was rejected\n\nAnswer again, whole, with these problems fixed:\n" + "".join(
        f"- {p}\n" for p in problems
    )


def _request(name: str, settings: GenerationSettings, system: str, body: str) -> GenerationRequest:
    return GenerationRequest(
        prompt=name,
        outputs=(),
        model=settings.model,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed,
        system=system,
        body=body,
    )


def parse_questions(text: str) -> list[str]:
    """The PM's questions (at most MAX_QUESTIONS), none for an answer of NONE."""
    questions = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:\d+[.)]|[-*])\s+(.+?)\s*$", line)
        if match:
            questions.append(match.group(1))
    if not questions and text.strip() and text.strip().upper().rstrip(".") != "NONE":
        questions = [line.strip() for line in text.splitlines() if line.strip().endswith("?")]
    return questions[:MAX_QUESTIONS]


def is_prompt_path(path: str) -> bool:
    return path.startswith("prompts/") and path.endswith(PROMPT_SUFFIX)
