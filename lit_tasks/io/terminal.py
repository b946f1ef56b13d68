"""What reaches the terminal: text from a model's answer or from files is shown, never obeyed.

A path in a model's answer or a file name in a cloned tree can carry control sequences (`ESC ]0;...BEL` sets
the window title, `ESC [31m` colours, a carriage return overwrites the line, U+202E reverses the text that
follows). Every line lit prints passes through `escape_controls`, which turns each such character into its
visible escape (`\\x1b`), keeping tabs and newlines; lit's own colours are added after it.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    return text if _CONTROL.search(text) is None else _CONTROL.sub(_escape, text)


class EscapingStream:
    """A text stream that escapes control characters in everything written to it (see the module's docstring);
    every other attribute is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self.wrapped = stream  # for lit's own colour sequences, written after escaping the text they frame

    def write(self, text: str) -> int:
        return self.wrapped.write(escape_controls(text))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)
