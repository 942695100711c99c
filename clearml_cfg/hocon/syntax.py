"""The concrete syntax tree: every character of the input belongs to exactly one token.

Nodes only point into the token list and the text (offsets); they never copy or normalise text, so the
document can always be rendered back byte for byte. Edits do not mutate nodes: they splice the text and
parse again (see ``edit.py``), which keeps every offset here trustworthy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(eq=False, slots=True)
class Token:
    kind: Kind
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(eq=False, slots=True)
class Key:
    """A field's key as written, plus the path segments pyhocon derives from it."""

    token: Token
    segments: tuple[str, ...]

    @property
    def start(self) -> int:
        return self.token.start

    @property
    def end(self) -> int:
        return self.token.end

    @property
    def quoted(self) -> bool:
        return self.token.text.startswith('"')


@dataclass(eq=False, slots=True)
class Part:
    """One piece of a value concatenation, and the blanks right after it (pyhocon keeps some of them)."""

    node: Token | ObjectNode | ListNode
    ws_after: str = ""

    @property
    def start(self) -> int:
        return self.node.start

    @property
    def end(self) -> int:
        return self.node.end


@dataclass(eq=False, slots=True)
class ValueNode:
    """A value: one or more parts (HOCON concatenates `a ${b} "c"`). Empty when the source has no value."""

    start: int
    end: int
    parts: list[Part] = field(default_factory=list)

    def single(self) -> Token | ObjectNode | ListNode | None:
        return self.parts[0].node if len(self.parts) == 1 else None


@dataclass(eq=False, slots=True)
class Include:
    start: int
    end: int
    target: str
    kind: str  # "file", "url", "package" or "" (bare string)
    required: bool


@dataclass(eq=False, slots=True)
class Field:
    key: Key
    separator: Token | None  # None for `key { ... }`
    value: ValueNode
    parent: ObjectNode

    @property
    def start(self) -> int:
        return self.key.start

    @property
    def end(self) -> int:
        return self.value.end if self.value.parts else (self.separator or self.key).end

    @property
    def appends(self) -> bool:
        return self.separator is not None and self.separator.text == "+="


@dataclass(eq=False, slots=True)
class ObjectNode:
    start: int
    end: int
    braced: bool
    depth: int
    entries: list[Field | Include] = field(default_factory=list)
    # separators and comments directly inside this object (not inside its fields)
    trivia: list[Token] = field(default_factory=list)

    @property
    def fields(self) -> list[Field]:
        return [e for e in self.entries if isinstance(e, Field)]


@dataclass(eq=False, slots=True)
class ListNode:
    start: int
    end: int
    depth: int
    elements: list[ValueNode] = field(default_factory=list)
    trivia: list[Token] = field(default_factory=list)


Root = ObjectNode | ListNode


@dataclass(eq=False, slots=True)
class Tree:
    """The result of parsing: the tokens (which render the text) and the root node."""

    text: str
    tokens: list[Token]
    root: Root
