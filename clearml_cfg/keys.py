"""KEY arguments: the full path the server sees, file name included (``apiserver.auth.cookies.domain``)."""

from __future__ import annotations

from .errors import UsageError
from .hocon.paths import Path, PathError, format_path, parse_path

__all__ = ["Path", "format_key", "parse_key"]


def parse_key(text: str) -> Path:
    """``apiserver.cors."allow_headers"`` -> ("apiserver", "cors", "allow_headers"); `[N]` indexes a list."""
    try:
        path = parse_path(text.strip())
    except PathError as e:
        raise UsageError(str(e), 'write KEY as dotted names, quoting a name that holds a dot: a."x.y".b') from e
    if not isinstance(path[0], str):
        raise UsageError(f"the key {text!r} must start with a name, not a list index")
    return path


def format_key(path: Path) -> str:
    return format_path(path)
