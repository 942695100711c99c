"""Secrets out of configuration text that a person reads: diffs, exported files, parse-error excerpts.

The parser decides what a value is, so every way of writing one is covered: quoted, triple-quoted over several
lines, unquoted words, concatenations, a value on the line after its key. Each value whose full key path is secret
(``schema.is_secret``, with the file's key prefix: ``secure.conf`` holds ``secure.*``) is replaced by ``********``,
keeping its quotes as written (a quoted, triple-quoted or bare ``********``), so that a fix that only quotes a password
still shows; the rest of the text stays byte for byte. Passwords inside URLs and secret assignments in comments
are masked too. Text that does not parse (or is not HOCON) is masked line by line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from ..hocon import HoconSyntaxError, KeyPath
from ..hocon.edit import list_elements
from ..hocon.parser import key_segments, parse_tree
from ..hocon.syntax import Kind, ListNode, ObjectNode, Root, ValueNode
from . import schema
from .schema import MASK

_Span = tuple[int, int, str]  # start, end, what is shown instead

# A secret assignment anywhere on a line, for text the parser cannot read: `password: "x"`,
# `auth.token_secret = x`, `{ user_key: "K", user_secret: "S" }`; the key may be quoted or dotted, and start the
# line or follow a blank, `{`, `,`, `.` or a diff marker.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?:^|(?<=[\s{,.+"-]))"?(?:password|passwd|[a-z_]*secret[a-z_]*|[a-z_]*token|user_key|[a-z_]*access_key|"""
    r"""account_key|key)"?\s*[:=]\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s#,}\]]+)""",
    re.IGNORECASE,
)
# Every name above holds one of these: lines without them need no closer look (a large file has many).
_SECRET_WORD = re.compile(r"pass|secret|token|key", re.IGNORECASE)
# What str.splitlines ends a line at (a diff splits with it): a mask keeps them, so every line stays in place.
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# The key at the start of a line (plain, quoted or dotted) and its separator.
_LINE_KEY = re.compile(r'^[ \t]*(?P<key>(?:"[^"\n]*"|[A-Za-z0-9_\-.])+)[ \t]*(?:\+=|[:=])')


def mask_line(line: str) -> str:
    """``line`` with the value of every secret assignment and every password in a URL replaced by ********."""
    return _apply(line, _line_spans(line))


def mask_text(text: str, prefix: KeyPath | None) -> str:
    """The whole ``text`` of a configuration file with its secrets masked (``prefix``: the file's key prefix;
    None for a file that is not HOCON, which is masked line by line)."""
    spans = _spans(text, prefix)
    return _apply(text, spans)


def diff_lines(text: str, prefix: KeyPath | None) -> tuple[list[str], list[str]]:
    """The masked lines of ``text``, and for each the string a diff compares.

    That string is the masked line plus the original text of the secrets on it (never shown), so a line whose
    only change is a secret still shows as changed.
    """
    spans = _spans(text, prefix)
    pieces: list[str] = []
    placed: list[tuple[int, str]] = []  # where each replacement lands in the masked text, and what it hides
    done = 0
    length = 0
    for start, end, shown in spans:
        pieces.append(text[done:start])
        length += start - done
        placed.append((length, text[start:end]))
        pieces.append(shown)
        length += len(shown)
        done = end
    pieces.append(text[done:])
    lines = "".join(pieces).splitlines(keepends=True)
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    hidden: dict[int, list[str]] = {}
    for where, original in placed:
        hidden.setdefault(bisect.bisect_right(starts, where) - 1, []).append(original)
    shown_lines = [_strip_break(line) for line in lines]
    keys = [
        line if index not in hidden else line + "\0" + "\0".join(hidden[index])
        for index, line in enumerate(shown_lines)
    ]
    return shown_lines, keys


def mask_excerpt(line: str, column: int) -> str:
    """A parse error's source line, masked, with the caret under ``column`` (1-based) of the original line.

    The line did not parse, so the masking is by line; when its key looks secret, all after the separator goes.
    """
    spans = _line_spans(line)
    m = _LINE_KEY.match(line)
    if m is not None:
        segments = key_segments(m.group("key"))
        rest = line[m.end() :]
        value_start = m.end() + len(rest) - len(rest.lstrip(" \t"))
        if any(schema.is_secret(segments[: i + 1]) for i in range(len(segments))) and value_start < len(line):
            spans = _merge([*spans, (value_start, len(line), MASK)], line)
    shown = _apply(line, spans).expandtabs(1)  # a tab shows as one blank, as in the excerpt of the parser
    position = column - 1
    moved = position
    for start, end, replacement in spans:
        if end <= position:
            moved += len(replacement) - (end - start)
        elif start <= position:
            moved += start - position  # inside a masked value: point at its start
    return f"{shown}\n{' ' * max(moved, 0)}^"


# --- spans --------------------------------------------------------------------------------------------------


def _strip_break(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line and line[-1] in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029" else line


def _apply(text: str, spans: list[_Span]) -> str:
    pieces = []
    done = 0
    for start, end, shown in spans:
        pieces.append(text[done:start])
        pieces.append(shown)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _merge(spans: list[_Span], text: str) -> list[_Span]:
    """Sorted, without overlaps: overlapping spans become one (hiding more is always safe)."""
    merged: list[_Span] = []
    for start, end, shown in sorted(spans):
        if merged and start < merged[-1][1]:
            first, last, replacement = merged[-1]
            if end > last:
                last, replacement = end, MASK + "".join(_LINE_BREAK.findall(text, first, end))
            merged[-1] = (first, last, replacement)
        else:
            merged.append((start, end, shown))
    return merged


def _line_spans(text: str, base: int = 0) -> list[_Span]:
    found: list[_Span] = []
    for m in _SECRET_ASSIGNMENT.finditer(text) if _SECRET_WORD.search(text) else ():
        value = m.group("value")
        if value not in ('""', "null"):  # quoted as written: a fix that only quotes a value still shows
            found.append((m.start("value"), m.end("value"), f'"{MASK}"' if value.startswith('"') else MASK))
    found.extend((start, end, MASK) for start, end in schema.url_passwords(text))
    return [(base + start, base + end, shown) for start, end, shown in _merge(found, text)]


def _spans(text: str, prefix: KeyPath | None) -> list[_Span]:
    if prefix is not None:
        try:
            tree = parse_tree(text)
        except HoconSyntaxError:
            pass
        else:
            found = list(_Walk(text, prefix).root(tree.root))
            ends = [*tree.starts[1:], len(text)] if tree.starts else []
            for kind, start, end in zip(tree.kinds, tree.starts, ends, strict=True):
                if kind is Kind.COMMENT:  # a commented-out `password: "..."` is still a password
                    found.extend(_line_spans(text[start:end], start))
            found.extend((start, end, MASK) for start, end in schema.url_passwords(text))
            return _merge(found, text)
    spans: list[_Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        spans.extend(_line_spans(line, offset))
        offset += len(line)
    return spans


class _Walk:
    """The spans of the secret values of a syntax tree, leaves only."""

    def __init__(self, text: str, prefix: KeyPath) -> None:
        self.text = text
        self.prefix = prefix

    def root(self, node: Root) -> Iterator[_Span]:
        prefix = self.prefix
        secret = any(schema.is_secret(prefix[: i + 1]) for i in range(len(prefix)))  # services/password.conf
        if isinstance(node, ObjectNode):
            yield from self.object(node, prefix, secret)
        else:
            yield from self.list(node, prefix, secret)

    def object(self, node: ObjectNode, path: KeyPath, secret: bool) -> Iterator[_Span]:
        for field in node.fields:
            where = path
            inside = secret
            for segment in field.key.segments:  # `password.a: 1` is under password
                where = (*where, segment)
                inside = inside or schema.is_secret(where)
            yield from self.value(field.value, where, inside)

    def list(self, node: ListNode, path: KeyPath, secret: bool) -> Iterator[_Span]:
        for index, element in enumerate(list_elements(node)):
            where = (*path, index)
            yield from self.value(element, where, secret or schema.is_secret(where))

    def value(self, value: ValueNode, path: KeyPath, secret: bool) -> Iterator[_Span]:
        nodes = [part.node for part in value.parts]
        if any(isinstance(n, (ObjectNode, ListNode)) for n in nodes):
            for n in nodes:  # `{ a: 1 } { b: 2 }`, `[1] [2]`: only the leaves inside can be secrets
                if isinstance(n, ObjectNode):
                    yield from self.object(n, path, secret)
                elif isinstance(n, ListNode):
                    yield from self.list(n, path, secret)
                elif secret and n.kind is not Kind.SUBSTITUTION:
                    yield n.start, n.end, MASK
            return
        if not secret or not nodes:
            return
        tokens = [n for n in nodes if not isinstance(n, (ObjectNode, ListNode))]
        if all(t.kind is Kind.SUBSTITUTION for t in tokens):
            return  # `${?PASSWORD}` names where the secret is; it is not the secret
        breaks = "".join(_LINE_BREAK.findall(self.text, value.start, value.end))  # line numbers stay true
        if len(tokens) == 1:
            kind, written = tokens[0].kind, tokens[0].text
            if kind is Kind.NULL or written in ('""', '""""""'):
                return  # no secret at all: worth seeing
            if kind is Kind.QUOTED:
                yield value.start, value.end, f'"{MASK}{breaks}"'
                return
            if kind is Kind.TRIPLE:
                yield value.start, value.end, f'"""{MASK}{breaks}"""'
                return
        yield value.start, value.end, MASK + breaks
