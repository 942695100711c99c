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
from ..hocon.errors import line_starts, source_line
from ..hocon.parser import key_segments, parse_tree
from ..hocon.syntax import Kind, ListNode, ObjectNode, Root, ValueNode
from . import schema
from .schema import MASK

_Span = tuple[int, int, str]  # start, end, what is shown instead

# A secret assignment anywhere on a line, for text the parser cannot read: `password: "x"`,
# `auth.token_secret = x`, `{ user_key: "K", user_secret: "S" }`; the key may be quoted or dotted, and start the
# line or follow a blank, `{`, `,`, `.` or a diff marker.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?:^|(?<=[\s{,.+"-]))"?(?:password|passwd|pass|pwd|passphrase|[a-z_-]*secret[a-z_-]*|[a-z_-]*token|"""
    r"""[a-z_-]*api[-_]?key|[a-z_-]*access[-_]?key|user_key|account_key|private_key|key|bearer|credentials|"""
    r"""connection_string|http_auth)"?\s*[:=]\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s#,}\]]+)""",
    re.IGNORECASE,
)
# Every name above holds one of these: lines without them need no closer look (a large file has many).
_SECRET_WORD = re.compile(r"pass|pwd|secret|token|key|bearer|credentials|connection_string|http_auth", re.IGNORECASE)
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
    (``mask_source`` also knows the lines before it, and the file's key prefix.)
    """
    return _excerpt(line, _merge([*_line_spans(line), *_line_key_spans(line)], line), column)


def _line_key_spans(line: str) -> list[_Span]:
    """All after the separator, when the line starts with a key that looks secret (`password: "S`): what the
    parser made of the lines before may say otherwise (a string left open above), but hiding more is safe."""
    m = _LINE_KEY.match(line)
    if m is None:
        return []
    rest = line[m.end() :]
    value_start = m.end() + len(rest) - len(rest.lstrip(" \t"))
    if value_start < len(line) and schema.secret_at_or_above(key_segments(m.group("key"))):
        return [(value_start, len(line), MASK)]
    return []


def mask_source(text: str, line: int, column: int, prefix: KeyPath | None) -> str:
    """The excerpt of an error at ``line``:``column`` of ``text`` (a file that may not parse): the line, with
    every secret on it masked, and a caret under the column.

    What is secret on the line depends on what comes before it: the key of an object opened lines above
    (`session_secret {` ... `apiserver: "S`), a key whose value starts on the next line (`password:` then
    `"S`), a triple-quoted string still open. A lenient scan of the text up to the end of the line follows
    keys, objects, lists and strings as the parser would, however the text breaks off."""
    starts = line_starts(text)
    if not 1 <= line <= len(starts):
        return mask_excerpt(text, column)
    start = starts[line - 1]
    shown = source_line(text, start)
    spans = [(a - start, b - start, MASK) for a, b in _Scan(text, prefix or ()).secrets(start, start + len(shown))]
    if not spans:  # the lines above may have misled the scan (a string left open): the line's own key decides
        spans = _line_key_spans(shown)
    return _excerpt(shown, _merge([*spans, *_line_spans(shown)], shown), column)


_EXCERPT_SIDE = 100  # characters shown on each side of the caret, at most


def _excerpt(line: str, spans: list[_Span], column: int) -> str:
    """The line with ``spans`` replaced and control characters escaped, and the caret moved to match."""
    position = column - 1
    pieces: list[str] = []
    length = 0  # of the pieces so far
    caret = None
    done = 0
    for start, end, replacement in [*spans, (len(line), len(line), "")]:
        if done <= position < start:
            caret = length + sum(len(_shown_character(c)) for c in line[done:position])
        shown = "".join(_shown_character(c) for c in line[done:start])
        pieces.append(shown)
        length += len(shown)
        if caret is None and start <= position < end:
            caret = length  # inside a masked value: point at its start
        replacement = replacement.replace("\n", "").replace("\r", "")
        pieces.append(replacement)
        length += len(replacement)
        done = max(done, end)
    shown, caret = "".join(pieces), length if caret is None else caret
    if len(shown) > 2 * _EXCERPT_SIDE:  # a line of megabytes: the part around the caret
        first = max(0, min(caret - _EXCERPT_SIDE, len(shown) - 2 * _EXCERPT_SIDE))
        last = first + 2 * _EXCERPT_SIDE
        head, tail = ("..." if first else ""), ("..." if last < len(shown) else "")
        shown, caret = head + shown[first:last] + tail, caret - first + len(head)
    return f"{shown}\n{' ' * caret}^"


def _shown_character(character: str) -> str:
    """A tab shows as one blank, as in the parser's excerpt; a control character as its escape."""
    if character == "\t":
        return " "
    if character < " " or "\x7f" <= character <= "\x9f" or character in _INVISIBLE:
        return f"\\u{ord(character):04x}"
    return character


# the marks that reorder text on screen ("Trojan Source"): shown escaped, like control characters
_INVISIBLE = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TOKEN = re.compile(
    r'"""|"|\{|\}|\[|\]|,|\r\n|[\n\r]|#|//|\+=|[:=]|[ \t\f\v]+|\$\{[^}\n]*\}?|[^\s"{}\[\],:=#+$/]+|[+$/]'
)


# the rest of a quoted string, closed or not; whether what follows a word makes it a key
_CLOSING_QUOTE = re.compile(r'[^"\\\r\n]*+(?:\\.[^"\\\r\n]*+)*+"?')
_KEY_FOLLOWS = re.compile(r"[ \t]*(?:[:={]|\+=)")


class _Scan:
    """A lenient walk through HOCON text that knows, at every value, whether its key path is secret."""

    def __init__(self, text: str, prefix: KeyPath) -> None:
        self.text = text
        self.prefix = prefix

    def secrets(self, begin: int, end: int) -> list[tuple[int, int]]:
        """The spans of secret values between ``begin`` and ``end`` (the offsets of one line)."""
        text = self.text
        secret_prefix = schema.secret_at_or_above(self.prefix)
        # each open object or list: its key path, whether it is secret, and whether it is a list
        stack: list[tuple[KeyPath, bool, bool]] = [(self.prefix, secret_prefix, False)]
        key: list[str] = []  # the key being read
        value: bool | None = None  # after a separator: whether the value is secret (None: reading a key)
        started = False  # the value has begun (a line break then ends it)
        found: list[tuple[int, int]] = []
        position = 0
        while position < end:
            m = _TOKEN.match(text, position)
            if m is None:
                break
            token, position = m.group(), m.end()
            if token in ("#", "//"):
                newline = _LINE_BREAK.search(text, position)
                position = newline.start() if newline else len(text)
                continue
            if token[0] in " \t\f\v":
                continue
            path, secret, in_list = stack[-1]
            if token in ("\n", "\r", "\r\n"):
                if value is not None and started:
                    value, started = None, False
                key = []
                continue
            if token == ",":
                value, started, key = None, False, []
                continue
            if token in (":", "=", "+="):
                where = (*path, *key)
                value = secret or schema.secret_at_or_above(where, len(path))
                started, key = False, []
                continue
            if token in ("{", "["):
                where = (*path, *key)
                inner = secret or bool(value) or schema.secret_at_or_above(where)
                stack.append((where, inner, token == "["))
                value, started, key = None, False, []
                continue
            if token in ("}", "]"):
                if len(stack) > 1:
                    stack.pop()
                value, started, key = None, True, []
                continue
            # a word, a quoted or triple-quoted string, a substitution: part of a key or of a value
            if token == '"""':
                close = text.find('"""', position)
                position = len(text) if close == -1 else close + 3
                while position < len(text) and text[position] == '"':  # """a"""" ends after the last quote
                    position += 1
            elif token == '"':
                position = _CLOSING_QUOTE.match(text, position).end()  # type: ignore[union-attr]
            as_key = value is None and not in_list
            if not as_key and _KEY_FOLLOWS.match(text, position):  # `x:`, then `session_secret {` below: a key
                if (value or secret) and position > begin:  # or a secret value the text broke off after
                    found.append((max(m.start(), begin), min(position, end)))
                as_key, value, started, key = True, None, False, []
            if as_key:
                written = text[m.start() : position]
                key.extend([written.strip('"')] if written.startswith('"') else key_segments(written))
                continue
            started = True
            if (value or (value is None and secret)) and position > begin and not token.startswith("${"):
                found.append((max(m.start(), begin), min(position, end)))
        return found


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
    found.extend((start, end, MASK) for start, end in schema.embedded_secrets(text))
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
            found.extend((start, end, MASK) for start, end in schema.embedded_secrets(text))
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
        secret = schema.secret_at_or_above(prefix)  # services/password.conf
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
        if not nodes:
            return
        tokens = [n for n in nodes if not isinstance(n, (ObjectNode, ListNode))]
        if not secret:  # a secret inside the value itself: `Server=db;Password=PW`, `x:` then `password: "PW"`
            written = self.text[value.start : value.end]
            yield from ((value.start + a, value.start + b, MASK) for a, b in schema.assigned_secrets(written))
            return
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
