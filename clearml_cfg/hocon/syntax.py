"""The concrete syntax tree: every character of the input belongs to exactly one token.

The token stream is stored compactly (a kind and a start offset per token); only the tokens the tree refers to
(keys, values, separators, a list's commas) exist as objects. Nodes point into the text by offsets and never
copy or normalise it, so the document always renders back byte for byte. Edits do not mutate nodes: they
splice the text and parse again (see ``edit.py``), which keeps every offset here trustworthy.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum


class Kind(Enum):
    BOM = "bom"
    WS = "whitespace"
    NEWLINE = "newline"
    COMMA = "comma"
    COMMENT = "comment"
    LBRACE = "{"
    RBRACE = "}"
    LBRACKET = "["
    RBRACKET = "]"
    SEPARATOR = "separator"  # ':', '=' or '+='
    KEY = "key"
    QUOTED = "quoted string"
    TRIPLE = "triple-quoted string"
    UNQUOTED = "unquoted string"
    NUMBER = "number"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"
    PERIOD = "period"  # `10 seconds`, `5m`: pyhocon reads these as durations
    SUBSTITUTION = "substitution"
    CONTINUATION = "line continuation"  # a backslash at the end of a line inside a value
    INCLUDE = "include"


# Plain classes with __slots__ rather than dataclasses: a 50,000-line file makes hundreds of thousands of
# nodes, and these load on every command (creating slotted dataclasses costs 2 ms at start-up).


class Token:
    __slots__ = ("kind", "start", "text")

    def __init__(self, kind: Kind, text: str, start: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def __repr__(self) -> str:
        return f"Token({self.kind.name}, {self.text!r}, {self.start})"


class Key:
    """A field's key as written, plus the path segments pyhocon derives from it."""

    __slots__ = ("segments", "token")

    def __init__(self, token: Token, segments: tuple[str, ...]) -> None:
        self.token = token
        self.segments = segments

    @property
    def start(self) -> int:
        return self.token.start

    @property
    def end(self) -> int:
        return self.token.end

    @property
    def quoted(self) -> bool:
        return self.token.text.startswith('"')


class Part:
    """One piece of a value concatenation, and the blanks right after it (pyhocon keeps some of them)."""

    __slots__ = ("node", "ws_after")

    def __init__(self, node: Token | ObjectNode | ListNode, ws_after: str = "") -> None:
        self.node = node
        self.ws_after = ws_after

    @property
    def start(self) -> int:
        return self.node.start

    @property
    def end(self) -> int:
        return self.node.end


class ValueNode:
    """A value: one or more parts (HOCON concatenates `a ${b} "c"`). Empty when the source has no value."""

    __slots__ = ("end", "parts", "start")

    def __init__(self, start: int, end: int, parts: list[Part] | None = None) -> None:
        self.start = start
        self.end = end
        self.parts: list[Part] = parts if parts is not None else []

    def single(self) -> Token | ObjectNode | ListNode | None:
        return self.parts[0].node if len(self.parts) == 1 else None


class Include:
    __slots__ = ("end", "kind", "required", "start", "target")

    def __init__(self, start: int, end: int, target: str, kind: str, required: bool) -> None:
        self.start = start
        self.end = end
        self.target = target
        self.kind = kind  # "file", "url", "package" or "" (bare string)
        self.required = required


class Field:
    """A key and its value. No link back to its object: the tree has no cycles, so a dropped tree is freed at
    once by reference counting (edits run with the cyclic collector paused)."""

    __slots__ = ("key", "separator", "value")

    def __init__(self, key: Key, separator: Token | None, value: ValueNode) -> None:
        self.key = key
        self.separator = separator  # None for `key { ... }`
        self.value = value

    @property
    def start(self) -> int:
        return self.key.start

    @property
    def end(self) -> int:
        return self.value.end if self.value.parts else (self.separator or self.key).end

    @property
    def appends(self) -> bool:
        return self.separator is not None and self.separator.text == "+="


class ObjectNode:
    __slots__ = ("braced", "depth", "end", "entries", "start")

    def __init__(self, start: int, end: int, braced: bool, depth: int) -> None:
        self.start = start
        self.end = end
        self.braced = braced
        self.depth = depth
        self.entries: list[Field | Include] = []

    @property
    def fields(self) -> list[Field]:
        return [e for e in self.entries if isinstance(e, Field)]


class ListNode:
    __slots__ = ("commas", "depth", "elements", "end", "start")

    def __init__(self, start: int, end: int, depth: int) -> None:
        self.start = start
        self.end = end
        self.depth = depth
        self.elements: list[ValueNode] = []
        self.commas: list[Token] = []  # the commas directly between its elements


Root = ObjectNode | ListNode


class Tree:
    """The result of parsing: the token stream (which renders the text) and the root node."""

    __slots__ = ("depth", "frames", "kinds", "links", "root", "starts", "text")

    def __init__(
        self,
        text: str,
        kinds: list[Kind],
        starts: Sequence[int],
        root: Root,
        depth: int = 0,
        links: int = 0,
        frames: tuple[int, int] = (0, 0),
    ) -> None:
        self.text = text
        self.kinds = kinds
        self.starts = starts
        self.root = root
        self.depth = depth  # the longest path to a value (key segments and list levels)
        self.links = links  # substitutions and `+=` fields: how long a chain of values can get
        self.frames = frames  # the most Python frames pyhocon's parser would nest to, and the offset there

    @property
    def tokens(self) -> list[Token]:
        """Every token as an object (built on demand: highlighting, tests)."""
        ends = [*self.starts[1:], len(self.text)] if self.starts else []
        return [Token(k, self.text[s:e], s) for k, s, e in zip(self.kinds, self.starts, ends, strict=True)]

    def render(self) -> str:
        """The text rebuilt from the token stream."""
        text, starts = self.text, self.starts
        ends = [*starts[1:], len(text)] if starts else []
        return "".join([text[s:e] for s, e in zip(starts, ends, strict=True)])
