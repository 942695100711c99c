"""How the server combines its configuration files (SERVER-SEMANTICS §2-3).

Within one directory each file's tree is put under its key prefix, and objects deep-merge (so
``services/tasks.conf`` wins over ``tasks`` in ``services.conf``). Directories then merge in order: objects
deep-merge, lists and scalars are replaced whole, and a key written ``-name`` replaces ``name`` outright where
the tree below already holds ``name`` (the apiserver's loader only; the file server's has no such rule).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..hocon import KeyPath


def put_file(tree: dict[str, Any], prefix: tuple[str, ...], content: Any) -> None:
    """pyhocon's ``ConfigTree.put(prefix, content)``, as the server's loader calls it for each file."""
    node = tree
    for segment in prefix[:-1]:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = {}
            node[segment] = child
        node = child
    last = prefix[-1]
    if isinstance(node.get(last), dict) and isinstance(content, dict):
        merge(node[last], content, dash_rule=False)
    else:
        node[last] = copy.deepcopy(content)


def merge(base: dict[str, Any], layer: dict[str, Any], *, dash_rule: bool) -> dict[str, Any]:
    """Merge ``layer`` over ``base`` in place and return ``base``."""
    for key, value in layer.items():
        if dash_rule and len(key) > 1 and key.startswith("-") and key[1:] in base:
            base[key[1:]] = copy.deepcopy(value)
        elif isinstance(base.get(key), dict) and isinstance(value, dict):
            merge(base[key], value, dash_rule=dash_rule)
        else:
            base[key] = copy.deepcopy(value)
    return base


def merge_traced(
    base: dict[str, Any], notes: dict[str, Any], layer: dict[str, Any], layer_notes: Any, *, dash_rule: bool
) -> None:
    """``merge``, carrying along a tree of notes (origins) of the same shape, with a note at every leaf.

    A leaf is a scalar, a list or an empty object. An empty object merged into an object changes nothing, so its
    note must not replace the notes below; an object merged into an empty one makes the empty one a branch.
    """
    for key, value in layer.items():
        note = layer_notes.get(key) if isinstance(layer_notes, dict) else layer_notes
        if dash_rule and len(key) > 1 and key.startswith("-") and key[1:] in base:
            base[key[1:]] = copy.deepcopy(value)
            notes[key[1:]] = copy.deepcopy(note)
        elif isinstance(base.get(key), dict) and isinstance(value, dict):
            if not value:
                continue
            below = notes.get(key)
            if not isinstance(below, dict):
                below = notes[key] = {}
            merge_traced(base[key], below, value, note, dash_rule=dash_rule)
        else:
            base[key] = copy.deepcopy(value)
            notes[key] = copy.deepcopy(note)


def deciding(segment: str | int) -> tuple[str | int, ...]:
    """The names that decide the value of ``segment`` in a merge: itself, ``-segment`` (which replaces it), and
    for a ``-name``, ``name``: whether ``-name`` replaces ``name`` or stays a key of its own depends on it."""
    if not isinstance(segment, str):
        return (segment,)
    if len(segment) > 1 and segment.startswith("-"):
        return (segment, f"-{segment}", segment[1:])
    return (segment, f"-{segment}")


def spells(written: str | int, segment: str | int) -> bool:
    """Whether a key written ``written`` can decide ``segment``."""
    return written in deciding(segment)


def deciding_depth(written: KeyPath, path: KeyPath) -> int:
    """How many leading names of ``written`` lie along ``path``, each one deciding the segment there."""
    depth = 0
    for name, segment in zip(written, path, strict=False):
        if not spells(name, segment):
            break
        depth += 1
    return depth


def on_the_way(written: KeyPath, path: KeyPath) -> bool:
    """Whether what is written at ``written`` can decide the value at ``path``: it leads there, or lies below."""
    return deciding_depth(written, path) == min(len(written), len(path))


def pruned(tree: Any, paths: Sequence[KeyPath]) -> Any:
    """``tree`` with only what can decide the values at ``paths``: at each level the names deciding the next
    segment, everything below a path's end. Merging is key by key, so merging pruned trees gives the values at
    ``paths`` exactly, without copying the rest."""
    if any(not path for path in paths) or not isinstance(tree, dict):
        return tree
    found: dict[str, Any] = {}
    for key, value in tree.items():
        going = [path[1:] for path in paths if spells(key, path[0])]
        if going:
            found[key] = pruned(value, going)
    return found


def put_along(tree: dict[str, Any], prefix: tuple[str, ...], content: Any, paths: Sequence[KeyPath]) -> bool:
    """``put_file`` of what a file under ``prefix`` holds along ``paths``: its content pruned to them; for a file
    beside them (``services/tasks.conf`` for ``services.x``), only the sections its name makes objects, since a
    merge goes into an object it finds (applying `-key`s) but copies one it does not as it is. False when the
    file has nothing to do with them."""
    along = [path for path in paths if on_the_way(prefix, path)]
    if along:
        put_file(tree, prefix, pruned(content, [path[len(prefix) :] for path in along]))
        return True
    shared = max((deciding_depth(prefix, path) for path in paths), default=0)
    if shared:
        put_file(tree, prefix[:shared], {})
        return True
    return False
