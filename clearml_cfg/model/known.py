"""Which keys the server knows next to a given one, and the known key a misspelt one was meant as.

One place for `check` (a finding per file and line) and the effective view (`show --effective`, `explain`):
a key counts as misspelt when no known key has its name while a known sibling's name is close. Known: the
registry in ``schema`` and, when given, a tree of server defaults. An object whose keys are fixed (cookies,
CORS, a fixed user) rejects any other name; elsewhere only a close name is a likely typo, since the server
ignores keys it does not read.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..hocon import KeyPath
from . import schema
from .keys import lookup
from .layout import KNOWN_NAMESPACES

CUTOFF = 0.8  # difflib ratio for an open set of names: `task` ~ `tasks`, not `port` ~ `host`


def known_children(parent: KeyPath, trees: Iterable[Any] = ()) -> list[str]:
    """Names the server knows directly under ``parent``: the registry's, and the keys of ``trees`` there."""
    names: set[str] = set(KNOWN_NAMESPACES) if not parent else set()
    names.update(name for name in _registry_children(parent) if name not in ("*", "[]"))
    holder = schema.setting_for(parent)
    if holder is not None and holder.keys:
        names.update(holder.keys)
    for tree in trees:
        node = lookup(tree, parent, None)
        if isinstance(node, dict):
            names.update(str(key) for key in node)
    return sorted(names)


def any_name(parent: KeyPath) -> bool:
    """The registry takes any name under ``parent`` (`secure.credentials.<name>`, ui_actions' objects' lists)."""
    return "*" in _registry_children(parent)


@functools.lru_cache(maxsize=1024)
def _registry_children(parent: KeyPath) -> frozenset[str]:
    """The parts that come after ``parent`` in the registry's patterns (`*` for any name); asked for every key a
    view shows, so worked out once per parent."""
    depth = len(parent)
    return frozenset(
        setting.pattern[depth]
        for setting in schema.SETTINGS
        if len(setting.pattern) > depth and schema.Setting(setting.pattern[:depth], "").matches(parent)
    )


def close_name(name: str, known: Sequence[str], cutoff: float = CUTOFF) -> str | None:
    """The known name ``name`` is most likely a misspelling of, or None; never ``name`` itself."""
    candidates = [k for k in known if k != name]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    if close:
        return close[0]
    swapped = [k for k in candidates if _one_swap(name, k)]  # `prot` for `port`: a ratio of only 0.75
    return swapped[0] if swapped else None


def _one_swap(a: str, b: str) -> bool:
    if len(a) != len(b) or len(a) < 3:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def server_name(name: str, path: KeyPath) -> str:
    """The name the server sees: a `-name` replaces `name` (not in the file server's loader)."""
    if path and path[0] != "fileserver" and len(name) > 1 and name.startswith("-"):
        return name[1:]
    return name


@dataclass(frozen=True)
class Misspelt:
    path: KeyPath  # up to the unknown part, as written
    suggestion: KeyPath | None  # the known key meant, None when nothing is close
    closed: bool  # the parent takes a fixed set of keys: any other name is an error, close or not


def misspelt_part(path: KeyPath, trees: Iterable[Any] = ()) -> Misspelt | None:
    """The first part of ``path`` that the server does not know, when it is a likely typo (or in a fixed set)."""
    trees = list(trees)
    for depth, segment in enumerate(path):
        if not isinstance(segment, str):
            continue
        found = unknown_name(path[: depth + 1], trees)
        if found is not None:
            return found
    return None


def unknown_name(path: KeyPath, trees: Iterable[Any] = ()) -> Misspelt | None:
    """Whether the last part of ``path`` is unknown next to known siblings (None: known, or nothing to compare)."""
    name = path[-1]
    if not isinstance(name, str):
        return None
    parent = path[:-1]
    name = server_name(name, path)
    holder = schema.setting_for(parent)
    if holder is not None and holder.keys is not None:
        if name in holder.keys:
            return None
        close = close_name(name, holder.keys, cutoff=0.6)
        return Misspelt(path, (*parent, close) if close else None, True)
    if any_name(parent):
        return None
    known = known_children(parent, trees)
    if not known or name in known:
        return None
    close = close_name(name, known)
    return Misspelt(path, (*parent, close), False) if close else None
