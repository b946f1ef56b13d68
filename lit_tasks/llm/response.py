"""The response parser: `=== FILE: path ===` sections, read strictly (docs/task-model.md, step 6).

lit v1 accepted almost anything (epilogues inside files, positional renames, undeclared paths, `../`). Here an
answer is accepted only when it contains every declared output exactly once and nothing else, every path is
a safe relative path, and no explanation text ends up inside a file. Anything else is a `ResponseError`, and
the caller writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lit_providers.base import Completion
from lit_tasks.io.errors import ResponseError
from lit_tasks.model.paths import UnsafePathError, normalise_relpath

HEADER = re.compile(r"^===\s*FILE:\s*(?P<path>.*?)\s*(?:=+\s*)?$")
FENCE_OPEN = re.compile(r"^(?P<ticks>`{3,}|~{3,})[\w+.#-]*\s*$")


@dataclass
class ParsedResponse:
    files: dict[str, str]
    notes: list[str] = field(default_factory=list)


def parse_response(text: str, declared: tuple[str, ...] | None) -> ParsedResponse:
    """Split `text` into files; raise ResponseError unless it holds exactly the declared outputs (with `declared`
    None, any safe paths, each once: a draft names its own files)."""
    lines = text.split("\n")
    headers = [
        (i, _header_path(line))
        for i, line in enumerate(lines)
        if line.startswith("===") and HEADER.match(line.rstrip("\r"))  # the test first: most lines are code
    ]
    if not headers:
        start = " ".join(text.strip().split())[:120]
        raise ResponseError(
            "the answer contains no `=== FILE: path ===` sections"
            + (f"; it starts with: {start!r}" if start else " (it is empty)")
        )
    notes: list[str] = []
    if any(line.strip() for line in lines[: headers[0][0]]):
        notes.append("ignored text before the first file")
    files: dict[str, str] = {}
    problems: list[str] = []
    declared_set = set(declared or ())
    for n, (index, raw_path) in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        try:
            path = normalise_relpath(raw_path)
        except UnsafePathError as err:
            problems.append(f"unsafe path {err}")
            continue
        if declared is not None and path not in declared_set:
            problems.append(f"`{path}` is not a declared output")
            continue
        if path in files:
            problems.append(f"`{path}` appears more than once")
            continue
        content, epilogue = _section_content(lines[index + 1 : end], path)
        if epilogue:
            notes.append(f"ignored text after the code of {path}")
        files[path] = content
    problems.extend(f"declared output `{p}` is missing" for p in declared or () if p not in files)
    if problems:
        raise ResponseError("the answer breaks the file protocol: " + "; ".join(problems))
    return ParsedResponse(files=files, notes=notes)


def _header_path(line: str) -> str:
    match = HEADER.match(line.rstrip("\r"))
    assert match is not None
    path = match.group("path").strip()
    if len(path) >= 2 and path[0] == path[-1] and path[0] in "`'\"":
        path = path[1:-1].strip()
    return path


def _section_content(lines: list[str], path: str) -> tuple[str, bool]:
    """(file content, whether non-blank text followed a closing fence and was dropped)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    body = lines[start:end]
    epilogue = False
    opening = FENCE_OPEN.match(body[0].rstrip("\r")) if body else None
    if opening:
        ticks = opening.group("ticks")
        close = _closing_fence(body, ticks)
        if close is None:
            raise ResponseError(
                f"the answer breaks the file protocol: the code fence around `{path}` never closes "
                "(was the answer cut off?)"
            )
        epilogue = any(line.strip() for line in body[close + 1 :])
        body = body[1:close]
    if not body:
        return "", epilogue
    return "\n".join(body) + "\n", epilogue


def _closing_fence(body: list[str], ticks: str) -> int | None:
    char = ticks[0]
    for i in range(len(body) - 1, 0, -1):
        stripped = body[i].strip()
        if stripped and set(stripped) == {char} and len(stripped) >= len(ticks):
            return i
    return None


def accept(completion: Completion) -> None:
    """Only a complete answer may be used; the message says what to change."""
    if completion.stop == "truncated":
        raise ResponseError(
            f"the answer was cut off (stop reason `{completion.stop_reason}`, {completion.usage.output_tokens} output "
            "tokens); raise [model] max_tokens or split the prompt; nothing was written"
        )
    if completion.stop == "refused":
        raise ResponseError(
            f"the model refused to answer (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if completion.stop != "complete":
        raise ResponseError(
            f"the answer did not end normally (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if not completion.text.strip():
        raise ResponseError("the answer is empty; nothing was written")
