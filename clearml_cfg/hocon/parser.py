"""A lossless HOCON parser that accepts what pyhocon (the server's parser) accepts, and reads it the same way.

The grammar follows pyhocon's ``ConfigParser`` (pyhocon 0.3.6x) rather than the HOCON spec, because the server
reads its files with pyhocon: keys are words of ``[A-Za-z0-9À-ÿ._- /]``, a value is a run of parts on one line,
`//` inside an unquoted value is not a comment, `key:` followed by a newline takes the next line as its value,
and so on. Every character ends up in exactly one token, so ``''.join(t.text for t in tokens) == text``.
"""

from __future__ import annotations

import gc
import re
import sys
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .errors import HoconSyntaxError, line_and_column
from .syntax import Field, Include, Key, Kind, ListNode, ObjectNode, Part, Root, Token, Tree, ValueNode
from .values import QuotedKey

#: Deeper nesting is refused with a syntax error. pyhocon itself fails near 40 levels (RecursionError);
#: the limit keeps our recursive descent far from Python's own recursion limit.
MAX_DEPTH = 100
#: Longer paths (key segments, `a.b.c` counting 3, plus list levels) are refused with a syntax error. pyhocon
#: puts a dotted key one recursive call per segment and fails near 980; everything it reads, we read.
MAX_KEY_DEPTH = 1000
#: pyparsing parses nesting recursively: Python frames per level, as measured with pyhocon 0.3.6x and pyparsing
#: 3 (an object after a separator or in a list, an object right after its key, a list). Past PYHOCON_FRAMES in
#: all (Python's limit of 1,000 less what the server's loader stands on, per ../shared/tools/server-config:
#: 32 objects `a: {`, 45 `a {`, 59 lists, 21 `[{b:` pairs fail) pyhocon fails with RecursionError.
FRAMES_OBJECT, FRAMES_KEYED_OBJECT, FRAMES_LIST = 30, 21, 16
PYHOCON_FRAMES = 936

T = TypeVar("T")

_IDENT_END = r"(?![A-Za-z0-9_$])"  # pyparsing's Keyword: not followed by an identifier character
# Each pattern below repeats whole runs of plain characters (possessively), not one character at a time: a
# string of megabytes must not cost the regular expression engine a backtracking entry per character.
_QUOTED_VALUE = r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'

_WS = re.compile(r"[ \t]+")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"(?:#|//)[^\r\n]*")
# What may come before a root written in braces or brackets: blanks, line breaks, comments, and commas (pyhocon's
# comment_eol: a run of line breaks and commas, then a comment)
_LEADING_TRIVIA = re.compile(r"(?:[ \t\r\n]+|(?:[\r\n,]+[ \t]*)?(?:#|//)[^\r\n]*)*")
# pyhocon's key Word has a blank but no tab; pyparsing turns tabs into blanks before it looks, so we allow both.
_KEY_WORD = re.compile(r"[A-Za-z0-9\xc0-\xd6\xd8-\xf6\xf8-\xff._\- /\t]+")
_KEY_QUOTED = re.compile(r'"[^"\n\r\\]*+(?:\\.[^"\n\r\\]*+)*+"')
_KEY_TRIPLE = re.compile(r'"""(?:[^"\n\r\\]++|\\.|""(?!")|"(?!""))*"""')
_NUMBER = re.compile(r"[+-]?(?:\d*\.\d+|\d+(?:\.\d+)?)(?:[eE][+\-]?\d+)?(?=$|[ \t]*(?:[\$\}\],#\n\r]|//))", re.DOTALL)
_KEYWORD = re.compile(r"(?i:true|false|null)" + _IDENT_END)
_TRIPLE = re.compile(r'""".*?"*"""', re.DOTALL)
_QUOTED = re.compile(_QUOTED_VALUE)
_UNQUOTED = re.compile(r"(?:[^^`+?!@*&\"\[\{\s\]\}#,=\$\\]++|\\.)+")
_SUBSTITUTION = re.compile(r"\$\{[^}]+\}")
# pyhocon's `'\\' - eol`: only a backslash before LF continues a line (then every CR and LF after it goes); before
# a CR, the backslash escapes it as part of an unquoted string (`true \<CR><LF>` is the text "True \<CR>")
_CONTINUATION = re.compile(r"\\\n[\r\n]*")

# Units pyhocon recognises after a whole number (`10 seconds`, `5m`); months and years need python-dateutil,
# which the server image has.
PERIOD_UNITS: dict[str, tuple[str, ...]] = {
    "nanoseconds": ("ns", "nano", "nanos", "nanosecond", "nanoseconds"),
    "microseconds": ("us", "micro", "micros", "microsecond", "microseconds"),
    "milliseconds": ("ms", "milli", "millis", "millisecond", "milliseconds"),
    "seconds": ("s", "second", "seconds"),
    "minutes": ("m", "minute", "minutes"),
    "hours": ("h", "hour", "hours"),
    "weeks": ("w", "week", "weeks"),
    "days": ("d", "day", "days"),
    "months": ("mo", "month", "months"),
    "years": ("y", "year", "years"),
}
_UNIT_ALTERNATION = "|".join(sorted((u for units in PERIOD_UNITS.values() for u in units), key=len, reverse=True))
PERIOD = re.compile(r"(\d+)( *)(" + _UNIT_ALTERNATION + r")(?![A-Za-z0-9])")

_INCLUDE_TARGET = (
    rf"(?:(?P<{{q}}>{_QUOTED_VALUE})"
    rf"|(?P<{{k}}>url|file|package){_IDENT_END}[ \t]*\([ \t]*(?P<{{kq}}>{_QUOTED_VALUE})[ \t]*\))"
)
_INCLUDE_COMMITTED = re.compile(rf"(?i:include){_IDENT_END}[ \t]*(?:url|file|package|required){_IDENT_END}")
_INCLUDE = re.compile(
    rf"(?i:include){_IDENT_END}[ \t]*(?:"
    + _INCLUDE_TARGET.format(q="q1", k="k1", kq="kq1")
    + rf"|(?P<required>required){_IDENT_END}[ \t]*\([ \t]*"
    + _INCLUDE_TARGET.format(q="q2", k="k2", kq="kq2")
    + r"[ \t]*\))"
)

# pyhocon's ConfigTree.parse_key: a key splits at these characters unless they are inside quotes
_KEY_SPECIAL = "$}[]:=+#`^?!@*&."
_KEY_SPLIT = re.compile(r'"[^"]+"|[^' + re.escape(_KEY_SPECIAL) + r"]+")


def key_segments(key: str) -> tuple[str, ...]:
    """The path segments pyhocon makes of a key as written (``a.b`` -> a, b; ``"x.y"`` -> x.y). A quoted
    segment that holds one of the characters that split keys stays quoted in pyhocon: a :class:`QuotedKey`."""
    return tuple(
        QuotedKey(token[1:-1]) if token.startswith('"') and any(c in _KEY_SPECIAL for c in token) else token.strip('"')
        for token in _KEY_SPLIT.findall(key)
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a large tree allocates millions of objects; the cyclic collector would rescan the growing
    heap again and again (50,000 lines took twice as long). Nothing we build needs collecting mid-way.

    Afterwards the new objects go straight to the oldest generation (freeze then unfreeze moves them there
    without tracing them): otherwise the first allocation after re-enabling traces all of them at once just to
    find them alive, 145 ms for the 400,000 objects of a 50,000-line file."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def parse_tree(text: str) -> Tree:
    with gc_paused():
        parser = _Parser(text)
        root = parser.document()
        return Tree(text, parser.kinds, parser.starts, root, parser.deepest, parser.links, parser.most_frames)


def parse_entries(
    text: str, start: int, stop: int, depth: int, path: int
) -> tuple[list[Field | Include], int, int] | None:
    """The entries of an object's body read from ``start`` to exactly ``stop`` of ``text``, as the whole text's
    reading meets them when it is at ``start`` inside an object ``depth`` deep under ``path`` key segments; with
    the longest path and the number of links they hold. None when the reading does not stop at ``stop`` between
    two entries (a value goes on past it, or the object ends before it)."""
    with gc_paused():
        parser = _Parser(text)
        parser.pos, parser.path = start, path
        node = ObjectNode(start, stop, braced=False, depth=depth)
        parser._body(node, stop)
        if parser.pos != stop:
            return None
        return node.entries, parser.deepest, parser.links


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "end of file"
    c = text[pos]
    if c in "\r\n":
        return "a line break"
    if c in " \t":
        return "a blank"
    if c == "\ufeff":
        return "a byte-order mark (U+FEFF)"
    if not c.isprintable():
        return f"the character U+{ord(c):04X}"
    return repr(c)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.kinds: list[Kind] = []
        self.starts = array("q")
        self.path = 0  # the path length of the value being read
        self.deepest = 0
        self.links = 0
        self.frames = 0  # pyhocon's Python frames for the nesting being read
        self.most_frames = (0, 0)  # the most of them, and where

    # --- tokens -------------------------------------------------------------------------------------------

    def _mark(self, kind: Kind, end: int) -> None:
        """Record a token that nothing refers to (blanks, line breaks, comments): no object for it."""
        self.kinds.append(kind)
        self.starts.append(self.pos)
        self.pos = end

    def _emit(self, kind: Kind, end: int) -> Token:
        token = Token(kind, self.text[self.pos : end], self.pos)
        self.kinds.append(kind)
        self.starts.append(self.pos)
        self.pos = end
        return token

    def _ws(self) -> str:
        m = _WS.match(self.text, self.pos)
        if m is None:
            return ""
        self._mark(Kind.WS, m.end())
        return m.group()

    def _newline(self) -> None:
        m = _NEWLINE.match(self.text, self.pos)
        assert m is not None
        self._mark(Kind.NEWLINE, m.end())

    def _comment(self) -> None:
        m = _COMMENT.match(self.text, self.pos)
        assert m is not None
        self._mark(Kind.COMMENT, m.end())

    def _at_comment(self) -> bool:
        c = self.text[self.pos]
        return c == "#" or (c == "/" and self.text.startswith("//", self.pos))

    def _error(self, reason: str, pos: int | None = None) -> HoconSyntaxError:
        return HoconSyntaxError(reason, self.text, self.pos if pos is None else pos)

    def _where(self, pos: int) -> str:
        line, column = line_and_column(self.text, pos)
        return f"{line}:{column}"

    def _rewind(self, pos: int, token_count: int) -> None:
        self.pos = pos
        del self.kinds[token_count:]
        del self.starts[token_count:]

    # --- document -----------------------------------------------------------------------------------------

    def document(self) -> Root:
        if self.text.startswith("\ufeff"):
            self._emit(Kind.BOM, 1)
        first = _LEADING_TRIVIA.match(self.text, self.pos).end()  # type: ignore[union-attr]
        root: Root
        if first < self.n and self.text[first] in "[{":
            while self.pos < first:
                self._gap()
                if self.pos < first and self.text[self.pos] == ",":
                    self._mark(Kind.COMMA, self.pos + 1)
            root = self._list(1) if self.text[self.pos] == "[" else self._object(1)
            while self.pos < self.n:
                self._ws()
                if self.pos >= self.n:
                    break
                c = self.text[self.pos]
                if c in "\r\n":
                    self._newline()
                elif c == ",":
                    self._mark(Kind.COMMA, self.pos + 1)
                elif self._at_comment():
                    self._comment()
                else:
                    closer = "'}'" if isinstance(root, ObjectNode) else "']'"
                    raise self._error(
                        f"unexpected {_describe(self.text, self.pos)} after the closing {closer} of the file"
                    )
        else:
            root = ObjectNode(self.pos, self.n, braced=False, depth=0)
            self._body(root)
            if self.pos < self.n:
                raise self._stray()
            root.end = self.n
        return root

    def _stray(self) -> HoconSyntaxError:
        c = self.text[self.pos]
        if c == "}":
            return self._error("unexpected '}': no object is open here")
        if c == "]":
            return self._error("unexpected ']': no list is open here")
        return self._error(f"expected a key, found {_describe(self.text, self.pos)}")

    def _nested(self, frames: int, read: Callable[[int], T], depth: int) -> T:
        """Read a nested object or list, counting the frames pyhocon spends on it."""
        self.frames += frames
        if self.frames > self.most_frames[0]:
            self.most_frames = (self.frames, self.pos)
        try:
            return read(depth)
        finally:
            self.frames -= frames

    # --- objects ------------------------------------------------------------------------------------------

    def _object(self, depth: int) -> ObjectNode:
        if depth > MAX_DEPTH:
            raise self._error(f"objects and lists nested deeper than {MAX_DEPTH} levels are not supported")
        start = self.pos
        self._emit(Kind.LBRACE, start + 1)
        node = ObjectNode(start, start, braced=True, depth=depth)
        self._body(node)
        if self.pos >= self.n or self.text[self.pos] != "}":
            expected = "'}'" if self.pos >= self.n else "a key or '}'"
            raise self._error(
                f"expected {expected} to close the object opened at {self._where(start)}, "
                f"found {_describe(self.text, self.pos)}"
            )
        self._emit(Kind.RBRACE, self.pos + 1)
        node.end = self.pos
        return node

    def _body(self, node: ObjectNode, stop: int = sys.maxsize) -> None:
        """The entries of an object up to its end (or up to ``stop``, when reading a part of the text)."""
        text = self.text
        while True:
            if self.pos >= stop:
                return
            self._ws()
            if self.pos >= self.n:
                return
            c = text[self.pos]
            if c == "\n" or c == "\r":
                self._newline()
            elif c == ",":
                self._mark(Kind.COMMA, self.pos + 1)
            elif c == "#" or (c == "/" and text.startswith("//", self.pos)):
                self._comment()
            elif c == "}":
                return
            else:
                if c in "iI":
                    m = self._include_match()
                    if m:
                        node.entries.append(self._include(m))
                        continue
                field = self._field(node)
                if field is None:
                    return
                node.entries.append(field)

    def _expanded(self, pos: int, written: str) -> str:
        """``written`` (at ``pos``) as pyhocon reads it: pyparsing turns every tab of the text into blanks up to
        the next 8-column stop of its line, so a tab in a key is as many blanks as its column makes."""
        text = self.text
        line_start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
        prefix = text[line_start:pos]
        return (prefix + written).expandtabs()[len(prefix.expandtabs()) :]

    def _include_match(self) -> re.Match[str] | None:
        """An `include` statement here; a syntax error where pyhocon's grammar commits to one that is malformed
        (`include file(y)`, `include required(`): after `url`, `file`, `package` or `required` it cannot go back."""
        m = _INCLUDE.match(self.text, self.pos)
        if m is None and _INCLUDE_COMMITTED.match(self.text, self.pos):
            raise self._error(
                'malformed include: write include "file.conf", include file("file.conf") or '
                'include required("file.conf") (the file name in double quotes)'
            )
        return m

    def _include(self, m: re.Match[str]) -> Include:
        start = self.pos
        self._emit(Kind.INCLUDE, m.end())
        return _include_statement(m, start)

    def _gap(self) -> None:
        """Blanks, line breaks and comments (pyhocon allows them between a key, its separator and its value)."""
        while True:
            self._ws()
            if self.pos >= self.n:
                return
            c = self.text[self.pos]
            if c == "\n" or c == "\r":
                self._newline()
            elif self._at_comment():
                self._comment()
            else:
                return

    def _field(self, parent: ObjectNode) -> Field | None:
        text, pos = self.text, self.pos
        if text.startswith('"""', pos):
            m = _KEY_TRIPLE.match(text, pos) or _KEY_QUOTED.match(text, pos)
        elif text.startswith('"', pos):
            m = _KEY_QUOTED.match(text, pos)
            if m is None:
                raise self._error("unterminated quoted key: the closing '\"' must be on the same line")
        else:
            m = _KEY_WORD.match(text, pos)
        if m is None:
            return None
        raw = m.group()
        written = raw.rstrip(" \t")
        segments = key_segments(self._expanded(pos, written).strip() if "\t" in written else written.strip())
        if not segments or "" in segments:
            raise self._error(f"the key {written!r} has no name in it")
        outer = self.path
        self.path += len(segments)
        if self.path > MAX_KEY_DEPTH:
            raise self._error(f"keys nested deeper than {MAX_KEY_DEPTH} levels are not supported")
        self.deepest = max(self.deepest, self.path)
        key = Key(self._emit(Kind.KEY, pos + len(written)), segments)
        if len(written) < len(raw):
            self._mark(Kind.WS, m.end())
        self._gap()
        c = text[self.pos] if self.pos < self.n else ""
        separator: Token | None = None
        if c == "{":
            obj = self._nested(FRAMES_KEYED_OBJECT, self._object, parent.depth + 1)
            value = ValueNode(obj.start, obj.end, [Part(obj)])
        else:
            if text.startswith("+=", self.pos):
                separator = self._emit(Kind.SEPARATOR, self.pos + 2)
                self.links += 1
            elif c == ":" or c == "=":
                separator = self._emit(Kind.SEPARATOR, self.pos + 1)
            else:
                raise self._error(
                    f"expected ':', '=' or '{{' after the key {written.strip()!r}, found {_describe(text, self.pos)}"
                )
            self._gap()
            value = self._value(parent.depth)
        self.path = outer
        return Field(key, separator, value)

    # --- values -------------------------------------------------------------------------------------------

    def _value(self, depth: int) -> ValueNode:
        text = self.text
        parts: list[Part] = []
        start = self.pos
        continued = False  # pyhocon skips the blanks that follow a line continuation
        while True:
            mark, count = self.pos, len(self.kinds)
            ws = self._ws()
            if self.pos >= self.n:
                self._rewind(mark, count)
                break
            c = text[self.pos]
            node: Token | ObjectNode | ListNode | None
            if c == "\\" and self.pos + 1 < self.n and text[self.pos + 1] == "\n":
                if parts and ws:
                    parts[-1].ws_after = ws
                self._emit(Kind.CONTINUATION, _CONTINUATION.match(text, self.pos).end())  # type: ignore[union-attr]
                continued = True
                continue
            if c == "#" or (c == "/" and text.startswith("//", self.pos)):
                self._rewind(mark, count)
                break
            if c == "$":
                m = _SUBSTITUTION.match(text, self.pos)
                if m is None:
                    raise self._error(
                        "'${' is not closed by '}'" if text.startswith("${", self.pos) else "unexpected '$'"
                    )
                node = self._emit(Kind.SUBSTITUTION, m.end())
                self.links += 1
            elif c == "{":
                node = self._nested(FRAMES_OBJECT, self._object, depth + 1)
            elif c == "[":
                node = self._nested(FRAMES_LIST, self._list, depth + 1)
            elif c in "iI" and (m := self._include_match()) is not None:
                node = self._emit(Kind.INCLUDE, m.end())
            else:
                node = self._scalar()
                if node is None:
                    self._rewind(mark, count)
                    break
            if parts and ws and not continued:
                parts[-1].ws_after = ws
            continued = False
            parts.append(Part(node))
        if not parts:
            return ValueNode(start, start)
        return ValueNode(parts[0].start, parts[-1].end, parts)

    def _scalar(self) -> Token | None:
        text, pos = self.text, self.pos
        c = text[pos]
        if "0" <= c <= "9":
            m = PERIOD.match(text, pos)
            if m:
                return self._emit(Kind.PERIOD, m.end())
        if c in "0123456789+-.":
            m = _NUMBER.match(text, pos)
            if m:
                return self._emit(Kind.NUMBER, m.end())
        if c in "tTfFnN":
            m = _KEYWORD.match(text, pos)
            if m:
                word = m.group().lower()
                kind = Kind.TRUE if word == "true" else Kind.FALSE if word == "false" else Kind.NULL
                return self._emit(kind, m.end())
        if c == '"':
            if text.startswith('"""', pos):
                m = _TRIPLE.match(text, pos)
                if m is not None:
                    return self._emit(Kind.TRIPLE, m.end())
                # no closing """: pyhocon then reads `""` (an empty string) and a quoted string after it
                if _QUOTED.match(text, pos + 2) is None:
                    raise self._error('unterminated triple-quoted string: no closing """')
            m = _QUOTED.match(text, pos)
            if m is None:
                raise self._error(
                    "unterminated string: the closing '\"' must be on the same line (write a line break as \\n)"
                )
            return self._emit(Kind.QUOTED, m.end())
        m = _UNQUOTED.match(text, pos)
        if m:
            return self._emit(Kind.UNQUOTED, m.end())
        return None

    def _list(self, depth: int) -> ListNode:
        if depth > MAX_DEPTH:
            raise self._error(f"objects and lists nested deeper than {MAX_DEPTH} levels are not supported")
        start = self.pos
        self._emit(Kind.LBRACKET, start + 1)
        node = ListNode(start, start, depth)
        text = self.text
        self.path += 1
        if self.path > MAX_KEY_DEPTH:
            raise self._error(f"keys nested deeper than {MAX_KEY_DEPTH} levels are not supported")
        self.deepest = max(self.deepest, self.path)
        while True:
            self._ws()
            if self.pos >= self.n:
                raise self._error(f"expected ']' to close the list opened at {self._where(start)}, found end of file")
            c = text[self.pos]
            if c == "]":
                break
            if c == "\n" or c == "\r":
                self._newline()
            elif c == ",":
                node.commas.append(self._emit(Kind.COMMA, self.pos + 1))
            elif c == "#" or (c == "/" and text.startswith("//", self.pos)):
                self._comment()
            else:
                before = self.pos
                element = self._value(depth)
                if element.parts:
                    node.elements.append(element)
                elif self.pos == before:
                    raise self._error(
                        f"expected ']' to close the list opened at {self._where(start)}, "
                        f"found {_describe(text, self.pos)}"
                    )
        self._emit(Kind.RBRACKET, self.pos + 1)
        self.path -= 1
        node.end = self.pos
        return node


_ESCAPE = re.compile(r"\\.")
_REPLACEMENTS = {
    "\\\\": "\\",
    "\\\n": "\n",
    "\\n": "\n",
    "\\r": "\r",
    "\\t": "\t",
    "\\=": "=",
    "\\#": "#",
    "\\!": "!",
    '\\"': '"',
}


def unescape(raw: str) -> str:
    """pyhocon's escape handling (``ConfigParser.REPLACEMENTS``): unknown escapes such as `\\u0041` stay as written."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _REPLACEMENTS.get(m.group(), m.group()), raw)


def _include_statement(m: re.Match[str], start: int) -> Include:
    quoted = m.group("q1") or m.group("kq1") or m.group("q2") or m.group("kq2")
    kind = m.group("k1") or m.group("k2") or ""
    return Include(start, m.end(), unescape(quoted[1:-1]), kind, bool(m.group("required")))


def include_of(token: Token) -> Include:
    """The statement an INCLUDE token holds (one inside a list or a value, where no Include node is made)."""
    m = _INCLUDE.match(token.text)
    assert m is not None, token
    include = _include_statement(m, 0)
    include.start, include.end = token.start, token.end
    return include
