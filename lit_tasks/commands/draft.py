"""`lit draft`: a request in plain words becomes prompt files, an ordinary change to review (`engine.drafting`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lit_tasks.commands.common import add_parser, root_here
from lit_tasks.io import progress
from lit_tasks.state import ledger

EXAMPLES = """\
  lit draft "a to-do list CLI with JSON storage and tests"
                                      draft prompts (a new project: the stack first), then review with `lit diff`
  lit draft --file request.md --dry-run
                                      print what would be drafted and its cost; write nothing
  lit draft "add a --due option to add" --questions
                                      the PM asks up to 3 questions first (answered here, or --answers FILE)
  lit draft "..." --build             draft, then `lit regenerate` straight away
  lit draft --fix prompts/store.prompt.md
                                      re-plan a prompt whose verification failed after its fix attempts
"""

QUESTIONS_EXIT = 3  # the PM has questions and no one at a terminal to answer them


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "draft",
        "draft prompts from a request in plain words (the PM and architect roles)",
        "Ask the PM role to turn a request into prompt files (and, in a project with no prompts yet, the architect "
        "role to choose the stack first). The draft is checked as a build checks a project, written as an "
        "uncommitted change to review, and priced. The same request on the same project makes no call.",
        EXAMPLES,
    )
    p.add_argument("request", nargs="?", metavar="REQUEST", help="what to build, in plain words")
    p.add_argument("--file", metavar="FILE", help="read the request from FILE")
    p.add_argument("--dry-run", action="store_true", help="print the draft and its cost; write nothing")
    p.add_argument("--force", action="store_true", help="overwrite prompt files that have uncommitted changes")
    p.add_argument("--build", action="store_true", help="run `lit regenerate` right after writing the draft")
    p.add_argument(
        "--questions",
        action="store_true",
        help="let the PM ask up to 3 questions first; without a terminal they are printed and lit exits 3",
    )
    p.add_argument("--answers", metavar="FILE", help="answers to the PM's questions (implies --questions)")
    p.add_argument("--fix", metavar="PROMPT", help="re-plan this prompt from its last failed verification or review")
    p.add_argument("--no-cache", action="store_true", help="do not answer from the local response cache")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.engine.draft_inputs import read_request
    from lit_tasks.engine.drafting import DraftAsk, Drafter
    from lit_tasks.io.errors import UsageError
    from lit_tasks.state.records import finish_all

    root = root_here()
    fix = _prompt_arg(root, args.fix) if args.fix else None
    if fix is not None and (args.request or args.file or args.questions or args.answers):
        raise UsageError("--fix re-plans from the prompt's failure: give it no request, --questions or --answers")
    request = "" if fix else read_request(args.request, args.file)
    answers = _answers(args.answers) if args.answers else None  # read before any call is paid for
    start = ledger.now()
    try:
        if args.questions or answers is not None:
            request = _with_answers(root, request, answers, not args.no_cache)
            if request is None:
                return QUESTIONS_EXIT
        drafted = Drafter(root, DraftAsk(request, fix, args.dry_run, args.force, not args.no_cache)).run()
    finally:
        finish_all()
    for line in report(drafted, args.dry_run, ledger.now() - start, args.build):
        print(line)
    if args.build and not args.dry_run:
        from lit_tasks.engine.regeneration import Regeneration, regenerate
        from lit_tasks.state.index import LazyProject

        return regenerate(LazyProject.load(root), Regeneration())
    return 0


def _prompt_arg(root: Path, raw: str) -> str:
    """A prompt named relative to the current directory, as the project keys it."""
    from lit_tasks.model.paths import relpath_posix

    return relpath_posix((Path.cwd() / raw).absolute(), root)


def _answers(path: str) -> str:
    from lit_tasks.io.errors import UsageError

    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read the answers from {path}: {getattr(err, 'strerror', None) or err}") from None
    if not text:
        raise UsageError(f"{path} is empty: write the answers to the PM's questions in it")
    return text


def _with_answers(root: Path, request: str, answers: str | None, use_cache: bool) -> str | None:
    """The request with the PM's questions and their answers; None when they cannot be asked here."""
    from lit_tasks.engine.drafting import DraftAsk, Drafter

    questions = Drafter(root, DraftAsk(request, use_cache=use_cache)).questions()
    if not questions:
        progress.emit("note", "the PM has no questions")
        return request
    if answers is not None:
        asked = "\n".join(f"- {q}" for q in questions)
        return f"{request}\n\n## Questions asked\n{asked}\n\n## Answers\n{answers}"
    if not sys.stdin.isatty():
        print("The PM asks:")
        for n, question in enumerate(questions, 1):
            print(f"  {n}. {question}")
        progress.emit("note", "answer them in a file and run again with --answers FILE (or run at a terminal)")
        return None
    pairs = []
    for n, question in enumerate(questions, 1):
        answer = input(f"{n}. {question}\n> ").strip()
        pairs.append(f"Q: {question}\nA: {answer or '(no answer: decide yourself)'}")
    return request + "\n\n## Answers to the PM's questions\n" + "\n\n".join(pairs)


def report(drafted, dry_run: bool, spent, build: bool = False) -> list[str]:  # noqa: ANN001 - engine and ledger types
    """The drafted graph, one line per prompt, and what building it is estimated to cost; `spent` is what the
    command's calls cost (questions included), from the records."""
    project = drafted.project
    verb = "would write" if dry_run else "wrote"
    calls = f"{progress.plural(spent.calls, 'call')} ({progress.money(spent.cost_usd)}" + (
        " + unknown)" if spent.unpriced else ")"
    )
    if drafted.reused:
        count = progress.plural(len(drafted.prompts), "prompt")
        head = f"already drafted: the draft of this request is in place ({count}), 0 calls"
    elif not drafted.files:
        return [f"the draft changes nothing: every file it holds is already as drafted; {calls}"]
    else:
        head = (
            f"drafted {progress.plural(len(drafted.prompts), 'prompt')} ({len(drafted.new)} new, "
            f"{len(drafted.edited)} edited) with {calls}; {verb}:"
        )
    lines = [head]
    others = sorted((p for p in drafted.files if not p.endswith(".prompt.md")), key=lambda p: p == "lit.toml")
    for path in others:
        lines.append(f"  {'settings' if path == 'lit.toml' else 'guidelines'} {path}")
    width = max((len(p) for p in drafted.prompts), default=0)
    for key in project.graph.order:
        if key not in drafted.prompts:
            continue
        prompt = project.graph.prompts[key]
        kind = "new   " if key in drafted.new else "edited"
        imports = f"  (imports {', '.join(prompt.imports)})" if prompt.imports else ""
        lines.append(f"  {kind} {key:<{width}}  {prompt.title or '(untitled)'}{imports}")
    unpriced = f" (+ {len(drafted.unpriced)} with no known price)" if drafted.unpriced else ""
    lines.append(
        f"building it: an estimated {progress.money(drafted.estimate)}{unpriced}, as `lit regenerate --dry-run` prices it"
    )
    if build and not dry_run:
        lines.append("building it now (`lit regenerate`); review the draft with `lit diff` or `git diff`")
    elif not dry_run and not drafted.reused:
        lines.append("review it with `lit diff` or `git diff`, then build it with `lit regenerate`")
    return lines
