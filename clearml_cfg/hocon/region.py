"""An edited text read again where it changed, rather than whole.

Every edit is verified by reading its result (``document.py``); on a large file nearly all of that reading is of
text the edit did not touch. When the change lies inside one entry of an object (a field whose first key no
other entry of that object has), the entry's new text is parsed in place, inside the whole new text, and must
end exactly where the entry ended. The text before it is the same and ends with a line break, which no token
reaches past; the text after it is the same and is met by the parser in the same state (between two entries of
the same object); so the whole new text parses to the old entries with this one replaced. The meaning follows:
the object's value at that key is what the new entry gives, and nothing else changes. This holds for documents
without substitutions, `+=`, includes or tabs, where a key's value depends on its own entries alone; anything
else, and any entry that does not qualify, is read whole by the caller.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import HoconError
from .evaluate import evaluate_entries
from .parser import parse_entries
from .syntax import Field, Include, ObjectNode, Tree

_BLOCK = 4096


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """``(start, old_end, new_end)``: ``old[start:old_end]`` became ``new[start:new_end]``; the rest is the same."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start : start + _BLOCK] == new[start : start + _BLOCK]:
        start += _BLOCK
    while start < limit and old[start] == new[start]:
        start += 1
    start = min(start, limit)
    tail = 0
    room = limit - start
    while (
        tail + _BLOCK <= room
        and old[len(old) - tail - _BLOCK : len(old) - tail] == new[len(new) - tail - _BLOCK : len(new) - tail]
    ):
        tail += _BLOCK
    while tail < room and old[len(old) - tail - 1] == new[len(new) - tail - 1]:
        tail += 1
    return start, len(old) - tail, len(new) - tail


class _Place:
    """An entry that holds the whole change, and where it sits."""

    def __init__(self, node: ObjectNode, field: Field, path: tuple[str, ...], segments: int) -> None:
        self.node = node  # the object the entry is written in
        self.field = field
        self.path = path  # that object's key path in the document's meaning
        self.segments = segments  # key segments above the object (the parser counts them)


def _places(tree: Tree, start: int, old_end: int) -> list[_Place]:
    """The entries that hold ``[start, old_end)`` of the old text, outermost first, as far as each qualifies."""
    text = tree.text
    found: list[_Place] = []
    node, segments = tree.root, 0
    path: tuple[str, ...] = ()
    while isinstance(node, ObjectNode) and not any(isinstance(e, Include) for e in node.entries):
        holder = next((e for e in node.entries if isinstance(e, Field) and e.start <= old_end and start <= e.end), None)
        if holder is None:
            break
        line = text.rfind("\n", 0, holder.start) + 1
        if not (0 < line <= start and old_end <= holder.end and text[line : holder.start].strip(" ") == ""):
            break
        head = holder.key.segments[0]
        if sum(1 for e in node.entries if isinstance(e, Field) and e.key.segments[0] == head) > 1:
            break
        found.append(_Place(node, holder, path, segments))
        inner = holder.value.single()
        if not isinstance(inner, ObjectNode) or not inner.start < start or not old_end < inner.end:
            break
        node, path, segments = inner, (*path, *holder.key.segments), segments + len(holder.key.segments)
    return found


def read_locally(tree: Tree, meaning: Any, new: str) -> tuple[Any, int] | None:
    """The meaning of ``new`` (the text of ``tree``, whose meaning unresolved is ``meaning``, edited), and a bound
    on how deep it nests, read from the changed entry alone; None when that would not be exact."""
    old = tree.text
    if tree.links or not isinstance(meaning, dict) or "\t" in old or "\t" in new:
        return None
    start, old_end, new_end = changed_span(old, new)
    shift = new_end - old_end
    for place in reversed(_places(tree, start, old_end)):  # the smallest entry that reads exactly
        line = old.rfind("\n", 0, place.field.start) + 1
        try:
            read = parse_entries(new, line, place.field.end + shift, place.node.depth, place.segments)
            if read is None:
                continue
            entries, deepest, links = read
            head = place.field.key.segments[0]
            if links or any(not isinstance(e, Field) or e.key.segments[0] != head for e in entries):
                continue
            depth = max(tree.depth, deepest)
            value = evaluate_entries(new, entries, depth, root=place.node is tree.root)
        except HoconError:
            continue
        result = _replaced(meaning, place.path, head, value)
        if result is not None:
            return result, depth
    return None


def _replaced(meaning: dict[str, Any], path: tuple[str, ...], key: str, value: dict[str, Any]) -> dict[str, Any] | None:
    """``meaning`` with the object at ``path`` holding ``value[key]`` at ``key`` (or no ``key``), copied along
    ``path`` and sharing everything else; None when ``path`` is not the object it was read as."""
    root = copy.copy(meaning)
    node = root
    for segment in path:
        child = node.get(segment)
        if not isinstance(child, dict):
            return None
        node[segment] = copy.copy(child)
        node = node[segment]
    if key not in node:
        return None
    if key in value:
        node[key] = value[key]
    else:
        del node[key]
    return root
