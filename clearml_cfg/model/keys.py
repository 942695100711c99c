"""KEY arguments: the full path the server sees, file name included (``apiserver.auth.cookies.domain``)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..hocon.paths import KeyPath, PathError, format_path, parse_path

#: What a lookup finds where nothing is set (None may be a value).
MISSING: Any = object()

__all__ = ["MISSING", "KeyPath", "format_key", "lookup", "parse_key"]


def parse_key(text: str) -> KeyPath:
    """``apiserver.cors."allow_headers"`` -> ("apiserver", "cors", "allow_headers"); `[N]` indexes a list."""
    try:
        path = parse_path(text.strip())
    except PathError as e:
        raise UsageError(str(e), 'write KEY as dotted names, quoting a name that holds a dot: a."x.y".b') from e
    if not isinstance(path[0], str):
        raise UsageError(f"the key {text!r} must start with a name, not a list index")
    return path


def format_key(path: KeyPath) -> str:
    return format_path(path)


# --- environment overrides (SERVER-SEMANTICS §4) ----------------------------------------------------------


def lookup(tree: Any, path: KeyPath) -> Any:
    node = tree
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(node, list) or not -len(node) <= segment < len(node):
                raise KeyError(segment)
        elif not isinstance(node, dict) or segment not in node:
            raise KeyError(segment)
        node = node[segment]
    return node
