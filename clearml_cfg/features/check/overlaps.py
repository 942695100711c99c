"""Two files of one folder that set the same key: the server reads a folder's files in the file system's order
(``Path.rglob``), so which one wins can change from one machine to another (SERVER-SEMANTICS §2)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from pathlib import PurePosixPath
from typing import Any

from ...hocon import KeyPath, format_path
from .model import Context, Finding, LoadedFile, Severity


def check_overlaps(context: Context) -> Iterator[Finding]:
    folders: dict[tuple[str, str], list[LoadedFile]] = {}
    for loaded in context.files:  # in the order the server reads them
        folder = (str(loaded.file.directory), str(PurePosixPath(loaded.file.relative).parent))
        folders.setdefault(folder, []).append(loaded)
    for files in folders.values():
        for first, last in combinations(files, 2):
            clash = _clash(_keys(first), _keys(last))
            if clash is not None:
                yield _finding(first, last, *clash)


def _keys(loaded: LoadedFile) -> dict[KeyPath, tuple[KeyPath, bool]]:
    """The server's keys the file writes -> (the key as written, whether it sets the key whole: a value, a list,
    or a `-key` that replaces everything below it)."""
    found: dict[KeyPath, tuple[KeyPath, bool]] = {}

    def visit(value: Any, inner: KeyPath, whole: bool) -> None:
        if inner:
            found[loaded.key(inner)] = (inner, whole or not isinstance(value, dict))
        if isinstance(value, dict):
            for key, item in value.items():
                dashed = isinstance(key, str) and len(key) > 1 and key.startswith("-")
                visit(item, (*inner, key), dashed and rule)

    rule = loaded.key(())[:1] != ("fileserver",)  # the file server's loader has no `-key` rule
    visit(loaded.tree, (), False)
    return found


def _clash(
    first: dict[KeyPath, tuple[KeyPath, bool]], last: dict[KeyPath, tuple[KeyPath, bool]]
) -> tuple[KeyPath, KeyPath, KeyPath] | None:
    """The first server key that both files decide, with the key as written in each: one of them sets it whole
    (or something above it), and the other writes it too."""
    for key in sorted(first.keys() & last.keys(), key=lambda k: (len(k), format_path(k))):
        if first[key][1] or last[key][1]:
            return key, first[key][0], last[key][0]
    return None


def _finding(first: LoadedFile, last: LoadedFile, key: KeyPath, in_first: KeyPath, in_last: KeyPath) -> Finding:
    a, b = first.file.relative, last.file.relative
    where = first.locate(in_first)
    return last.finding(
        in_last,
        "overlapping-files",
        Severity.WARNING,
        f"{a}{f':{where.line}' if where else ''} and {b} both set {format_path(key)}: the server reads the files of "
        f"one folder in the file system's order, here {b} last, so its value wins; on another file system {a} may "
        "win",
        f"set {format_path(key)} in one of the two files only",
    )
