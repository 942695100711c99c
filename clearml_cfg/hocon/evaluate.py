"""What a parsed document means: the tree pyhocon builds, computed from our syntax tree.

The server reads its files with pyhocon, whose reading differs from the HOCON spec in many ways that follow from
how it works rather than from any rule: `a: true x` is the string "True x", `["", "b"]` is ["b"], `a: 5` then
`a.b: 1` is an error, `a: [1]`, `a += [2]`, `a: [3]` is [1, 2], a substitution that meets an unresolved
object half-way fails or not depending on the order of the lines. So we do not interpret the text ourselves:
we build the objects pyhocon's parse actions build (``ConfigTreeParser.postParse``, ``ConfigTree._put`` and
``merge_configs``, ``ConfigValues``), and resolve substitutions with its algorithm
(``ConfigParser.resolve_substitutions``: ``_fixup_self_references``, the substitution loop, ``_final_fixup``),
step by step. Plain dicts stand for ConfigTree, lists for ConfigList, :class:`Unresolved` for ConfigValues and
:class:`Substitution` for ConfigSubstitution; identity matters where it matters to pyhocon (which container a
computed value is written into), and so does each place where pyhocon copies a list or reads null as None.

Where pyhocon raises, we raise a :class:`HoconSemanticError` with a line and column. Where pyhocon would hand the
server garbage (`a: null x` is the repr of an object followed by " x"; a value it leaves unresolved without
saying so), we raise too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from .deep import with_room
from .errors import HoconRunaway, HoconSemanticError, line_and_column
from .parser import (
    PERIOD,
    PERIOD_UNITS,
    PYHOCON_FRAMES,
    gc_paused,
    include_of,
    key_segments,
    parse_tree,
    unescape,
)
from .syntax import Field, Include, Kind, ListNode, ObjectNode, Token, Tree, ValueNode
from .values import Period, QuotedPart, Substitution, Unresolved

#: Called for an `include` statement; returns the included tree, or None when the target is missing.
IncludeLoader = Callable[[Include], "dict[str, Any] | None"]


class _Null:
    """pyhocon's NoneValue: `null` in the tree. Read through ``ConfigTree.get`` it is None."""

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
    """pyhocon's ConfigUnquotedString: only the last part of a value loses its trailing blanks."""

    __slots__ = ()


_MISSING = object()  # ConfigTree's UndefinedKey
_ROUNDS_PER_SUBSTITUTION = 4  # a chain of n substitutions takes n rounds of pyhocon's loop; far more is a runaway
# Substituting copies the value in. A value that refers to itself through its neighbours is copied into itself
# again and again, and pyhocon's reading of it grows exponentially: minutes and gigabytes before it fails, or
# never ends. A real config copies a small multiple of its own size; past this many copied values (plus a few
# per token of the file) the reading is reported as the server's runaway it is.
_COPY_BUDGET = 500_000
_COPIES_PER_TOKEN = 10
# A key extended on n lines (`a += [1]`, n times) copies its list once per line: n²/2 values, pyhocon's own cost
# (1,200 lines: 720,000 copies, 6 s in pyhocon). The budget grows with the square of the file's tokens (about six
# per such line) to let that through; a value copied into itself doubles each time and still meets it early.
_TOKENS_SQUARED_PER_COPY = 50
# One substitution copies at most what the file writes, a few times over; a value that doubles at each line is
# past that after a dozen lines, long before the budget above is spent (seconds at 4 microseconds a copy).
_SINGLE_COPY = 20_000
_SINGLE_COPY_PER_TOKEN = 2
# Substituting also joins strings: `a1: ${a0}${a0}`, `a2: ${a1}${a1}`... doubles a string at each line, 4 GB by
# the 32nd. Past this many characters made by substitutions (plus a few per character of the file), the same.
_TEXT_BUDGET = 16 * 1024 * 1024
_TEXT_PER_CHARACTER = 4
_UNIT_NAMES = {unit: name for name, units in PERIOD_UNITS.items() for unit in units}


class _Failure(Exception):
    """A failure with its place in the text; the evaluation turns it into a HoconSemanticError (a HoconRunaway
    when ``runaway``: the reading would never end, or take gigabytes)."""

    def __init__(self, offset: int, reason: str, *, runaway: bool = False) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason
        self.runaway = runaway


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
    """pyhocon's ``determine_type``: ConfigTree, list, or anything else (which concatenates as text)."""
    return dict if isinstance(value, dict) else list if isinstance(value, list) else str


def _truthy(value: Any) -> bool:
    """Python truth as pyhocon sees it: a zero duration is a false timedelta/relativedelta there."""
    if isinstance(value, Period):
        return value.amount != 0
    return bool(value)


class _Junk(str):
    """What pyhocon makes of null, an include or an unfinished value inside a text: the repr of an object (with
    its address). Kept as a value, so that a later definition may still replace it, as in pyhocon; an error only
    where it reaches the result (``_plain``)."""

    offset: int
    reason: str

    def __new__(cls, offset: int, reason: str) -> _Junk:
        junk = super().__new__(cls, "<junk>")
        junk.offset = offset
        junk.reason = reason
        return junk

    def __add__(self, other: object) -> _Junk:
        return self

    def __radd__(self, other: object) -> _Junk:
        return self


def _text_of(value: Any, offset: int) -> str:
    """``str(value)``, as pyhocon concatenates a part; junk where that is the repr of an object."""
    if value is NULL:
        return _Junk(offset, "null cannot be part of a concatenated string (pyhocon would write garbage)")
    if isinstance(value, Period):
        return period_text(value)
    if isinstance(value, Unresolved):
        return _Junk(offset, "pyhocon cannot compute this value (it would write the repr of an object)")
    if isinstance(value, _Junk):
        return value  # str() would make plain text of it
    return str(value)


def period_text(period: Period) -> str:
    """``str()`` of what pyhocon makes of a duration (with python-dateutil, as in the server's image): a
    timedelta for milliseconds, else a relativedelta, whose repr is its text."""
    import datetime

    if period.unit == "milliseconds":
        return str(datetime.timedelta(milliseconds=period.amount))
    fields = dict.fromkeys(("years", "months", "days", "leapdays", "hours", "minutes", "seconds", "microseconds"), 0)
    if period.unit == "nanoseconds":
        fields["microseconds"] = int(period.amount / 1000)
    elif period.unit == "weeks":
        fields["days"] = period.amount * 7
    else:
        fields[period.unit] = period.amount
    for small, big, limit in _CARRIES:  # relativedelta._fix
        if abs(fields[small]) > limit:
            sign = 1 if fields[small] > 0 else -1
            div, mod = divmod(fields[small] * sign, limit + 1)
            fields[small], fields[big] = mod * sign, fields[big] + div * sign
    return "relativedelta(" + ", ".join(f"{name}={value:+g}" for name, value in fields.items() if value) + ")"


_CARRIES = (
    ("microseconds", "seconds", 999999),
    ("seconds", "minutes", 59),
    ("minutes", "hours", 59),
    ("hours", "days", 23),
    ("months", "years", 11),
)


# --- ConfigTree, on plain dicts -------------------------------------------------------------------------------


def _read(value: Any) -> Any:
    """What ``tree[key]`` (``ConfigTree.get``) returns for a stored value: null as None, a list as a copy."""
    if value is NULL:
        return None
    if type(value) is list or isinstance(value, list):
        return [None if item is NULL else item for item in value]
    return value


def _get(tree: Any, path: tuple[str, ...], default: Any = _MISSING, offset: int = 0) -> Any:
    """``ConfigTree._get``: raises _Failure when missing (or below a non-object) unless a default is given."""
    if not path:
        raise _Failure(offset, "a substitution needs a key")
    node = tree
    last = len(path) - 1
    for index, key in enumerate(path):
        value = node.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise _Missing(offset, ".".join(path[: index + 1]))
            return default
        if index == last:
            return _read(value)
        if not isinstance(value, dict):
            if default is _MISSING:
                where = ".".join(path[: index + 1])
                raise _Failure(offset, f"{where} is {_describe(value)}, not an object (pyhocon fails on it)")
            return default
        node = value
    return None  # not reached


class _Missing(_Failure):
    """ConfigMissingException: a substitution falls back to the environment."""

    def __init__(self, offset: int, key: str) -> None:
        super().__init__(offset, f"there is no {key}")


def _named(sub: Substitution) -> str:
    return f"'{sub.variable} +='" if sub.appends else repr(sub)


def _describe(value: Any) -> str:
    if isinstance(value, Unresolved):
        return "a value not computed yet"
    if value is NULL or value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "a string" if isinstance(value, str) else f"the value {value!r}"


class _Budget:
    """How many more values substitutions may copy, and how many more characters they may join, before the
    reading counts as a runaway."""

    def __init__(self, copies: int, characters: int, single: int = _SINGLE_COPY) -> None:
        self.left = copies
        self.characters = characters
        self.single = single  # the most one substitution may copy
        self.copying = 0  # what the current one copied so far

    def spend(self, offset: int) -> None:
        self.left -= 1
        self.copying += 1
        if self.left < 0 or self.copying > self.single:
            raise _Failure(
                offset,
                "pyhocon never finishes reading this value: it is copied into itself over and over "
                "(the server would hang or run out of memory)",
                runaway=True,
            )

    def spend_text(self, length: int, offset: int) -> None:
        self.characters -= length
        if self.characters < 0:
            raise _Failure(
                offset,
                f"pyhocon's reading of this value grows without bound: substitutions join more than "
                f"{_TEXT_BUDGET // 1024 // 1024} million characters (a string doubled over and over; the server "
                "would run out of memory)",
                runaway=True,
            )


def _deepcopy(value: Any, budget: _Budget, offset: int) -> Any:
    """``copy.deepcopy`` as it goes through pyhocon's objects: a ConfigTree is copied through ``tree[key]``
    (``__reduce__`` lists its items that way), so each list in it is copied from a fresh copy and null becomes
    None. Which objects end up shared (a value and the parent it is written into) depends on it."""
    memo: dict[int, Any] = {}
    keep: list[Any] = []  # the fresh lists must live as long as the memo that holds their ids
    budget.copying = 0

    def copy_(x: Any) -> Any:
        found = memo.get(id(x), _MISSING)
        if found is not _MISSING:
            return found
        budget.spend(offset)
        if isinstance(x, dict):
            tree: dict[str, Any] = {}
            memo[id(x)] = tree
            keep.append(x)
            for key in list(x):
                tree[key] = copy_(_read(x[key]))
            return tree
        if isinstance(x, list):
            items: list[Any] = []
            memo[id(x)] = items
            keep.append(x)
            items.extend(copy_(item) for item in x)
            return items
        if isinstance(x, (Unresolved, Substitution)):
            twin = object.__new__(type(x))
            memo[id(x)] = twin
            keep.append(x)
            twin.__dict__.update({name: copy_(attribute) for name, attribute in vars(x).items()})
            return twin
        return x  # immutable, or never changed once made

    return copy_(value)


def _tree_copy(tree: dict[str, Any]) -> dict[str, Any]:
    """``ConfigTree.copy()``: values are read with ``tree[key]``, so lists are copied and null becomes None."""
    return {key: _read(value) for key, value in tree.items()}


def _merge(into: dict[str, Any], other: dict[str, Any], copy_trees: bool = False) -> dict[str, Any]:
    """``ConfigTree.merge_configs``: objects merge key by key, anything else is replaced."""
    for key in list(other):
        value = _read(other[key])
        existing = into.get(key, _MISSING)
        if isinstance(existing, dict) and isinstance(value, dict):
            if copy_trees:
                existing = into[key] = _tree_copy(existing)
            _merge(existing, value, copy_trees)
        else:
            if isinstance(value, Unresolved):
                value.parent = into
                value.key = key
                if existing is not _MISSING:
                    value.previous = _read(existing)
            into[key] = value
    return into


# --- ConfigValues -------------------------------------------------------------------------------------------


def _recompute(value: Unresolved) -> None:
    """``ConfigValues.recompute``."""
    parts = value.parts
    for index, part in enumerate(parts):
        if isinstance(part, Substitution):
            part.owner = value
            part.index = index
    if not parts:
        parts.append("")
    if isinstance(parts[-1], _Unquoted):
        parts[-1] = str.rstrip(parts[-1], " \t")


def _substitutions(value: Unresolved) -> list[Substitution]:
    """``ConfigValues.get_substitutions``: its own, after those of the values it overrides."""
    found: list[Substitution] = []
    for node in _chain(value):
        found[:0] = [part for part in node.parts if isinstance(part, Substitution)]
    return found


def _has_substitution(value: Unresolved) -> bool:
    return any(isinstance(part, Substitution) for node in _chain(value) for part in node.parts)


def _chain(value: Unresolved) -> list[Unresolved]:
    """The value and the values it overrides, as far as they are unresolved too."""
    chain = [value]
    seen = {id(value)}
    node = value.previous
    while isinstance(node, Unresolved):
        if id(node) in seen:  # pyhocon would go round for ever
            raise _Failure(
                value.offset,
                "pyhocon never finishes reading this value: it overrides itself (the server would hang at start)",
                runaway=True,
            )
        seen.add(id(node))
        chain.append(node)
        node = node.previous
    return chain


def _transform(value: Unresolved) -> Any:
    """``ConfigValues.transform``: the value itself while it holds substitutions, None for no parts."""
    if _has_substitution(value):
        return value
    parts = [part for part in value.parts if part is not None]
    if not parts:
        return None
    first = _category(parts[0])
    for part in parts[1:]:
        if _category(part) is not first:
            raise _Failure(value.offset, f"cannot concatenate {_type_name(parts[0])} and {_type_name(part)}")
    if first is dict:
        below: list[dict[str, Any]] = []
        node = value.previous
        while _truthy(node):
            if isinstance(node, Unresolved):
                computed = _transform(node)
                if not isinstance(computed, dict):
                    break
                below.append(computed)
                node = node.previous
            elif isinstance(node, dict):
                below.append(node)
                # `hasattr(tree, "overridden_value")` reads the key of that name (ConfigTree.__getattr__)
                if "overridden_value" not in node:
                    break
                node = _read(node["overridden_value"])
            else:
                break
        result: dict[str, Any] = {}
        for tree in reversed(below):
            _merge(result, tree, copy_trees=True)
        for part in parts:
            _merge(result, part, copy_trees=True)
        return result
    if first is list:
        items: list[Any] = []
        for part in parts:
            for item in part:
                if isinstance(item, Unresolved):
                    item.parent = items
                    item.key = len(items)
                items.append(item)
        return items
    if len(parts) == 1:
        return parts[0].value if isinstance(parts[0], QuotedPart) else parts[0]
    texts = [p.value + p.ws if isinstance(p, QuotedPart) else _text_of(p, value.offset) for p in parts[:-1]]
    last = parts[-1]
    texts.append(last.value if isinstance(last, QuotedPart) else _text_of(last, value.offset))
    junk = next((text for text in texts if isinstance(text, _Junk)), None)
    return junk if junk is not None else "".join(texts)


# --- building: pyhocon's parse actions ------------------------------------------------------------------------


class _Builder:
    """Builds the unresolved tree as pyhocon's parse actions do, and keeps its history of the root's keys."""

    def __init__(self, include: IncludeLoader | None) -> None:
        self.include = include
        self.root: dict[str, Any] | None = None
        self.history: dict[str, list[Any]] = {}

    def value(self, node: ValueNode) -> Any:
        """``ConcatenatedValueParser``: the parts of one value, transformed."""
        parts = node.parts
        if len(parts) == 1:  # the common case, without the machinery (same result)
            item = parts[0].node
            if isinstance(item, Token) and item.kind is not Kind.SUBSTITUTION:
                token = self._token(item, parts[0].ws_after)
                if isinstance(token, _Unquoted):
                    return str.rstrip(token, " \t")
                return token.value if isinstance(token, QuotedPart) else token
        tokens: list[Any] = []
        for part in parts:
            item = part.node
            if isinstance(item, ObjectNode):
                tokens.append(self.object(item))
            elif isinstance(item, ListNode):
                tokens.append(self.list(item))
            else:
                tokens.append(self._token(item, part.ws_after))
        value = Unresolved(tokens, offset=node.start)
        _recompute(value)
        return _transform(value)

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
        return _Junk(token.start, "an include cannot be used as a value (pyhocon would store garbage)")

    def list(self, node: ListNode) -> list[Any]:
        """``ListParser``: empty strings are dropped; computed elements know their list and index."""
        items: list[Any] = []
        for element in node.elements:
            single = element.single()
            if isinstance(single, Token) and single.kind is Kind.INCLUDE:
                # pyhocon's list takes in what the include brings: nothing for a file that is not there (or not
                # followed here), the included tree's (key, value) pairs otherwise
                if self.include and self.include(include_of(single)):
                    items.append(_Junk(single.start, "an include inside a list puts pairs in it (pyhocon's garbage)"))
                continue
            value = self.value(element)
            if isinstance(value, str) and value == "":
                continue
            if isinstance(value, Unresolved):
                value.parent = items
                value.key = len(items)
            items.append(value)
        return items

    def object(self, node: ObjectNode, *, root: bool = False) -> dict[str, Any]:
        """``ConfigTreeParser``: the fields of one object, put one after the other."""
        tree: dict[str, Any] = {}
        if root:
            self.root = tree
        for entry in node.entries:
            if isinstance(entry, Field):
                value = self.value(entry.value) if entry.separator is not None else self.object(entry.value.single())  # type: ignore[arg-type]
                self._assign(tree, entry.key.token.text.strip(), entry.key.segments, entry.appends, value, entry)
            else:
                loaded = self.include(entry) if self.include else None
                for key, value in (loaded or {}).items():
                    self._assign(tree, key, (key,), False, _read(value), entry)
        return tree

    def _assign(
        self, tree: dict[str, Any], written: str, path: tuple[str, ...], appends: bool, value: Any, entry: Any
    ) -> None:
        """``ConfigTreeParser.postParse`` for one `key op value`."""
        offset = entry.start
        if appends and isinstance(value, (list, str)):
            # `a += x` is `a: ${?a} x`, and `a += [x]` is `a: ${?a} [x]`
            self_ref = Substitution(written, path, True, "", offset, appends=True)
            computed = Unresolved([self_ref, value if isinstance(value, list) else " " + value], offset=offset)
            _recompute(computed)
            self._put(tree, path, computed, False, offset)
            return
        if isinstance(value, list):
            self._put(tree, path, value, False, offset)
            return
        existing = _get(tree, path, None)
        if len(path) > 1:
            nested: dict[str, Any] = {}
            self._put(nested, path[1:], value, False, offset)
            value = nested
        head = path[:1]
        if isinstance(value, dict) and not isinstance(existing, list):
            self._put(tree, head, value, True, offset)
        elif isinstance(value, Unresolved):
            value.parent = tree
            value.key = head[0]
            self._put(tree, head, value, isinstance(existing, (list, dict)), offset)
        else:
            self._put(tree, head, value, False, offset)

    def _push(self, tree: dict[str, Any], key: str, value: Any) -> None:
        if tree is self.root:
            self.history.setdefault(key, []).append(value)

    def _put(self, tree: dict[str, Any], path: tuple[str, ...], value: Any, append: bool, offset: int) -> None:
        """``ConfigTree._put``."""
        for key in path[:-1]:
            child = tree.get(key)
            if not isinstance(child, dict):
                child = {}
                self._push(tree, key, child)
                tree[key] = child
            tree = child
        key = path[-1]
        existing = tree.get(key, _MISSING)
        if isinstance(existing, dict) and isinstance(value, dict):
            if tree is self.root:
                merged = _merge(_merge({}, existing, copy_trees=True), value, copy_trees=True)
                self._push(tree, key, merged)
                tree[key] = merged
            else:
                _merge(existing, value)
        elif append:
            previous = None if existing is _MISSING else _read(existing)
            if isinstance(previous, Unresolved):
                previous.parts.append(value)
                _recompute(previous)
            elif isinstance(previous, dict) and isinstance(value, Unresolved):
                value.previous = previous
                value.parts.insert(0, previous)
                _recompute(value)
                value.parent, value.key = tree, key
                self._push(tree, key, value)
                tree[key] = value
            elif isinstance(previous, list) and isinstance(value, Unresolved):
                self._push(tree, key, value)
                value.previous = previous
                value.parent, value.key = tree, key
                tree[key] = value
            elif isinstance(previous, list):
                if not isinstance(value, list):
                    raise _Failure(offset, f"cannot merge {_type_name(value)} into the list {key!r} already is")
                tree[key] = previous + value
                self._push(tree, key, previous)
            elif previous is None:
                self._push(tree, key, value)
                tree[key] = value
            else:
                raise _Failure(
                    offset, f"cannot merge {_type_name(value)} into the value {key!r} already has ({previous!r})"
                )
        else:
            if isinstance(value, Unresolved):
                value.parent, value.key = tree, key
                value.previous = None if existing is _MISSING else _read(existing)
            self._push(tree, key, value)
            tree[key] = value


# --- resolving: ConfigParser.resolve_substitutions -----------------------------------------------------------


class _Pending:
    """The list of substitutions still to resolve, with the look-ups pyhocon makes of it kept cheap.

    pyhocon compares substitutions (and the values they belong to) by identity, so these do too.
    """

    def __init__(self, items: list[Substitution]) -> None:
        self.items: list[Substitution] = []
        self.count: dict[int, int] = {}  # id(substitution) -> occurrences in the list
        self.owners: dict[int, int] = {}  # id(value) -> substitutions in the list that belong to it
        self.overriders: dict[int, Substitution] = {}  # those whose value overrides a value being computed
        self.added = 0
        self.extend(items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, sub: Substitution) -> bool:
        return self.count.get(id(sub), 0) > 0

    def extend(self, subs: list[Substitution]) -> None:
        self.added += len(subs)
        for sub in subs:
            self.items.append(sub)
            self.count[id(sub)] = self.count.get(id(sub), 0) + 1
            self.owners[id(sub.owner)] = self.owners.get(id(sub.owner), 0) + 1
            if sub.owner is not None and isinstance(sub.owner.previous, Unresolved):
                self.overriders[id(sub)] = sub

    def remove(self, sub: Substitution) -> None:
        for index, item in enumerate(self.items):
            if item is sub:
                del self.items[index]
                break
        self.count[id(sub)] -= 1
        self.owners[id(sub.owner)] -= 1
        if not self.count[id(sub)]:
            self.overriders.pop(id(sub), None)

    def owned(self, value: Any) -> bool:
        """``value in [s.parent for s in substitutions]``."""
        return isinstance(value, Unresolved) and self.owners.get(id(value), 0) > 0

    def overriding(self, owner: Unresolved) -> list[Substitution]:
        """``[s for s in substitutions if s.parent.overridden_value == owner]``."""
        return [
            s
            for s in self.overriders.values()
            if s.owner is not None and s.owner.previous is owner
            for _ in range(self.count[id(s)])
        ]

    def ids(self) -> set[int]:
        return {id(s) for s in self.items}


def _find_substitutions(item: Any) -> list[Substitution]:
    """``ConfigParser._find_substitutions``: in the order of the tree."""
    if isinstance(item, Unresolved):
        return _substitutions(item)
    found: list[Substitution] = []
    if isinstance(item, dict):
        for child in item.values():
            found += _find_substitutions(child)
    elif isinstance(item, list):
        for child in item:
            found += _find_substitutions(child)
    return found


def _final_fixup(item: Any) -> Any:
    """``ConfigParser._final_fixup``: what is still unresolved is transformed where it stands."""
    if isinstance(item, Unresolved):
        return _transform(item)
    if isinstance(item, list):
        return [_final_fixup(child) for child in item]
    if isinstance(item, dict):
        for key, child in [(k, _read(v)) for k, v in item.items()]:
            item[key] = _final_fixup(child)
    return item


class _Resolver:
    def __init__(
        self, root: Any, history: dict[str, list[Any]], env: Mapping[str, str], tokens: int, length: int = 0
    ) -> None:
        self.root = root
        self.budget = _Budget(
            _COPY_BUDGET + _COPIES_PER_TOKEN * tokens + tokens * tokens // _TOKENS_SQUARED_PER_COPY,
            _TEXT_BUDGET + _TEXT_PER_CHARACTER * length,
            max(_SINGLE_COPY, _SINGLE_COPY_PER_TOKEN * tokens),
        )
        self.history = history
        self.env = env
        self.root_changed: Substitution | None = None  # a substitution that added or removed a key of the root
        self.current: Substitution | None = None  # the one being resolved, to say where pyhocon fails

    def resolve(self) -> None:
        """``ConfigParser.resolve_substitutions``."""
        self._fixup_self_references()
        pending = _Pending(_find_substitutions(self.root))
        if pending:
            any_unresolved = True
            seen: set[int] = set()
            cache: dict[int, list[Substitution]] = {}
            rounds = 0
            while any_unresolved and pending and pending.ids() != seen:
                rounds += 1
                if rounds > _ROUNDS_PER_SUBSTITUTION * (pending.added + 50):
                    raise _Failure(
                        pending.items[0].offset, "pyhocon never finishes resolving these substitutions", runaway=True
                    )
                any_unresolved = False
                snapshot = list(pending.items)
                seen = {id(s) for s in snapshot}
                unresolved = False
                for sub in snapshot:
                    self.current = sub
                    unresolved = False
                    owner = sub.owner
                    assert owner is not None
                    overridden = owner.previous
                    if isinstance(overridden, Unresolved):
                        overridden = _transform(overridden)
                    if pending.owned(overridden):
                        continue  # what it overrides is still being computed: next round
                    found, value = self._resolve_variable(sub)
                    if isinstance(value, Unresolved):
                        value = _transform(value)
                        substitute = value
                        if _truthy(overridden) and not isinstance(overridden, Unresolved):
                            substitute = overridden
                        unresolved, _, _ = self._do_substitute(sub, substitute, found)
                        any_unresolved = unresolved or any_unresolved
                        if not unresolved and sub in pending:
                            pending.remove(sub)
                        continue
                    cached: list[Substitution] | None = []
                    if isinstance(overridden, Unresolved):
                        cached = cache.get(id(sub))
                        if cached is None:
                            continue
                    assert cached is not None
                    cached.append(sub)
                    overrides = pending.overriding(owner)
                    if overrides:
                        for other in overrides:
                            cache.setdefault(id(other), []).extend(cached)
                        pending.remove(sub)
                        continue
                    for waiting in cached:
                        found, value = self._resolve_variable(waiting)
                        if not found and waiting.optional:
                            value = None
                        unresolved, new, _ = self._do_substitute(waiting, value, found)
                        if waiting in pending:
                            pending.remove(waiting)
                        pending.extend(new)
                    any_unresolved = unresolved or any_unresolved
                    if not cached:
                        any_unresolved = True
            _final_fixup(self.root)
            if any_unresolved:
                first = pending.items[0] if pending.items else None
                names = ", ".join(_named(s) for s in pending.items[:3])
                raise _Failure(
                    first.offset if first else 0,
                    f"cannot resolve {names}: pyhocon reports a cycle (substitutions that wait for each other)",
                )
        _final_fixup(self.root)

    def _resolve_variable(self, sub: Substitution) -> tuple[bool, Any]:
        """``ConfigParser._resolve_variable``: (found, value); the environment when the file has no such key."""
        if not isinstance(self.root, dict):
            raise _Failure(sub.offset, f"cannot resolve {_named(sub)}: pyhocon fails on substitutions in a list file")
        try:
            return True, _get(self.root, sub.path, offset=sub.offset)
        except _Missing:
            pass
        except _Failure as e:
            raise _Failure(sub.offset, f"cannot resolve {_named(sub)}: {e.reason}", runaway=e.runaway) from None
        value = self.env.get(sub.variable)
        if value is None:
            if sub.optional:
                return False, None
            raise _Failure(
                sub.offset,
                f"cannot resolve ${{{sub.variable}}}: no such key in this file and no such environment variable",
            )
        return True, value

    def _do_substitute(self, sub: Substitution, value: Any, found: bool = True) -> tuple[bool, list[Substitution], Any]:
        """``ConfigParser._do_substitute``: put the value in place of the substitution; write the result where
        the value it belongs to lives (or remove that key when nothing is left)."""
        if isinstance(value, Unresolved):
            return True, [], value
        owner = sub.owner
        assert owner is not None
        if value is None or isinstance(value, (dict, list)) or sub.index == len(owner.parts) - 1:
            formatted = value
        else:
            formatted = _text_of(value, sub.offset) + sub.ws
        owner.parts[sub.index] = _deepcopy(formatted, self.budget, sub.offset)
        transformed = _transform(owner)
        if isinstance(transformed, str):
            self.budget.spend_text(len(transformed), sub.offset)
        result = owner.previous if transformed is None and not found else transformed
        parent, key = owner.parent, owner.key
        if parent is None:
            raise _Failure(owner.offset, "pyhocon cannot compute this value (it lost track of where it belongs)")
        new: list[Substitution] = []
        unresolved = False
        if result is None:
            if key in parent:
                if isinstance(parent, list) and not -len(parent) <= key < len(parent):
                    raise _Failure(owner.offset, "pyhocon fails on this list (an element was removed before it)")
                del parent[key]
                if parent is self.root:
                    self.root_changed = sub
        else:
            if isinstance(parent, list):
                if not isinstance(key, int) or not -len(parent) <= key < len(parent):
                    raise _Failure(owner.offset, "pyhocon fails on this list (an element was removed before it)")
            elif parent is self.root and key not in parent:
                self.root_changed = sub
            parent[key] = result
            new = _find_substitutions(result)
            unresolved = bool(new)
        return unresolved, new, result

    @staticmethod
    def _path(sub: Substitution) -> tuple[str, ...]:
        if not sub.path:
            raise _Failure(sub.offset, f"{_named(sub)} names no key (pyhocon fails on it)")
        return sub.path

    def _fixup_self_references(self) -> None:
        """``ConfigParser._fixup_self_references``: a substitution of a root key inside that key's own later
        definitions takes the value of the definition before (whatever it refers to below that key); in a key
        defined once, the environment variable named like the key, or nothing if it is optional."""
        root = self.root
        if not isinstance(root, dict):
            return
        keys = list(root)
        for position, key in enumerate(keys):
            history = self.history.get(key, [root[key]])
            previous_item = history[0]
            for current_item in history[1:]:
                for sub in _find_substitutions(current_item):
                    self.current = sub
                    path = self._path(sub)
                    if len(path) > 1 and _get(root, path, None) is not None:
                        continue  # set in the final tree: resolved later
                    if path[0] != key:
                        continue
                    if isinstance(previous_item, Unresolved):
                        raise _Failure(
                            sub.offset,
                            f"cannot resolve {_named(sub)}: the {key} defined before is not computed yet "
                            "(pyhocon reports a cycle)",
                        )
                    if len(path) == 1:
                        value = previous_item
                    elif isinstance(previous_item, dict):
                        try:
                            value = _get(previous_item, path[1:], offset=sub.offset)
                        except _Failure as e:
                            raise _Failure(
                                sub.offset,
                                f"cannot resolve {_named(sub)}: in the {key} defined before, {e.reason}",
                                runaway=e.runaway,
                            ) from None
                    else:
                        raise _Failure(
                            sub.offset,
                            f"cannot resolve {_named(sub)}: the {key} defined before is {_describe(previous_item)}, "
                            "not an object (pyhocon fails on it)",
                        )
                    _, _, current_item = self._do_substitute(sub, value)
                previous_item = current_item
            if len(history) == 1:
                for sub in _find_substitutions(previous_item):
                    self.current = sub
                    path = self._path(sub)
                    if len(path) > 1 and _get(root, path, None) is not None:
                        continue
                    if path[0] != key:
                        continue
                    from_env = self.env.get(key)
                    if from_env is not None:
                        self._do_substitute(sub, from_env)
                    elif sub.optional:
                        self._do_substitute(sub, None)
            changed, self.root_changed = self.root_changed, None
            if changed is not None and position < len(keys) - 1:
                raise _Failure(
                    changed.offset,
                    f"pyhocon fails on this file: {_named(changed)} takes {key} away while pyhocon goes through the "
                    "keys of the file (RuntimeError: OrderedDict mutated during iteration)",
                )


# --- the result -----------------------------------------------------------------------------------------------


def _plain(value: Any, resolved: bool) -> Any:
    """Plain data. Unresolved values are errors once resolved, else copies that point nowhere (``_snapshot``)."""
    if value is NULL or value is None:
        return None
    if isinstance(value, dict):
        return {k: _plain(v, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, resolved) for v in value]
    if isinstance(value, Unresolved):
        if resolved:
            raise _Failure(value.offset, "pyhocon leaves this value unresolved without saying so")
        return _snapshot(value)
    if isinstance(value, _Junk):
        raise _Failure(value.offset, value.reason)
    if isinstance(value, _Unquoted):
        return str(value)
    if isinstance(value, QuotedPart):
        return value.value
    return value


def _snapshot(value: Any) -> Any:
    """A copy of an unresolved value, without the links into our working tree (parent, owner): the working
    tree is resolved afterwards, which rewrites the originals."""
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    if isinstance(value, Substitution):
        return Substitution(value.variable, value.path, value.optional, value.ws, value.offset, appends=value.appends)
    if not isinstance(value, Unresolved):
        return value
    chain = [value]  # a key extended on many lines is a long chain of previous values: no recursion along it
    while isinstance(chain[-1].previous, Unresolved):
        chain.append(chain[-1].previous)
    copied = _snapshot(chain[-1].previous)
    for item in reversed(chain):
        copied = Unresolved([_snapshot(p) for p in item.parts], copied, item.offset)
    return copied


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
    tree = _as_read(tree)
    unresolved, resolved, _ = with_room(tree.depth + tree.links, lambda: _evaluate(tree, resolve, env, include))
    return resolved if resolve else unresolved


def evaluate_entries(text: str, entries: list[Field | Include], depth: int, *, root: bool) -> dict[str, Any]:
    """What the entries of one object of ``text`` give, unresolved, when no other entry of that object shares
    their first key: a part of ``evaluate(resolve=False)``, for a text without tabs, substitutions or includes
    (``root``: the object is the document's own; ``depth``: how deep the entries nest)."""
    node = ObjectNode(0, len(text), braced=False, depth=0)
    node.entries = entries

    def read() -> dict[str, Any]:
        with gc_paused():
            try:
                return _plain(_Builder(None).object(node, root=root), False)  # type: ignore[no-any-return]
            except _Failure as failure:
                raise _located(text, failure.offset, failure.reason) from None

    return with_room(depth, read)


def evaluate_checked(tree: Tree, env: Mapping[str, str]) -> tuple[Any, Any, HoconSemanticError | None]:
    """``evaluate(resolve=False)``, and ``evaluate(env=env)`` or the error it raises (then None).

    One reading serves both: an edit compares the first and checks the second.
    """
    tree = _as_read(tree)
    return with_room(tree.depth + tree.links, lambda: _evaluate(tree, None, env, None))


def _as_read(tree: Tree) -> Tree:
    if "\t" in tree.text:
        # pyparsing expands tabs (8-column stops) in the whole input before parsing: a tab inside a string
        # reaches the server as spaces. Read what the server reads.
        return parse_tree(tree.text.expandtabs())
    return tree


def _evaluate(
    tree: Tree, resolve: bool | None, env: Mapping[str, str] | None, include: IncludeLoader | None
) -> tuple[Any, Any, HoconSemanticError | None]:
    """Read ``tree``; ``resolve=None`` reads it both ways (the unresolved tree, and the error of resolving)."""
    text = tree.text
    frames, deepest = tree.frames
    if frames > PYHOCON_FRAMES:
        reason = "pyhocon fails on objects and lists nested this deep (RecursionError): the server cannot load the file"
        raise _located(text, deepest, reason)
    with gc_paused():
        try:
            builder = _Builder(include)
            root: Any = (
                builder.object(tree.root, root=True) if isinstance(tree.root, ObjectNode) else builder.list(tree.root)
            )
            unresolved = _plain(root, False) if not resolve else None
        except _Failure as failure:
            raise _located(text, failure.offset, failure.reason, failure.runaway) from None
        if resolve is False:
            return unresolved, None, None
        resolver = _Resolver(root, builder.history, os.environ if env is None else env, len(tree.kinds), len(text))
        try:
            resolver.resolve()
            resolved = _plain(resolver.root, True)
        except _Failure as failure:
            error = _located(text, failure.offset, failure.reason, failure.runaway)
        except RecursionError:
            # Documents are nested at most MAX_KEY_DEPTH levels and read with room for that (see deep.py):
            # this is a value that contains itself, which pyhocon nests deeper and deeper until Python stops it.
            current = resolver.current
            error = _located(
                text,
                current.offset if current is not None else 0,
                "pyhocon fails here (RecursionError): the value contains itself",
            )
        else:
            return unresolved, resolved, None
        if resolve:
            raise error
        return unresolved, None, error


def _located(text: str, offset: int, reason: str, runaway: bool = False) -> HoconSemanticError:
    line, column = line_and_column(text, offset)
    kind = HoconRunaway if runaway else HoconSemanticError
    return kind(f"line {line}, column {column}: {reason}", offset, reason, line=line, column=column)
