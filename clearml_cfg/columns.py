"""Rows of text laid out in columns: to fit a terminal of a given width, or aligned for a pipe.

No cell is ever cut: on a terminal a cell wraps at its spaces only, every column at least as wide as its longest
word, and the key columns (the first ``keys``, which name the row) do not wrap at all; when even that does not
fit, each row becomes a record, its keys on a line of their own and the other cells under it (``label  value``).
Piped, each row is one line, its columns
aligned, but a cell far longer than the rest of its column (a long list among short values) does not widen the
column for every line: it just pushes its own line's next cells to the right.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

GAP = "  "
OUTLIER = 60  # a cell longer than this and than twice its column's median length does not widen the column


def _words(text: str) -> list[str]:
    return text.split()


def _longest_word(text: str) -> int:
    return max((len(word) for word in _words(text)), default=0)


def wrap_cell(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` (a longer word stands alone), broken at spaces only."""
    lines: list[str] = []
    line = ""
    for word in _words(text):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line or not lines else lines


def widths_for(rows: Sequence[Sequence[str]], width: int, keys: int = 1) -> list[int] | None:
    """Column widths that fit ``width`` without splitting a word or wrapping a key column, or None when no such
    widths exist.

    Columns start at their widest cell; the one with the most room to give gives one character at a time, down
    to its longest word (a key column gives none)."""
    count = len(rows[0])
    natural = [max(len(row[i]) for row in rows) for i in range(count)]
    floor = [natural[i] if i < keys else max(_longest_word(row[i]) for row in rows) for i in range(count)]
    room = width - len(GAP) * (count - 1)
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
        height = max(len(c) for c in cells)
        lines = []
        for n in range(height):
            parts = [(c[n] if n < len(c) else "") for c in cells]
            padded = [part.ljust(w) for part, w in zip(parts[:-1], widths, strict=False)]
            lines.append(GAP.join([*padded, parts[-1]]).rstrip())
        out.append(lines)
    return out


def records(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, keys: int = 1) -> list[list[str]]:
    """Each row as a record: its key cells on a line of their own, then one ``HEADER  value`` line per other
    cell, the value wrapped at spaces."""
    labels = headers[keys:]
    label_width = max((len(label) for label in labels), default=0)
    indent = "  "
    out = []
    for row in rows:
        lines = [" ".join(cell for cell in row[:keys] if cell.strip())]
        for label, cell in zip(labels, row[keys:], strict=True):
            start = len(indent) + label_width + len(GAP)
            wrapped = wrap_cell(cell, max(width - start, 1))
            lines.append(f"{indent}{label.ljust(label_width)}{GAP}{wrapped[0]}".rstrip())
            lines.extend(" " * start + line for line in wrapped[1:])
        out.append(lines)
    return out


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """One line per row for a pipe: columns aligned, no cell wrapped or cut, no trailing blanks, and a column
    not widened by a cell much longer than the rest of it."""
    count = len(rows[0])
    widths = []
    for i in range(count - 1):
        lengths = [len(row[i]) for row in rows]
        limit = max(OUTLIER, 2 * statistics.median(lengths))
        widths.append(max((n for n in lengths if n <= limit), default=0))
    lines = []
    for row in rows:
        line = ""
        for i, cell in enumerate(row):
            if i < count - 1:
                line += cell.ljust(widths[i]) + GAP
            else:
                line += cell
        lines.append(line.rstrip())
    return lines
