"""How the server combines its configuration (SERVER-SEMANTICS §2-4).

Within one directory each file's tree is put under its key prefix (pyhocon's ``ConfigTree.put``): objects
deep-merge, so ``services/tasks.conf`` adds to ``tasks`` in ``services.conf``. The loader then merges layer over
layer (the defaults folder, each directory, the variables' own tree) with its ``_merge_configs``: objects
deep-merge, lists and scalars are replaced whole. With the `-key` rule (the API server's loader; the file server's
has none) every key that merge *visits* and that starts with ``-`` replaces instead of merging, and loses its
``-``, whether the key existed before or not. A merge visits the keys of an object that both sides hold as
objects: below a key set whole nothing is visited, so ``newthing { -inner: 1 }`` keeps ``-inner`` when
``newthing`` is new. A key pyhocon keeps in quotes (``"-a.b"``) does not start with ``-`` for the rule.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..hocon import KeyPath, QuotedKey

#: Where a merge dropped the ``-`` of a key: the key's path in the layer, as written -> the key it became.
Renames = dict[KeyPath, str]


class EmptyKey(Exception):
    """The loader meets the empty key that a `-` written alone becomes (at ``path``, in the merged tree): pyhocon
    cannot look it up (IndexError), so the server fails where it copies or reads the object holding it."""

    def __init__(self, path: KeyPath) -> None:
        super().__init__(path)
        self.path = path


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


def replaces(key: Any, dash_rule: bool) -> bool:
    """Whether the loader's merge takes ``key``, when it visits it, as a `-key` (replace, and drop the ``-``)."""
    return dash_rule and isinstance(key, str) and key.startswith("-") and not isinstance(key, QuotedKey)


def merge(
    base: dict[str, Any],
    layer: dict[str, Any],
    *,
    dash_rule: bool,
    renamed: Renames | None = None,
    copies: bool = False,
) -> dict[str, Any]:
    """Merge ``layer`` over ``base`` in place and return ``base``; ``renamed`` collects the `-key`s it applied.

    ``copies``: the loader's ``copy_trees`` (its merges of whole layers), which copies each object it merges into:
    raises EmptyKey where that object, or an object of ``layer`` it goes through, holds the empty key."""
    _merge(base, layer, dash_rule, None, None, renamed, (), copies)
    return base


def merge_traced(
    base: dict[str, Any],
    notes: dict[str, Any],
    layer: dict[str, Any],
    layer_notes: Any,
    *,
    dash_rule: bool,
    renamed: Renames | None = None,
    copies: bool = False,
) -> None:
    """``merge``, carrying along a tree of notes (origins) of the same shape, with a note at every leaf.

    A leaf is a scalar, a list or an empty object. An empty object merged into an object changes nothing, so its
    note must not replace the notes below; an object merged into an empty one makes the empty one a branch.
    """
    _merge(base, layer, dash_rule, notes, layer_notes, renamed, (), copies)


def _merge(
    base: dict[str, Any],
    layer: dict[str, Any],
    dash_rule: bool,
    notes: dict[str, Any] | None,
    layer_notes: Any,
    renamed: Renames | None,
    at: KeyPath,
    copies: bool,
) -> None:
    if dash_rule and "" in layer:
        raise EmptyKey((*at, ""))  # the loader iterates the layer's keys, and cannot read that one
    for key, value in layer.items():
        override = replaces(key, dash_rule)
        name = key[1:] if override else key
        if override and renamed is not None:
            here = (*at, key)
            renamed[here] = name
        note = layer_notes.get(key) if isinstance(layer_notes, dict) else layer_notes
        if not override and isinstance(base.get(name), dict) and isinstance(value, dict):
            if copies and dash_rule and "" in base[name]:
                raise EmptyKey((*at, name, ""))
            below = None
            if notes is not None:
                if not value:
                    continue
                below = notes.get(name)
                if not isinstance(below, dict):
                    below = notes[name] = {}
            _merge(base[name], value, dash_rule, below, note, renamed, (*at, key), copies)
        else:
            base[name] = copy.deepcopy(value)
            if notes is not None:
                notes[name] = copy.deepcopy(note)


def landed_path(path: KeyPath, renamed: Renames) -> KeyPath:
    """A path of a layer, as written, turned into the path it lands on after the merge that made ``renamed``."""
    landed: list[Any] = []
    for depth, segment in enumerate(path):
        landed.append(renamed.get(path[: depth + 1], segment))
    return tuple(landed)


def land(tree: Any, renamed: Renames) -> tuple[Any, set[KeyPath]]:
    """``tree`` (a layer, or a tree of the same shape such as its origins) with its keys as the merge that made
    ``renamed`` left them, and the landed paths where a `-key` replaced what was there."""
    replaced: set[KeyPath] = set()

    def walk(node: Any, raw: KeyPath, landed: KeyPath) -> Any:
        if not isinstance(node, dict) or not renamed:
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            here = (*raw, key)
            name = renamed.get(here)
            if name is None:
                name = key
            else:
                replaced.add((*landed, name))
            out[name] = walk(value, here, (*landed, name))
        return out

    return walk(tree, (), ()), replaced


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
