"""Paths into a document: tuples of segments, so that a key holding a dot survives (`("a", "x.y")`).

A ``str`` segment names an object key, an ``int`` segment indexes a list. The text form is dotted, with
quotes around segments that need them and `[N]` for list indexes: `auth.fixed_users.users[0]."x.y"`.
"""

from __future__ import annotations

import re

from .errors import HoconError

Segment = str | int
KeyPath = tuple[Segment, ...]

_PLAIN_SEGMENT = re.compile(r'[^."\[\]\s]+(?:[^."\[\]]*[^."\[\]\s])?')
_QUOTED_SEGMENT = re.compile(r'"((?:[^"\\]|\\.)*)"')
_INDEX = re.compile(r"\[(\d+)\]")
_NEEDS_QUOTES = re.compile(r'^$|[."\[\]]|^\s|\s$')


class PathError(HoconError, ValueError):
    """A path written as text that cannot be read."""


def parse_path(text: str) -> KeyPath:
    """`a.b."x.y".c[0]` -> ("a", "b", "x.y", "c", 0)."""
    segments: list[Segment] = []
    pos = 0
    expect_segment = True
    while pos < len(text):
        if expect_segment:
            m = _QUOTED_SEGMENT.match(text, pos)
            if m:
                segments.append(re.sub(r"\\(.)", r"\1", m.group(1)))
            else:
                m = _PLAIN_SEGMENT.match(text, pos)
                if not m:
                    raise PathError(_path_error(text, pos))
                segments.append(m.group())
            pos = m.end()
            expect_segment = False
        elif (m := _INDEX.match(text, pos)) is not None:
            segments.append(int(m.group(1)))
            pos = m.end()
        elif text[pos] == ".":
            pos += 1
            expect_segment = True
        else:
            raise PathError(_path_error(text, pos))
    if expect_segment:
        raise PathError(f"the key {text!r} is empty or ends with '.'" if text else "the key is empty")
    return tuple(segments)


def _path_error(text: str, pos: int) -> str:
    if pos < len(text) and text[pos] == ".":
        return f"the key {text!r} has an empty part at position {pos + 1} ('..' or a leading '.')"
    if pos < len(text) and text[pos] == '"':
        return f"the key {text!r} has an unterminated quote at position {pos + 1}"
    return f"the key {text!r} cannot be read at position {pos + 1}: quote a part that holds '.', '[', ']' or blanks"


def format_segment(segment: str) -> str:
    if _NEEDS_QUOTES.search(segment):
        return '"' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return segment


def format_path(path: KeyPath) -> str:
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += ("." if out else "") + format_segment(segment)
    return out


def as_path(path: KeyPath | str) -> KeyPath:
    """A path given as text or as a tuple; PathError for a segment that is neither a key (str) nor a list index
    (an int of 0 or more: not a bool, a float, or a negative number counting from the end as Python would)."""
    if isinstance(path, str):
        return parse_path(path)
    found = tuple(path)
    for segment in found:
        if (
            isinstance(segment, bool)
            or not isinstance(segment, (str, int))
            or (isinstance(segment, int) and segment < 0)
        ):
            raise PathError(f"{segment!r} is not a key or a list index (a number from 0) in the path {found!r}")
    return found
