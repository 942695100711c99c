"""Rows of text laid out in columns: to fit a terminal of a given width, or aligned for a pipe.

No cell is ever cut: on a terminal a cell wraps at its spaces only, every column at least as wide as its longest
word, and the key columns (the first ``keys``, which name the row) do not wrap at all; when even that does not
fit, each row becomes a record, its keys on a line of their own and the other cells under it (``label  value``).
Piped, each row is one line, its columns aligned, but a cell far longer than the rest of its column (a long list
among short values) does not widen the column for every line: it only pushes its own line's next cells right.
Widths are in terminal columns: an East Asian wide character takes two, a combining mark none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

GAP = "  "
OUTLIER = 60  # a cell wider than this and than twice its column's median width does not widen the column


def width(text: str) -> int:
    """The columns ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def _longest_word(text: str) -> int:
    return max((width(word) for word in text.split()), default=0)


def wrap_cell(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` (a wider word stands alone), broken at spaces only."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and width(line) + 1 + width(word) > columns:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line or not lines else lines


def widths_for(rows: Sequence[Sequence[str]], total: int, keys: int = 1) -> list[int] | None:
    """Column widths that fit ``total`` columns without splitting a word or wrapping a key column, or None when
    no such widths exist.

    Columns start at their widest cell; the one with the most room to give gives one column at a time, down to
    its longest word (a key column gives none)."""
    count = len(rows[0])
    natural = [max(width(row[i]) for row in rows) for i in range(count)]
    floor = [natural[i] if i < keys else max(_longest_word(row[i]) for row in rows) for i in range(count)]
    room = total - len(GAP) * (count - 1)
    if sum(floor) > room:
        return None
    widths = list(natural)
    while sum(widths) > room:
        column = max((i for i in range(count) if widths[i] > floor[i]), key=lambda i: widths[i] - floor[i])
        widths[column] -= 1
    return widths


def grid(rows: Sequence[Sequence[str]], widths: Sequence[int]) -> list[list[str]]:
    """Each row as its lines of padded cells (the last column unpadded); one list of lines per row."""
    out = []
    for row in rows:
        cells = [wrap_cell(cell, w) for cell, w in zip(row, widths, strict=True)]
        lines = []
        for n in range(max(len(c) for c in cells)):
            parts = [(c[n] if n < len(c) else "") for c in cells]
            padded = [_pad(part, w) for part, w in zip(parts[:-1], widths, strict=False)]
            lines.append(GAP.join([*padded, parts[-1]]).rstrip())
        out.append(lines)
    return out


def records(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int, keys: int = 1) -> list[list[str]]:
    """Each row as a record: its key cells on a line of their own, then one ``HEADER  value`` line per other
    cell, the value wrapped at spaces."""
    labels = headers[keys:]
    label_width = max((width(label) for label in labels), default=0)
    start = len("  ") + label_width + len(GAP)
    out = []
    for row in rows:
        lines = [" ".join(cell for cell in row[:keys] if cell.strip())]
        for label, cell in zip(labels, row[keys:], strict=True):
            wrapped = wrap_cell(cell, max(total - start, 1))
            lines.append(f"  {_pad(label, label_width)}{GAP}{wrapped[0]}".rstrip())
            lines.extend(" " * start + line for line in wrapped[1:])
        out.append(lines)
    return out


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """One line per row for a pipe: columns aligned, no cell wrapped or cut, no trailing blanks, and a column
    not widened by a cell much wider than the rest of it."""
    count = len(rows[0])
    widths = []
    for i in range(count - 1):
        sizes = sorted(width(row[i]) for row in rows)
        limit = max(OUTLIER, 2 * sizes[len(sizes) // 2])  # twice the median (the upper one of an even count)
        widths.append(max((n for n in sizes if n <= limit), default=0))
    return [
        "".join(_pad(cell, widths[i]) + GAP if i < count - 1 else cell for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]
