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
