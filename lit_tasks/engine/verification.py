"""Verifying a generation: the prompt's commands on the written files, then the review if asked for.

A prompt whose code fails its own tests is a broken build: a failure is fed back to the model as a fix
request, up to the prompt's `fix_attempts`, and the previous files are put back if it never passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lit_providers.base import GenerationRequest
from lit_tasks.engine.answers import Answer, Asker
from lit_tasks.engine.verify import CommandResult, run_commands, trim
from lit_tasks.io import progress
from lit_tasks.io.secrets import scrub
from lit_tasks.llm.request import context_block
from lit_tasks.llm.review import Verdict, parse_verdict, review_request
from lit_tasks.model.project import Project
from lit_tasks.model.settings import commands_digest
from lit_tasks.state import events
from lit_tasks.state.workspace import Workspace


@dataclass(frozen=True)
class Verification:
    """What checks a prompt's generation: its commands, the review, and how many fix attempts it may take."""

    commands: tuple[str, ...]
    review: bool
    fix_attempts: int
    timeout_s: float
    feedback_chars: int

    @classmethod
    def of(cls, project: Project, key: str) -> Verification | None:
        commands, review = project.verify_commands(key), project.review_enabled(key)
        if not commands and not review:
            return None
        cfg = project.config.verify
        return cls(commands, review, project.fix_attempts(key), cfg.timeout_s, cfg.feedback_chars)

    @property
    def digest(self) -> str:
        return commands_digest(self.commands, self.review)


@dataclass
class Checked:
    """One verification of written files: passed or not, and what a fix attempt is told."""

    passed: bool
    summary: str
    feedback: str
    results: list[CommandResult]
    verdict: Verdict | None = None
    review_answer: Answer | None = None

    def record(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "commands": [
                {
                    "command": r.command,
                    "exit_code": r.exit_code,
                    "seconds": r.seconds,
                    "output": trim(scrub(r.output), 2000),
                }
                for r in self.results
            ],
            "review": self.verdict.model_dump() if self.verdict is not None else None,
        }


def verify(
    workspace: Workspace,
    project: Project,
    key: str,
    check: Verification,
    files: dict[str, str],
    imported: list[tuple[str, str]],
    asker: Asker,
    body: str,
) -> Checked:
    """Run the prompt's commands on the written files, then the review if asked (of `body`, the prompt's text as
    generated from); the first failure decides."""
    if check.commands:
        events.emit(workspace, "verifying", key)
    results = run_commands(check.commands, project.code_dir, check.timeout_s)
    failed = next((r for r in results if not r.passed), None)
    if failed is not None:
        output = trim(scrub(failed.output), check.feedback_chars)
        return Checked(False, failed.summary(), f"{failed.summary()}. Its output:\n{output}", results)
    if results:
        progress.emit("done", f"verified {key}: {'; '.join(r.command for r in results)}")
    if not check.review:
        return Checked(True, "passed", "", results)
    review_settings = project.settings(key, "review")
    events.emit(workspace, "reviewing", key)
    request = review_request(project.graph.prompts[key], body, review_settings, files, imported)
    answer = asker.ask(request, review_settings, parse=False, role="review")
    verdict = parse_verdict(answer.completion.text)
    if verdict.approved:
        return Checked(True, "passed", "", results, verdict, answer)
    summary = f"the review did not approve ({progress.plural(len(verdict.issues), 'issue')})"
    return Checked(False, summary, f"{summary}:\n{verdict.feedback()}", results, verdict, answer)


def fix_request(request: GenerationRequest, files: dict[str, str], feedback: str, attempt: int) -> GenerationRequest:
    """The original request plus the code that failed and why: the model rewrites every declared file."""
    previous = context_block(sorted(files.items()), "## Your previous answer\n")
    body = (
        f"{request.body}\n{previous}\n## Verification failed (fix attempt {attempt})\n\n{feedback}\n\n"
        "Write every declared file again, complete, so that verification passes.\n"
    )
    return request.model_copy(update={"body": body})
