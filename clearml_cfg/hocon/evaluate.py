"""What a parsed document means: the same tree pyhocon builds, computed from our syntax tree.

This follows pyhocon's ``ConfigTreeParser.postParse``, ``ConfigTree._put``/``merge_configs`` and
``ConfigValues.transform`` step by step, quirks included, because the server reads its files with pyhocon:
`a: true x` is the string "True x", `["", "b"]` is ["b"], `a: 5` then `a.b: 1` is an error, and so on.
Substitutions are resolved against the whole file and then the environment, as pyhocon does.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from typing import Any

from .errors import HoconSemanticError, line_and_column
from .parser import PERIOD, PERIOD_UNITS, gc_paused, key_segments, parse_tree, unescape
from .syntax import Field, Include, Kind, ListNode, ObjectNode, Token, Tree, ValueNode
from .values import Period, QuotedPart, Substitution, Unresolved

#: Called for an `include` statement; returns the included tree, or None when the target is missing.
IncludeLoader = Callable[[Include], "dict[str, Any] | None"]


class _Null:
    """pyhocon's NoneValue: `null` in the tree. It behaves like a missing key when objects merge over it."""

    _instance: _Null | None = None

    def __new__(cls) -> _Null:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "null"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Null:
        return self


NULL = _Null()


class _Unquoted(str):
    """pyhocon's ConfigUnquotedString: only the last one of a value loses its trailing blanks."""

    __slots__ = ()


class _DetachedList(list):  # type: ignore[type-arg]
    """A list whose elements pyhocon can no longer delete: see ``_Resolver.walk``."""

    __slots__ = ()


_ABSENT = object()  # an optional substitution that found nothing: the key disappears
_UNIT_NAMES = {unit: name for name, units in PERIOD_UNITS.items() for unit in units}


def _number(text: str) -> int | float:
    try:
        return int(text, 10)
    except ValueError:
        return float(text)


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a string"


def _category(value: Any) -> type:
    return dict if isinstance(value, dict) else list if isinstance(value, list) else str


def _as_text(value: Any) -> str:
    """How pyhocon turns a non-string part into text when it concatenates (``str(value)``)."""
    if value is NULL:
        raise HoconSemanticError("null cannot be part of a concatenated string (pyhocon would write garbage)")
    if isinstance(value, Period):
        raise HoconSemanticError(f"the duration {value.text!r} cannot be part of a concatenated string")
    return str(value)


def _merge(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """pyhocon's ``ConfigTree.merge_configs``: objects merge key by key, anything else is replaced."""
    for key, value in other.items():
        existing = into.get(key, _ABSENT)
        if isinstance(existing, dict) and isinstance(value, dict):
            into[key] = _merge(dict(existing), value)
        else:
            if isinstance(value, Unresolved) and existing is not _ABSENT:
                value.previous = None if existing is NULL else existing  # pyhocon's tree[key] reads null as None
            into[key] = value
    return into


def _merge_copying(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """pyhocon's ``merge_configs(copy_trees=True)``, as a root key's later definition is merged in: every
    subtree merged into is a copy, and the unresolved values it keeps still point to the original object,
    where pyhocon's `del parent[key]` then misses them (they end up null rather than gone)."""
    for key, value in other.items():
        existing = into.get(key, _ABSENT)
        if isinstance(existing, dict) and isinstance(value, dict):
            copied = dict(existing)
            for item in copied.values():
                if isinstance(item, Unresolved):
                    item.detached = True
            into[key] = _merge_copying(copied, value)
        else:
            if isinstance(value, Unresolved) and existing is not _ABSENT:
                value.previous = None if existing is NULL else existing
            into[key] = value
    return into


def _transform(parts: list[Any], offset: int, text: str, *, shared: bool = False) -> Any:
    """pyhocon's ``ConfigValues.transform`` for parts without substitutions. Returns _ABSENT for no parts.

    ``shared``: the parts may be referenced elsewhere in the tree, so objects are copied before merging.
    """
    parts = [p for p in parts if p is not None]
    if not parts:
        return _ABSENT
    first = _category(parts[0])
    for part in parts[1:]:
        if _category(part) is not first:
            line, column = line_and_column(text, offset)
            raise HoconSemanticError(
                f"line {line}, column {column}: cannot concatenate {_type_name(parts[0])} and {_type_name(part)}"
            )
    if first is dict:
        if len(parts) == 1 and not shared:
            return parts[0]
        result: dict[str, Any] = {}
        for part in parts:
            _merge(result, copy.deepcopy(part) if shared else part)
        return result
    if first is list:
        return [item for part in parts for item in part]
    if len(parts) == 1:
        return parts[0].value if isinstance(parts[0], QuotedPart) else parts[0]
    texts = [p.value + p.ws if isinstance(p, QuotedPart) else _as_text(p) for p in parts[:-1]]
    last = parts[-1]
    texts.append(last.value if isinstance(last, QuotedPart) else _as_text(last))
    return "".join(texts)


class _Builder:
    """Builds the unresolved tree, one object at a time, as pyhocon's parse actions do."""

    def __init__(self, text: str, include: IncludeLoader | None) -> None:
        self.text = text
        self.include = include
        self.root_tree: dict[str, Any] | None = None

    def _fail(self, offset: int, reason: str) -> HoconSemanticError:
        line, column = line_and_column(self.text, offset)
        return HoconSemanticError(f"line {line}, column {column}: {reason}")

    def value(self, node: ValueNode, *, detached: bool = False) -> Any:
        parts: list[Any] = []
        for part in node.parts:
            item = part.node
            if isinstance(item, ObjectNode):
                parts.append(self.object(item, detached=detached))
            elif isinstance(item, ListNode):
                parts.append(self.list(item))
            else:
                parts.append(self._token(item, part.ws_after))
        if not parts:
            return ""
        if isinstance(parts[-1], _Unquoted):
            parts[-1] = _Unquoted(parts[-1].rstrip(" \t"))
        if any(isinstance(p, Substitution) for p in parts):
            return Unresolved(parts, offset=node.start)
        result = _transform(parts, node.start, self.text)
        return "" if result is _ABSENT else result

    def _token(self, token: Token, ws: str) -> Any:
        kind = token.kind
        text = token.text
        if kind is Kind.UNQUOTED:
            return _Unquoted(unescape(text + ws))
        if kind is Kind.QUOTED:
            return QuotedPart(unescape(text[1:-1]), ws)
        if kind is Kind.NUMBER:
            return _number(text)
        if kind is Kind.TRUE:
            return True
        if kind is Kind.FALSE:
            return False
        if kind is Kind.NULL:
            return NULL
        if kind is Kind.TRIPLE:
            return text[3:-3]
        if kind is Kind.PERIOD:
            m = PERIOD.fullmatch(text)
            assert m is not None
            return Period(int(m.group(1)), _UNIT_NAMES[m.group(3)], text)
        if kind is Kind.SUBSTITUTION:
            inner = text[2:-1]
            optional = inner.startswith("?") and len(inner) > 1
            variable = inner[1:] if optional else inner
            return Substitution(variable, key_segments(variable), optional, ws, token.start)
        raise self._fail(token.start, "an include cannot be used as a value (pyhocon would store garbage)")

    def list(self, node: ListNode) -> list[Any]:
        items = []
        for element in node.elements:
            value = self.value(element, detached=True)
            if isinstance(value, str) and value == "":  # pyhocon's ListParser drops empty strings
                continue
            items.append(value)
        return items

    def object(self, node: ObjectNode, *, detached: bool = False, root: bool = False) -> dict[str, Any]:
        """``detached``: the object is a value part (`k: {...}`, or in a list), which pyhocon copies around.
        ``root``: the document's own object, whose keys pyhocon merges by copying (see _merge_copying)."""
        tree: dict[str, Any] = {}
        if root:
            self.root_tree = tree
        for entry in node.entries:
            if isinstance(entry, Field):
                value = self.value(entry.value, detached=entry.separator is not None)
                if detached and type(value) is list and len(entry.key.segments) == 1:  # not `a.b: [...]`
                    value = _DetachedList(value)
                self._assign(tree, entry.key.segments, self._field_op(entry), value, entry)
            else:
                loaded = self.include(entry) if self.include else None
                for key, value in (loaded or {}).items():
                    self._assign(tree, (key,), "=", value, None)
        return tree

    @staticmethod
    def _field_op(field: Field) -> str:
        return "+=" if field.appends else "="

    def _assign(self, tree: dict[str, Any], path: tuple[str, ...], op: str, value: Any, field: Field | None) -> None:
        """pyhocon's ``ConfigTreeParser.postParse`` for one `key op value`."""
        offset = field.start if field else 0
        if op == "+=" and isinstance(value, (list, str)):
            self_ref = Substitution(".".join(path), path, True, "", offset)
            parts: list[Any] = [self_ref, value if isinstance(value, list) else " " + value]
            self._put(tree, path, Unresolved(parts, offset=offset), False, offset)
            return
        if isinstance(value, list):
            self._put(tree, path, value, False, offset)
            return
        existing = _plain_get(tree, path)
        if len(path) > 1:
            nested: dict[str, Any] = {}
            self._put(nested, path[1:], value, False, offset)
            value = nested
        head = path[:1]
        if isinstance(value, dict) and not isinstance(existing, list):
            self._put(tree, head, value, True, offset)
        elif isinstance(value, Unresolved):
            self._put(tree, head, value, isinstance(existing, (list, dict)), offset)
        else:
            self._put(tree, head, value, False, offset)

    def _put(self, tree: dict[str, Any], path: tuple[str, ...], value: Any, append: bool, offset: int) -> None:
        """pyhocon's ``ConfigTree._put``."""
        key = path[0]
        if len(path) > 1:
            child = tree.get(key)
            if not isinstance(child, dict):
                child = {}
                tree[key] = child
            self._put(child, path[1:], value, append, offset)
            return
        existing = tree.get(key, _ABSENT)
        if isinstance(existing, dict) and isinstance(value, dict):
            merged = _merge_copying if tree is self.root_tree else _merge
            tree[key] = merged(dict(existing), value)
        elif append:
            previous = None if existing is _ABSENT or existing is NULL else existing
            if isinstance(previous, Unresolved):
                previous.parts.append(value)
                if isinstance(previous.parts[-1], _Unquoted):
                    previous.parts[-1] = _Unquoted(previous.parts[-1].rstrip(" \t"))
            elif isinstance(previous, dict) and isinstance(value, Unresolved):
                value.previous = previous
                value.parts.insert(0, previous)
                tree[key] = value
            elif isinstance(previous, list) and isinstance(value, Unresolved):
                value.previous = previous
                tree[key] = value
            elif isinstance(previous, list) and isinstance(value, list):
                tree[key] = previous + value
            elif previous is None:
                tree[key] = value
            else:
                raise self._fail(
                    offset, f"cannot merge {_type_name(value)} into the value {key!r} already has ({previous!r})"
                )
        else:
            if isinstance(value, Unresolved):
                value.previous = None if existing is _ABSENT or existing is NULL else existing
            tree[key] = value


def _plain_get(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    """pyhocon's ``ConfigTree.get(key, None)``: None when missing, null, or below a non-object."""
    node: Any = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return None if node is NULL else node


class _Resolver:
    def __init__(self, root: dict[str, Any], env: Mapping[str, str], text: str) -> None:
        self.root = root
        self.env = env
        self.text = text
        self.busy: set[int] = set()

    def _fail(self, offset: int, reason: str) -> HoconSemanticError:
        line, column = line_and_column(self.text, offset)
        return HoconSemanticError(f"line {line}, column {column}: {reason}")

    def walk(self, node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(value, Unresolved):
                    value = self.resolve(value, (*path, key))
                    if value is _ABSENT:
                        del node[key]
                        continue
                    node[key] = value
                self.walk(value, (*path, key))
        elif isinstance(node, list):
            pending = [(index, value) for index, value in enumerate(node) if isinstance(value, Unresolved)]
            attached = not isinstance(node, _DetachedList)
            for index, value in pending:
                resolved = self.resolve(value, path)
                # pyhocon writes a resolved element back with `parent[key] = result`, or deletes an empty one
                # with `if key in parent: del parent[key]`, where key is the element's *original* index (so
                # `in` compares that index with the values). A list held by an object that is itself a value
                # part (`k: {...}`, or in a list) is a copy pyparsing made, and neither touches it.
                if attached and resolved is _ABSENT and index in node:
                    del node[index]
                elif attached and resolved is not _ABSENT:
                    if index >= len(node):
                        raise self._fail(value.offset, "pyhocon fails on this list (an element was removed before it)")
                    node[index] = resolved
                for position, item in enumerate(node):
                    if item is value:
                        node[position] = None if resolved is _ABSENT else resolved
            for item in node:
                self.walk(item, path)

    def resolve(self, value: Unresolved, path: tuple[str, ...]) -> Any:
        if id(value) in self.busy:
            raise self._fail(value.offset, "the substitutions here refer to each other in a cycle")
        self.busy.add(id(value))
        try:
            parts: list[Any] = []
            last = len(value.parts) - 1
            optional_missing = False
            for index, part in enumerate(value.parts):
                if isinstance(part, Substitution):
                    found = self._substitute(part, value, path)
                    optional_missing = optional_missing or found is _ABSENT
                    if found is _ABSENT or found is NULL:
                        parts.append(None)
                    elif isinstance(found, (dict, list)) or index == last:
                        parts.append(copy.deepcopy(found))
                    else:
                        parts.append(_as_text(found) + part.ws)
                elif isinstance(part, Unresolved):
                    resolved = self.resolve(part, path)
                    parts.append(None if resolved is _ABSENT else resolved)
                else:
                    parts.append(part)
            previous = value.previous
            if isinstance(previous, Unresolved):
                previous = self.resolve(previous, path)
            non_null = [p for p in parts if p is not None]
            if non_null and isinstance(non_null[0], dict) and isinstance(previous, dict):
                parts.insert(0, previous)
            result = _transform(parts, value.offset, self.text, shared=True)
            if result is _ABSENT and value.detached:
                return NULL
            if result is _ABSENT and optional_missing:
                # `a: 1` then `a: ${?UNSET}` leaves a = 1. pyhocon puts the earlier definition back as it was,
                # so an earlier `a: ${?UNSET}` comes back as null rather than as nothing.
                if isinstance(value.previous, Unresolved):
                    result = NULL if previous is _ABSENT else copy.deepcopy(previous)
                elif previous is not None and previous is not _ABSENT:
                    result = copy.deepcopy(previous)
            if isinstance(result, (dict, list)):
                self.walk(result, path)
            return result
        finally:
            self.busy.discard(id(value))

    def _substitute(self, sub: Substitution, owner: Unresolved, path: tuple[str, ...]) -> Any:
        if sub.path == path:  # self-reference: `a: ${a} x`, `a += [1]`
            found = owner.previous
            if isinstance(found, Unresolved):
                found = self.resolve(found, path)
            if found is None or found is _ABSENT:
                found = self.env.get(sub.variable, _ABSENT)
        else:
            found = self._lookup(sub.path)
            if found is _ABSENT:
                found = self.env.get(sub.variable, _ABSENT)
        if found is _ABSENT and not sub.optional:
            raise self._fail(
                sub.offset,
                f"cannot resolve ${{{sub.variable}}}: no such key in this file and no such environment variable",
            )
        return found

    def _lookup(self, path: tuple[str, ...]) -> Any:
        node: Any = self.root
        walked: tuple[str, ...] = ()
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return _ABSENT
            child = node[key]
            walked = (*walked, key)
            if isinstance(child, Unresolved):
                child = self.resolve(child, walked)
                if child is _ABSENT:
                    del node[key]
                    return _ABSENT
                node[key] = child
            node = child
        self.walk(node, walked)
        return node


def _plain(value: Any) -> Any:
    if value is NULL:
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _Unquoted):
        return str(value)
    if isinstance(value, QuotedPart):
        return value.value
    return value


def evaluate(
    tree: Tree,
    *,
    resolve: bool = True,
    env: Mapping[str, str] | None = None,
    include: IncludeLoader | None = None,
) -> Any:
    """The document's value as plain Python data (dict, or list for a list root).

    With ``resolve=False`` values that hold substitutions stay as :class:`Unresolved`; that form depends on
    nothing outside the text, which is what edits compare.
    """
    if "\t" in tree.text:
        # pyparsing expands tabs (8-column stops) in the whole input before parsing: a tab inside a string
        # reaches the server as spaces. Read what the server reads.
        tree = parse_tree(tree.text.expandtabs())
    with gc_paused():
        builder = _Builder(tree.text, include)
        root: Any = (
            builder.object(tree.root, root=True) if isinstance(tree.root, ObjectNode) else builder.list(tree.root)
        )
        if resolve:
            scope = root if isinstance(root, dict) else {}
            _Resolver(scope, os.environ if env is None else env, tree.text).walk(root, ())
        return _plain(root)
