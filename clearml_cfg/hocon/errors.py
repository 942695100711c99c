"""Errors of the HOCON layer. Each carries a one-line reason; syntax errors also carry a position."""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class HoconError(Exception):
    """Base of every error raised by ``clearml_cfg.hocon``."""


class HoconSyntaxError(HoconError):
    """The text is not HOCON that the server's parser (pyhocon) accepts."""

    def __init__(self, reason: str, text: str, offset: int) -> None:
        self.reason = reason
        self.offset = offset
        self.line, self.column = line_and_column(text, offset)
        self.source_line = source_line(text, offset)
        super().__init__(f"line {self.line}, column {self.column}: {reason}")

    def excerpt(self) -> str:
        """The offending line and a caret under the column."""
        shown = self.source_line.expandtabs(1)
        return f"{shown}\n{' ' * (self.column - 1)}^"


class HoconSemanticError(HoconError):
    """The text parses, but pyhocon could not compute a value from it (the server would fail too)."""

    def __init__(
        self,
        message: str,
        offset: int | None = None,
        reason: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.offset = offset  # where, when known: the message then starts with "line L, column C: "
        self.reason = reason if reason is not None else message
        self.line = line
        self.column = column


class HoconRunaway(HoconSemanticError):
    """pyhocon's reading of the text never ends, or would take gigabytes: a value copied into itself over and
    over, a string doubled again and again. The server would hang or run out of memory at start."""


class HoconEditError(HoconError):
    """An edit was refused: it cannot be expressed safely in this text (it can be made by hand)."""


class HoconEditRefused(HoconEditError):
    """The edited text did not verify (it would not read back as exactly the intended change): a bug of the
    editor, never something the user did. Nothing was changed."""


class HoconEditUnresolvable(HoconEditError):
    """The edit would leave the file with a substitution it cannot resolve, where it resolves now without help
    from the environment: the server could not load the file after it."""


class HoconKeyError(HoconError, KeyError):
    """The path is not set in the document."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
    return starts


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``; `\\r\\n`, `\\n` and a lone `\\r` all end a line."""
    line_start = 0
    line = 1
    for m in _LINE_BREAK.finditer(text, 0, offset):
        line += 1
        line_start = m.end()
    if line == 1 and offset and text.startswith("\ufeff"):  # the byte-order mark is no column
        line_start = 1
    return line, offset - line_start + 1


def source_line(text: str, offset: int) -> str:
    newline = text.rfind("\n", 0, offset)
    start = max(newline, text.rfind("\r", newline + 1, offset)) + 1
    m = _LINE_BREAK.search(text, offset)
    return text[start : m.start() if m else len(text)]
