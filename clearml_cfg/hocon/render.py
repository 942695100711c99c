"""Python values to HOCON text that pyhocon reads back to the very same value.

Strings are always quoted (so `http://x/${id}`, `007`, `true` and `a # b` stay literal strings), numbers and
booleans are written bare, objects and lists of objects as indented blocks in the file's own style.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import HoconEditError
from .values import Period, QuotedKey

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BAD_IN_QUOTED_KEY = re.compile(r'["\\\r\n]')
_INLINE_WIDTH = 100  # a list of scalars longer than this goes one element a line


@dataclass(frozen=True)
class Style:
    """How a file is laid out, so that inserted text looks like its neighbours."""

    newline: str = "\n"
    indent: str = "    "
    separator: str = ": "  # between a key and a scalar value
    object_separator: str = " "  # between a key and `{`


def render_string(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def render_key(segment: str) -> str:
    """One key segment: bare when pyhocon reads it back unchanged (and it is no QuotedKey), else quoted."""
    if _PLAIN_KEY.fullmatch(segment) and not isinstance(segment, QuotedKey):
        return segment
    if not segment:
        raise HoconEditError("an empty key cannot be written")
    if _BAD_IN_QUOTED_KEY.search(segment):
        raise HoconEditError(
            f"the key {segment!r} cannot be written: the server's parser cannot read a quote, a backslash "
            "or a line break in a key"
        )
    return f'"{segment}"'


def dotted_key(segments: tuple[str, ...]) -> str | None:
    """`a.b.c` when every segment is bare; pyhocon cannot read a quoted segment inside a dotted key."""
    if all(_PLAIN_KEY.fullmatch(s) and not isinstance(s, QuotedKey) for s in segments):
        return ".".join(segments)
    return None


def check_value(value: Any, where: str = "value") -> None:
    """Refuse, up front, values that HOCON cannot carry or that pyhocon would read back differently."""
    if isinstance(value, str):
        _check_text(value, where)
        return
    if value is None or isinstance(value, (bool, int, Period)):
        return
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise HoconEditError(f"{where}: {value} cannot be written in HOCON")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise HoconEditError(f"{where}: object keys must be strings, not {key!r}")
            _check_text(key, where)
            render_key(key)
            check_value(item, f"{where}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if item == "" and isinstance(item, str):
                raise HoconEditError(f"{where}[{index}]: the server's parser drops empty strings from lists")
            check_value(item, f"{where}[{index}]")
        return
    raise HoconEditError(f"{where}: a {type(value).__name__} cannot be written in HOCON")


def _check_text(text: str, where: str) -> None:
    """A lone surrogate (what Python makes of bytes that are not UTF-8) is no character: no file can hold it."""
    surrogate = next((c for c in text if "\ud800" <= c <= "\udfff"), None)
    if surrogate is not None:
        raise HoconEditError(
            f"{where}: U+{ord(surrogate):04X} is a lone surrogate, not a character: a UTF-8 file cannot hold it"
        )


def render_scalar(value: Any) -> str:
    if isinstance(value, Period):
        return value.text  # bare: pyhocon reads `2 hours` back as the same duration
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return render_string(value)
    raise HoconEditError(f"a {type(value).__name__} cannot be written in HOCON")


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, (Mapping, list, tuple)) for v in value)
    )


def render_value(
    value: Any, style: Style = Style(), indent: str = "", *, inline: bool = False, multiline_list: bool = False
) -> str:
    """``value`` as HOCON, for a value that starts on a line indented by ``indent``."""
    out: list[str] = []
    _value(out, value, style, indent, inline, multiline_list)
    return "".join(out)


# The writers below append pieces to ``out`` and join them once: a value nested 1,000 levels deep is megabytes of
# indentation, and building each level's text from the one inside it would copy it at every level.


def _value(out: list[str], value: Any, style: Style, indent: str, inline: bool, multiline_list: bool = False) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
        elif inline:
            out.append("{ ")
            for index, (key, item) in enumerate(value.items()):
                if index:
                    out.append(", ")
                _field(out, (key,), item, style, "", True)
            out.append(" }")
        else:
            child = indent + style.indent
            out.append("{")
            for key, item in value.items():
                out += [style.newline, child]
                _field(out, (key,), item, style, child, False)
            out += [style.newline, indent, "}"]
        return
    if isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        # each element is rendered once, on one line or as a block, never both: nested lists stay linear
        if inline or (not _is_block(value) and not multiline_list):
            one_line = "[" + ", ".join(render_value(v, style, inline=True) for v in value) + "]"
            if inline or len(one_line) <= _INLINE_WIDTH:
                out.append(one_line)
                return
        child = indent + style.indent
        out.append("[")
        for index, item in enumerate(value):
            out += [("," if index else "") + style.newline, child]
            _value(out, item, style, child, False)
        out += [style.newline, indent, "]"]
        return
    out.append(render_scalar(value))


def render_fields(fields: Mapping[str, Any], style: Style = Style()) -> str:
    """A mapping as the body of a file: one field a line, a blank line around blocks."""
    out: list[str] = []
    for key, value in fields.items():
        text = render_field((key,), value, style)
        if out and (style.newline in text or style.newline in out[-1]):
            out.append("")
        out.append(text)
    return style.newline.join(out) + (style.newline if out else "")


def render_field(
    segments: tuple[str, ...], value: Any, style: Style = Style(), indent: str = "", *, inline: bool = False
) -> str:
    """`key: value`, or nested `a { b { key: value } }` blocks for several segments."""
    out: list[str] = []
    _field(out, segments, value, style, indent, inline)
    return "".join(out)


def _field(out: list[str], segments: tuple[str, ...], value: Any, style: Style, indent: str, inline: bool) -> None:
    key = render_key(segments[0])
    if len(segments) > 1:
        inner_indent = indent + style.indent
        if inline:
            out += [key, style.object_separator, "{ "]
            _field(out, segments[1:], value, style, inner_indent, inline)
            out.append(" }")
        else:
            out += [key, style.object_separator, "{", style.newline, inner_indent]
            _field(out, segments[1:], value, style, inner_indent, inline)
            out += [style.newline, indent, "}"]
        return
    out += [key, style.object_separator if isinstance(value, Mapping) else style.separator]
    _value(out, value, style, indent, inline)
