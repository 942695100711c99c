"""Edits planned as text splices: replace a value, insert a field, remove a field or a list element.

Nothing here mutates a tree. A plan is a list of :class:`Splice` against the current text; the document applies
it, parses the result again and checks that it means exactly what was intended (``document.py``). Text outside
the splices is untouched by construction, so comments, blank lines and layout survive.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import HoconEditError, HoconKeyError, line_and_column
from .paths import KeyPath, format_path
from .render import Style, dotted_key, render_field, render_value
from .style import detect_style, first_on_line, indent_of, line_end, line_start, same_line
from .syntax import Field, Kind, ListNode, ObjectNode, Tree, ValueNode


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def apply_splices(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping splices; overlapping deletions (two fields on one line) merge into one."""
    ordered = sorted(splices, key=lambda s: (s.start, s.end))
    merged: list[Splice] = []
    for splice in ordered:
        if merged and splice.start < merged[-1].end:
            previous = merged[-1]
            if previous.text or splice.text:
                raise HoconEditError("internal error: overlapping edits")
            merged[-1] = Splice(previous.start, max(previous.end, splice.end), "")
        else:
            merged.append(splice)
    out: list[str] = []
    pos = 0
    for splice in merged:
        out.append(text[pos : splice.start])
        out.append(splice.text)
        pos = splice.end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class FieldRef:
    field: Field
    path: KeyPath
    container: ObjectNode  # the object the field is written in


def fields_under(node: ObjectNode, base: KeyPath) -> list[FieldRef]:
    """Fields reachable from ``node`` through object values, in document order, with their full paths."""
    found: list[FieldRef] = []

    def visit(obj: ObjectNode, prefix: KeyPath) -> None:
        for field in obj.fields:
            path = prefix + field.key.segments
            found.append(FieldRef(field, path, obj))
            single = field.value.single()
            if isinstance(single, ObjectNode):
                visit(single, path)

    visit(node, base)
    return found


def fields_along(node: ObjectNode, base: KeyPath, path: KeyPath) -> list[FieldRef]:
    """The fields of ``fields_under(node, base)`` that an edit of ``path`` looks at, in the same order: those whose
    key starts the way ``path`` goes on from their object (the key itself, what lies below or above it, a dotted
    sibling), found without visiting the rest of a large file."""
    found: list[FieldRef] = []

    def visit(obj: ObjectNode, prefix: KeyPath) -> None:
        depth = len(prefix)
        for field in obj.fields:
            segments = field.key.segments
            if depth < len(path) and segments[0] != path[depth]:
                continue
            full = prefix + segments
            found.append(FieldRef(field, full, obj))
            single = field.value.single()
            if isinstance(single, ObjectNode) and full[: len(path)] == path[: len(full)]:
                visit(single, full)

    visit(node, base)
    return found


def _where(text: str, offset: int) -> str:
    line, column = line_and_column(text, offset)
    return f"line {line}, column {column}"


def _dropped(element: ValueNode) -> bool:
    """pyhocon drops empty-string elements from lists; they do not count as indexes."""
    single = element.single()
    return single is not None and not isinstance(single, (ObjectNode, ListNode)) and single.text in ('""', '""""""')


def list_elements(node: ListNode) -> list[ValueNode]:
    """The elements that count as indexes (pyhocon drops empty strings)."""
    return [e for e in node.elements if not _dropped(e)]


class Planner:
    """Plans one edit against one parsed text."""

    def __init__(self, tree: Tree, style: Style | None = None) -> None:
        self.tree = tree
        self.text = tree.text
        self._style = style

    @property
    def style(self) -> Style:
        """The file's layout conventions (``style`` given, or read from the whole file when first needed: replacing
        a value rarely needs them)."""
        if self._style is None:
            self._style = detect_style(self.tree)
        return self._style

    def _layout(self, value: Any) -> Style:
        """The style to render ``value`` in: a scalar is written alike in every layout, so reading the file's
        (a pass over all of it) waits for a value that spans lines."""
        return self.style if isinstance(value, (Mapping, list, tuple)) else Style()

    # --- finding things -----------------------------------------------------------------------------------

    def scope(self, path: KeyPath) -> tuple[ObjectNode, KeyPath]:
        """The object whose fields can define ``path``: the root, or the list element the path goes through."""
        last_index = max((i for i, s in enumerate(path) if isinstance(s, int)), default=None)
        if last_index is None:
            if not isinstance(self.tree.root, ObjectNode):
                raise HoconEditError("the file is a list, not an object: its keys cannot be edited")
            return self.tree.root, ()
        element = self.element(path[: last_index + 1])
        single = element.single()
        if not isinstance(single, ObjectNode):
            where = f"{format_path(path[: last_index + 1])} ({_where(self.text, element.start)})"
            raise HoconEditError(f"{where} is not an object written as {{ ... }}")
        return single, path[: last_index + 1]

    def list_node(self, path: KeyPath) -> ListNode:
        """The `[ ... ]` that gives ``path`` its value."""
        if not path:
            if isinstance(self.tree.root, ListNode):
                return self.tree.root
            raise HoconEditError("the file is an object, not a list")
        node, base = self.scope(path)
        definitions = [r for r in fields_along(node, base, path) if r.path == path]
        if not definitions:
            raise HoconKeyError(f"{format_path(path)} is not set")
        last = definitions[-1].field
        if last.appends:
            raise HoconEditError(
                f"{format_path(path)} is extended with '+=' ({_where(self.text, last.start)}); edit that line by hand"
            )
        single = last.value.single()
        if not isinstance(single, ListNode):
            raise HoconEditError(
                f"{format_path(path)} is not a list written as [ ... ] ({_where(self.text, last.start)})"
            )
        return single

    def elements(self, path: KeyPath) -> tuple[ListNode, list[ValueNode]]:
        node = self.list_node(path)
        return node, list_elements(node)

    def appended_lists(self, path: KeyPath) -> list[ListNode]:
        """The `[ ... ]` a key extended with `+=` is made of: each `+=` from the last, back to (and with) the
        plain definition before them. The first one may be missing (not a list written as such); the last one
        is always there. What pyhocon makes of them is for the caller to check."""
        node, base = self.scope(path)
        definitions = [r for r in fields_along(node, base, path) if r.path == path]
        if not definitions:
            raise HoconKeyError(f"{format_path(path)} is not set")
        last = definitions[-1].field
        where = _where(self.text, last.start)
        if not last.appends:
            raise HoconEditError(f"{format_path(path)} is computed by a substitution ({where}), not a list")
        if not isinstance(last.value.single(), ListNode):
            raise HoconEditError(
                f"{format_path(path)} is extended with '+=' by a value that is not a list written as [ ... ] "
                f"({where}); edit that line by hand"
            )
        lists: list[ListNode] = []
        for ref in reversed(definitions):
            single = ref.field.value.single()
            if not isinstance(single, ListNode):
                break
            lists.append(single)
            if not ref.field.appends:
                break
        return lists[::-1]

    def element(self, path: KeyPath) -> ValueNode:
        index = path[-1]
        assert isinstance(index, int)
        _, elements = self.elements(path[:-1])
        if index >= len(elements):
            raise HoconKeyError(f"{format_path(path[:-1])} has {len(elements)} element(s); there is no [{index}]")
        return elements[index]

    def definitions(self, path: KeyPath) -> list[FieldRef]:
        node, base = self.scope(path)
        return [r for r in fields_along(node, base, path) if r.path == path]

    # --- set ----------------------------------------------------------------------------------------------

    def set(self, path: KeyPath, value: Any) -> list[Splice]:
        if isinstance(path[-1], int):
            return self.replace_element(path, value)
        node, base = self.scope(path)
        refs = fields_along(node, base, path)
        definitions = [r for r in refs if r.path == path]
        if not definitions:
            # The key may exist only through keys below it (`b.b.a: 0`): the new value replaces them, written
            # where the first of them was when that is a dotted key of the same object.
            below = [r for r in refs if len(r.path) > len(path) and r.path[: len(path)] == path]
            if not below:
                return self._insert(node, base, refs, path, value)
            first = below[0]
            owner = first.path[: len(first.path) - len(first.field.key.segments)]
            relative = path[len(owner) :]
            key = (
                dotted_key(tuple(str(s) for s in relative))
                if relative and all(isinstance(s, str) for s in relative)
                else None
            )
            doomed = [r.field for r in below] + self._dead_ancestors(refs, path, max(r.field.start for r in below))
            if key is None or path[: len(owner)] != owner:
                return self._insert(node, base, refs, path, value) + self._remove_fields(doomed)
            field = first.field
            sep = self.style.object_separator if isinstance(value, Mapping) else self.style.separator
            rendered = render_value(value, self.style, indent_of(self.text, field.start))
            rest = [f for f in doomed[1:] if not (field.start <= f.start and f.end <= field.end)]
            return [Splice(field.start, self._value_end(field.end), key + sep + rendered), *self._remove_fields(rest)]
        plain = [r for r in definitions if not r.field.appends]
        chosen = (plain or definitions)[-1]
        target, container = chosen.field, chosen.container
        splices = self._replace_value(target, value, container)
        replaces_object = isinstance(value, Mapping)
        doomed = [
            r.field
            for r in refs
            if r.field is not target
            and not (target.start <= r.field.start and r.field.end <= target.end)
            and r.path[: len(path)] == path
            and (replaces_object or r.field.start > target.start)
        ]
        doomed.extend(self._dead_ancestors(refs, path, target.start))
        splices.extend(self._remove_fields(doomed))
        return splices

    @staticmethod
    def _dead_ancestors(refs: list[FieldRef], path: KeyPath, before: int) -> list[Field]:
        """Earlier scalar or list values of a parent, overridden by the definitions being edited.

        `a: 0` then `a.b: []`: once `a.b` changes or goes, the dead `a: 0` would come back (or, in pyhocon,
        fail to merge with `a.b: 0`), so it goes too.
        """
        dead = []
        for r in refs:
            if len(r.path) < len(path) and path[: len(r.path)] == r.path and r.field.start < before:
                nodes = [p.node for p in r.field.value.parts]
                if not any(isinstance(n, ObjectNode) or getattr(n, "kind", None) is Kind.SUBSTITUTION for n in nodes):
                    dead.append(r.field)
        return dead

    def _replace_value(self, field: Field, value: Any, parent: ObjectNode) -> list[Splice]:
        text = self.text
        indent = indent_of(text, field.start)
        inline = parent.braced and same_line(text, parent.start, parent.end)
        old = field.value.single()
        multiline_list = isinstance(old, ListNode) and not same_line(text, old.start, old.end)
        rendered = render_value(value, self._layout(value), indent, inline=inline, multiline_list=multiline_list)
        end = self._value_end(field.value.end)
        if field.separator is None:
            if isinstance(value, Mapping):
                return [Splice(field.value.start, end, rendered)]
            return [Splice(field.key.end, end, self.style.separator + rendered)]
        splices = []
        if field.appends:
            splices.append(Splice(field.separator.start, field.separator.end, self.style.separator.strip() or ":"))
        if not field.value.parts:
            splices.append(Splice(field.separator.end, field.separator.end, " " + rendered))
        else:
            splices.append(Splice(field.value.start, end, rendered))
        return splices

    def _value_end(self, end: int) -> int:
        """Where a replaced value ends: before the CR of a CRLF that the value swallowed (`x \\<CR><LF>` is the
        text "x \\<CR>" for pyhocon), so that the line keeps its CRLF."""
        text = self.text
        return end - 1 if end > 1 and text[end - 2 : end] == "\\\r" and text.startswith("\n", end) else end

    def _insert(self, root: ObjectNode, base: KeyPath, refs: list[FieldRef], path: KeyPath, value: Any) -> list[Splice]:
        container, container_path = root, base
        for r in refs:
            single = r.field.value.single()
            if (
                isinstance(single, ObjectNode)
                and len(r.path) < len(path)
                and path[: len(r.path)] == r.path
                and len(r.path) >= len(container_path)
            ):
                container, container_path = single, r.path
        # A dotted sibling (`a.b.x: 1` when setting a.b.y) that shares more of the path than any block does:
        # write the new key the same way, right after it.
        sibling: FieldRef | None = None
        shared_best = len(container_path)
        for r in refs:
            segments = r.field.key.segments
            if len(segments) < 2:
                continue
            owner = r.path[: len(r.path) - len(segments)]
            if path[: len(owner)] != owner:
                continue
            shared = 0
            while shared < min(len(r.path), len(path)) and r.path[shared] == path[shared]:
                shared += 1
            if shared <= len(owner) or shared >= len(path) or shared == len(r.path):
                continue
            relative = path[len(owner) :]
            if (
                shared > len(container_path)
                and shared >= shared_best
                and all(isinstance(s, str) for s in relative)
                and dotted_key(tuple(str(s) for s in relative)) is not None
            ):
                sibling, shared_best = r, shared
        if sibling is not None:
            owner = sibling.path[: len(sibling.path) - len(sibling.field.key.segments)]
            return self._insert_after(sibling, tuple(str(s) for s in path[len(owner) :]), value)
        relative = path[len(container_path) :]
        if not all(isinstance(s, str) for s in relative):
            raise HoconKeyError(f"{format_path(path)} is not set")
        return self._insert_into(container, tuple(str(s) for s in relative), value)

    def _field_text(self, segments: tuple[str, ...], value: Any, indent: str, *, inline: bool = False) -> str:
        return render_field(segments, value, self.style, indent, inline=inline)

    def _insert_after(self, sibling: FieldRef, segments: tuple[str, ...], value: Any) -> list[Splice]:
        text, style = self.text, self.style
        field, parent = sibling.field, sibling.container
        if parent.braced and same_line(text, parent.start, parent.end):
            key = dotted_key(segments)
            assert key is not None
            rendered = render_value(value, style, inline=True)
            sep = style.object_separator if isinstance(value, Mapping) else style.separator
            return [Splice(field.end, field.end, ", " + key + sep + rendered)]
        indent = indent_of(text, field.start)
        key = dotted_key(segments)
        assert key is not None
        sep = style.object_separator if isinstance(value, Mapping) else style.separator
        line = key + sep + render_value(value, style, indent)
        pos = line_end(text, field.end)
        if parent.braced and field.end <= parent.end - 1 < pos:
            pos = field.end  # the object closes on this line: stay inside it
        return [Splice(pos, pos, style.newline + indent + line)]

    def _child_indent(self, node: ObjectNode) -> str:
        text = self.text
        placed = [e for e in node.entries if first_on_line(text, e.start)]
        if placed:
            return indent_of(text, placed[-1].start)
        if node.braced:
            return indent_of(text, node.start) + self.style.indent
        return ""

    def _previous_line_blank(self, pos: int, node: ObjectNode) -> bool:
        """Whether the line before ``pos`` (a line start) is blank or opens ``node``."""
        text = self.text
        if pos == 0:
            return True
        end = pos - 2 if text.endswith("\r\n", 0, pos) else pos - 1
        start = line_start(text, end)
        if node.braced and start <= node.start < pos:
            return True
        return text[start:end].strip(" \t") == ""

    def _insert_into(self, node: ObjectNode, segments: tuple[str, ...], value: Any) -> list[Splice]:
        text, nl = self.text, self.style.newline
        if node.braced:
            opening, closing = node.start, node.end - 1
            if same_line(text, opening, closing):
                if node.entries:
                    last = node.entries[-1]
                    return [Splice(last.end, last.end, ", " + self._field_text(segments, value, "", inline=True))]
                outer = indent_of(text, opening)
                child = outer + self.style.indent
                block = self._field_text(segments, value, child)
                if nl in block:
                    return [Splice(opening + 1, closing, nl + child + block + nl + outer)]
                return [Splice(opening + 1, closing, " " + block + " ")]
            child = self._child_indent(node)
            block = self._field_text(segments, value, child)
            if not first_on_line(text, closing):
                return [Splice(closing, closing, nl + child + block + nl + indent_of(text, opening))]
            pos = line_start(text, closing)
            gap = nl if nl in block and not self._previous_line_blank(pos, node) else ""
            return [Splice(pos, pos, gap + child + block + nl)]
        child = self._child_indent(node)
        block = self._field_text(segments, value, child)
        end = len(text)
        body = text.lstrip("\ufeff")
        if not body:
            return [Splice(end, end, block + nl)]
        if text.endswith(("\n", "\r")):
            blank = nl in block and not self._previous_line_blank(end, node)
            return [Splice(end, end, (nl if blank else "") + child + block + nl)]
        blank = nl in block and text[line_start(text, end) :].strip(" \t") != ""
        return [Splice(end, end, nl + (nl if blank else "") + child + block)]  # no final line break: keep it so

    # --- removal ------------------------------------------------------------------------------------------

    def unset(self, path: KeyPath, *, comments: bool = True) -> list[Splice]:
        """Remove the key (and, with ``comments``, the comment lines that are its own: ``unset`` removes what
        speaks of the key alone; ``set`` of an object that drops a key leaves every comment)."""
        if isinstance(path[-1], int):
            return self.remove_element(path)
        node, base = self.scope(path)
        refs = fields_along(node, base, path)
        victims = [r.field for r in refs if r.path[: len(path)] == path]
        if not victims:
            raise HoconEditError(
                f"{format_path(path)} is not written in this file as a key (it comes from a substitution or include)"
            )
        victims.extend(self._dead_ancestors(refs, path, max(v.start for v in victims)))
        return self._remove_fields(victims, comments=comments)

    def _remove_fields(self, fields: list[Field], *, comments: bool = False) -> list[Splice]:
        """``comments``: also the comment lines that belong to each removed field (see ``_own_comments``)."""
        outermost = [f for f in fields if not any(o is not f and o.start <= f.start and f.end <= o.end for o in fields)]
        return [self._remove_span(f.start, f.end, comments=comments) for f in outermost]

    _REST_OF_LINE = re.compile(r"[ \t]*,?[ \t]*(?:(?:#|//)[^\r\n]*)?(\r\n|\r|\n|$)")
    _FOLLOWING_COMMA = re.compile(r"[ \t]*,[ \t]*")
    _BLANKS = re.compile(r"[ \t]*")

    def _remove_span(self, start: int, end: int, *, comments: bool = False) -> Splice:
        """Remove a field or element: its whole line(s) when it stands alone, else it and one comma."""
        text = self.text
        if first_on_line(text, start):
            m = self._REST_OF_LINE.match(text, end)
            if m:
                begin = line_start(text, start)
                if comments:
                    begin = self._own_comments(begin, m.end())
                if not m.group(1):  # last line, no final line break: take the previous break instead
                    if begin > 0:
                        begin -= 2 if text.endswith("\r\n", 0, begin) else 1
                    return Splice(begin, len(text), "")
                stop = m.end()
                # Leave no blank line behind that only separated this block from what follows.
                if begin > 0 and self._blank_line_before(begin) and self._closes_or_blank(stop):
                    begin = self._start_of_previous_line(begin)
                return Splice(begin, stop, "")
        m = self._FOLLOWING_COMMA.match(text, end)
        if m:
            return Splice(start, m.end(), "")
        before = text[line_start(text, start) : start]
        mm = re.search(r"[ \t]*,[ \t]*$", before)
        if mm:
            return Splice(start - len(before) + mm.start(), end, "")
        return Splice(start, self._BLANKS.match(text, end).end(), "")  # type: ignore[union-attr]

    # Text after `#` or `//` that reads as a setting (`port: 8008`, `cors {`): a commented-out line, not a remark
    _SETTING_IN_COMMENT = re.compile(r"(?:#|//)[ \t]*\"?[\w.-]+\"?[ \t]*(?:[:=]|\+=|\{)")

    def _line(self, begin: int) -> str:
        """What the line at ``begin`` holds: "blank", "comment" (a comment token is its first and only thing),
        "close" (it starts with `}` or `]`), "code", or "end" past the text."""
        if begin >= len(self.text):
            return "end"
        first = begin + len(indent_of(self.text, begin))
        if first >= line_end(self.text, begin):
            return "blank"
        index = bisect.bisect_right(self.tree.starts, first) - 1
        if self.tree.starts[index] == first and self.tree.kinds[index] is Kind.COMMENT:
            return "comment"
        return "close" if self.text[first] in "}]" else "code"

    def _own_comments(self, begin: int, stop: int) -> int:
        """Where the comment lines that belong to the field on lines [begin, stop) start; ``begin`` if none do.

        A comment belongs to a field when it speaks of that field alone, as far as the layout can tell: the run
        of comment lines right above the field (no blank line between), each with the field's indentation, none
        a commented-out setting (`# port: 8008`); the run starts after a blank line or a line of code (after
        the opening `{` of the object, or the previous field), not at the top of the file (a file's header) nor
        under a comment of another indentation (one comment, wider than this field); and the field is the last
        of its paragraph: after it comes a blank line, a comment, the object's `}` or the end of the text.
        Otherwise the comment may speak of the fields around it too, and it stays.
        """
        if self._line(stop) not in ("blank", "comment", "close", "end"):
            return begin
        indent = indent_of(self.text, begin)
        first = begin
        while first > 0:
            previous = self._start_of_previous_line(first)
            if self._line(previous) != "comment" or indent_of(self.text, previous) != indent:
                break
            if self._SETTING_IN_COMMENT.match(self.text, previous + len(indent)):
                return begin
            first = previous
        if first == begin or first == 0 or self._line(self._start_of_previous_line(first)) == "comment":
            return begin
        return first

    def _start_of_previous_line(self, begin: int) -> int:
        end = begin - 2 if self.text.endswith("\r\n", 0, begin) else begin - 1
        return line_start(self.text, end)

    def _blank_line_before(self, begin: int) -> bool:
        previous = self._start_of_previous_line(begin)
        return previous < begin and self.text[previous:begin].strip(" \t\r\n") == ""

    def _closes_or_blank(self, pos: int) -> bool:
        rest = self.text[pos : line_end(self.text, pos)].strip(" \t")
        return pos >= len(self.text) or rest == "" or rest.startswith(("}", "]"))

    # --- lists --------------------------------------------------------------------------------------------

    def append(self, path: KeyPath, value: Any, node: ListNode | None = None) -> list[Splice]:
        """Append to the list at ``path``, or to ``node`` (the last `+=` list of a key built with `+=`)."""
        text, style, nl = self.text, self.style, self.style.newline
        if node is None:
            node, elements = self.elements(path)
        else:
            elements = list_elements(node)
        opening, closing = node.start, node.end - 1
        outer = indent_of(text, opening)
        if same_line(text, opening, closing):
            if elements:
                last = elements[-1]
                return [Splice(last.end, last.end, ", " + render_value(value, style, inline=True))]
            child = outer + style.indent
            rendered = render_value(value, style, child)
            if nl in rendered:
                return [Splice(opening + 1, closing, nl + child + rendered + nl + outer)]
            return [Splice(opening + 1, closing, rendered)]
        if elements and first_on_line(text, elements[-1].start):
            child = indent_of(text, elements[-1].start)
        else:
            child = outer + style.indent
        rendered = render_value(value, style, child)
        if not elements:
            if first_on_line(text, closing):
                pos = line_start(text, closing)
                return [Splice(pos, pos, child + rendered + nl)]
            return [Splice(closing, closing, nl + child + rendered + nl + outer)]
        last = elements[-1]
        commas = node.commas
        trailing = next((t for t in commas if t.start >= last.end), None)
        anchor = trailing.end if trailing else last.end
        pos = line_end(text, anchor)
        if closing < pos:
            pos = anchor  # `]` on the same line: stay inside the list
        if trailing is not None:
            return [Splice(pos, pos, nl + child + rendered + ",")]
        splices = [Splice(pos, pos, nl + child + rendered)]
        if commas:
            splices.insert(0, Splice(last.end, last.end, ","))
        return splices

    def replace_element(self, path: KeyPath, value: Any) -> list[Splice]:
        text = self.text
        node = self.list_node(path[:-1])
        element = self.element(path)
        inline = same_line(text, node.start, node.end)
        rendered = render_value(value, self._layout(value), indent_of(text, element.start), inline=inline)
        return [Splice(element.start, element.end, rendered)]

    def remove_element(self, path: KeyPath) -> list[Splice]:
        text = self.text
        node, elements = self.elements(path[:-1])
        element = self.element(path)
        splices = [self._remove_span(element.start, element.end)]
        if element is elements[-1] and len(elements) > 1 and not same_line(text, node.start, node.end):
            commas = node.commas
            trailing = any(t.start >= element.end for t in commas)
            previous = elements[-2]
            between = [t for t in commas if previous.end <= t.start < element.start]
            if not trailing and between:
                splices.append(Splice(between[0].start, between[0].end, ""))
        return splices
