"""What the server loads but no server code reads: files outside its sections, and keys that look like a typo
of a known one (for `show --effective` and `explain`; `check` reports the same per file and line)."""

from __future__ import annotations

import difflib

from ..hocon import KeyPath, format_path
from ..model import schema
from ..model.known import unknown_name
from ..model.layout import KNOWN_NAMESPACES
from .effective import Effective, Layer


def unread_keys(effective: Effective) -> list[tuple[KeyPath, str]]:
    """Files loaded outside the sections the server reads, and keys that look like a typo of a known one: the
    key (or file prefix) concerned, and the warning."""
    warnings: list[tuple[KeyPath, str]] = []
    for layer in effective.layers:
        if layer.origin.kind == "default":
            continue
        if layer.prefix and not known_namespace(layer):
            warnings.append((layer.prefix, outside_namespace(layer, several_dirs=effective.several_dirs)))
            continue
        flagged: list[KeyPath] = []
        for path, _ in schema.walk(layer.tree, ()):
            if not path or any(tuple(path[: len(p)]) == p for p in flagged):
                continue
            typo = unknown_name(path, [effective.defaults])
            if typo is None or typo.suggestion is None:
                continue
            flagged.append(path)
            where = layer.written.get(path, layer.origin).label(full_path=effective.several_dirs)
            parent, name = format_path(path[:-1]), path[-1]
            what = (
                f"{parent} does not take {name!r}: the server rejects or ignores it"
                if typo.closed
                else f"no server code reads {format_path(path)}"
            )
            warnings.append((path, f"{where}: {what}; did you mean {format_path(typo.suggestion)}?"))
    return warnings


def known_namespace(layer: Layer) -> bool:
    return layer.prefix[0] in KNOWN_NAMESPACES


def outside_namespace(layer: Layer, *, several_dirs: bool = False) -> str:
    """The warning for a file loaded under a key no server code reads (`backup/apiserver.conf`)."""
    where = layer.origin.label(full_path=several_dirs)
    prefix = ".".join(layer.prefix)
    message = f"{where} is loaded as {prefix}.*, which no server code reads"
    inside = [i for i, part in enumerate(layer.prefix) if i and part in KNOWN_NAMESPACES]
    if inside:
        meant = "/".join(layer.prefix[inside[0] :]) + ".conf"
        return f"{message}: move it out of the directory, or to {meant} if it is meant to be read"
    close = difflib.get_close_matches(layer.prefix[0], KNOWN_NAMESPACES, n=1)
    return message + (f"; did you mean {close[0]}.conf?" if close else "")
