"""Reading a file's layout conventions: line breaks, indentation unit, how keys meet their values."""

from __future__ import annotations

import math
import re
from collections import Counter

from .render import Style
from .syntax import Field, ListNode, ObjectNode, Tree

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_start(text: str, pos: int) -> int:
    newline = text.rfind("\n", 0, pos)
    # look for a lone `\r` only within this line: an unbounded search would scan the whole text each time
    return max(newline, text.rfind("\r", newline + 1, pos)) + 1


def line_end(text: str, pos: int) -> int:
    """Offset of the line break ending the line that holds ``pos`` (or the end of the text)."""
    m = _LINE_BREAK.search(text, pos)
    return m.start() if m else len(text)


def indent_of(text: str, pos: int) -> str:
    start = line_start(text, pos)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def first_on_line(text: str, pos: int) -> bool:
    return text[line_start(text, pos) : pos].strip(" \t") == ""


def same_line(text: str, a: int, b: int) -> bool:
    return _LINE_BREAK.search(text, a, b) is None


def iter_fields(node: ObjectNode | ListNode) -> list[Field]:
    """Every field of the tree, outermost first."""
    found: list[Field] = []
    stack: list[ObjectNode | ListNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ObjectNode):
            for field in current.fields:
                found.append(field)
                stack.extend(p.node for p in field.value.parts if isinstance(p.node, (ObjectNode, ListNode)))
        else:
            for element in current.elements:
                stack.extend(p.node for p in element.parts if isinstance(p.node, (ObjectNode, ListNode)))
    return found


def detect_style(tree: Tree) -> Style:
    text = tree.text
    m = _LINE_BREAK.search(text)
    newline = m.group() if m else "\n"
    fields = iter_fields(tree.root)

    widths: list[int] = []
    tabs = 0
    for field in fields:
        if first_on_line(text, field.start):
            indent = indent_of(text, field.start)
            if "\t" in indent:
                tabs += 1
            elif indent:
                widths.append(len(indent))
    if tabs and tabs >= len(widths):
        unit = "\t"
    else:
        step = math.gcd(*widths) if widths else 4
        unit = " " * (step if 2 <= step <= 8 else 4)

    separators: Counter[str] = Counter()
    object_separators: Counter[str] = Counter()
    for field in fields:
        if not field.value.parts:
            continue
        between = text[field.key.end : field.value.start]
        if "\n" in between or "\r" in between or "#" in between or "/" in between:
            continue
        if isinstance(field.value.single(), ObjectNode):
            object_separators[between] += 1
        elif field.separator is not None and field.separator.text != "+=":
            separators[between] += 1
    separator = separators.most_common(1)[0][0] if separators else ": "
    object_separator = object_separators.most_common(1)[0][0] if object_separators else " "
    return Style(newline, unit, separator, object_separator)
