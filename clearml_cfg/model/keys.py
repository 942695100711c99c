"""Key paths: KEY arguments as the server sees them, file name included (``apiserver.auth.cookies.domain``), and the
one walk of a key path through a tree of plain data (``lookup``, ``MISSING``)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..hocon.parser import MAX_KEY_DEPTH
from ..hocon.paths import KeyPath, PathError, format_path, parse_path

#: What a lookup finds where nothing is set (None may be a value): the one such marker of the package.
MISSING: Any = object()
_RAISE: Any = object()

__all__ = ["MISSING", "KeyPath", "format_key", "lookup", "parse_key"]


def parse_key(text: str) -> KeyPath:
    """``apiserver.cors."allow_headers"`` -> ("apiserver", "cors", "allow_headers"); `[N]` indexes a list."""
    try:
        path = parse_path(text.strip())
    except PathError as e:
        raise UsageError(str(e), 'write KEY as dotted names, quoting a name that holds a dot: a."x.y".b') from e
    if not isinstance(path[0], str):
        raise UsageError(f"the key {text!r} must start with a name, not a list index")
    if len(path) > MAX_KEY_DEPTH:
        raise UsageError(
            f"the key has {len(path):,} parts: keys nested deeper than {MAX_KEY_DEPTH} levels are not supported",
            "the server's parser fails on such keys too (near 980 parts): use a shorter key",
        )
    return path


def format_key(path: KeyPath) -> str:
    return format_path(path)


# --- environment overrides (SERVER-SEMANTICS §4) ----------------------------------------------------------


def lookup(tree: Any, path: KeyPath, default: Any = _RAISE) -> Any:
    """The value at ``path`` in a tree of plain data: a name goes into an object, a number into a list.

    Where nothing is there: ``default`` when given (MISSING, say), else KeyError. The one walk of a key path
    through a tree for the whole package."""
    node = tree
    for segment in path:
        if isinstance(segment, int) and not isinstance(segment, bool):
            if not isinstance(node, list) or not 0 <= segment < len(node):
                if default is _RAISE:
                    raise KeyError(segment)
                return default
        elif not isinstance(node, dict) or segment not in node:
            if default is _RAISE:
                raise KeyError(segment)
            return default
        node = node[segment]
    return node
