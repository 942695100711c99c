"""The public face of the HOCON layer: a parsed file that can be read, edited in place and rendered back.

Every edit is verified before it is accepted: the new text is parsed again and its meaning must equal the old
meaning with exactly the intended change (compared without resolving substitutions, so the environment plays
no part). Anything else raises :class:`HoconEditError` and leaves the document as it was.
"""

from __future__ import annotations

import bisect
import copy
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .deep import with_room
from .errors import (
    HoconEditError,
    HoconEditRefused,
    HoconEditUnresolvable,
    HoconKeyError,
    HoconSemanticError,
    HoconSyntaxError,
    line_and_column,
    line_starts,
)
from .evaluate import IncludeLoader, evaluate, evaluate_checked
from .parser import gc_paused, parse_tree
from .paths import KeyPath, PathError, as_path, format_path
from .region import read_locally
from .syntax import Include, Tree, ValueNode
from .values import Unresolved, strict_equal

_INCLUDE_WORD = re.compile("(?i:include)")  # what every include statement starts with, as the parser reads it

if TYPE_CHECKING:  # the editing machinery loads on the first edit: reading a file does not pay for it
    from .edit import Planner, Splice
    from .render import Style

_MISSING: Any = object()
_EDIT_SLACK = 32  # levels an edit may add (the value set, parents it creates)
_Method = TypeVar("_Method", bound=Callable[..., Any])


@dataclass(frozen=True)
class Location:
    """Where a key is defined: 1-based line and column of its key (or of a list element)."""

    line: int
    column: int
    offset: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass(frozen=True)
class BlockAppend:
    """A `key += value` inside an object block (see :meth:`Document.appends_in_blocks`)."""

    path: KeyPath  # the key it is meant for
    written: tuple[str, ...]  # the key as written, which pyhocon looks up from the top of the file
    location: Location
    drops_earlier: bool  # the file sets ``path`` before this line: that value is lost
    reads_top_level: bool  # the file has a top-level ``written``: its value is what gets extended


def parse(text: str) -> Document:
    """Parse HOCON text; raises :class:`HoconSyntaxError` with line and column when it is malformed."""
    return Document(text)


def _plain_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_copy(v) for v in value]
    return value


def _lookup(tree: Any, path: KeyPath) -> Any:
    node = tree
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(node, list) or segment >= len(node):
                return _MISSING
        elif not isinstance(node, dict) or segment not in node:
            return _MISSING
        node = node[segment]
    return node


def _path_copy(tree: Any, path: KeyPath) -> Any:
    """``tree`` with the containers along ``path`` copied (to be changed) and everything else shared.

    Building the expected tree of an edit this way costs the depth of the path, not the size of the file.
    """
    root = copy.copy(tree)
    node = root
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(node, list) or segment >= len(node):
                break
        elif not isinstance(node, dict) or segment not in node:
            break
        child = node[segment]
        if not isinstance(child, (dict, list)):
            break
        node[segment] = copy.copy(child)
        node = node[segment]
    return root


def _describe(value: Any) -> str:
    """What a value is, never what it holds: the hocon layer cannot tell a password from a port, and its messages
    reach the screen."""
    if isinstance(value, Unresolved):
        return "computed by a substitution"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _first_difference(expected: Any, actual: Any, path: KeyPath = ()) -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in actual:
                return f"{format_path((*path, key))} would be missing"
            if key not in expected:
                return f"{format_path((*path, key))} would appear"
            if not strict_equal(expected[key], actual[key]):
                return _first_difference(expected[key], actual[key], (*path, key))
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (a, b) in enumerate(zip(expected, actual, strict=True)):
            if not strict_equal(a, b):
                return _first_difference(a, b, (*path, index))
    where = format_path(path) or "the document"
    return f"{where} would be {_describe(actual)} instead of {_describe(expected)}"


def _gc_paused(method: _Method) -> _Method:
    """Edits allocate a lot while a large tree is alive; the cyclic collector would rescan it again and again.

    They also walk values recursively: a document nested hundreds of levels deep gets room for that."""

    @functools.wraps(method)
    def paused(self: Document, *args: Any, **kwargs: Any) -> Any:
        with gc_paused():
            return _with_room(self, lambda: method(self, *args, **kwargs))

    return paused  # type: ignore[return-value]


def _roomy(method: _Method) -> _Method:
    """Reading walks values recursively too."""

    @functools.wraps(method)
    def roomy(self: Document, *args: Any, **kwargs: Any) -> Any:
        return _with_room(self, lambda: method(self, *args, **kwargs))

    return roomy  # type: ignore[return-value]


def _with_room(document: Document, action: Callable[[], Any]) -> Any:
    try:
        return with_room(document._depth + document._links + _EDIT_SLACK, action)
    except RecursionError:  # not expected: the room is sized for the document
        raise HoconSemanticError(f"{document!r} is nested too deeply to be processed") from None


class Document:
    """A HOCON file, parsed losslessly: ``str(Document(text)) == text`` for every text pyhocon accepts."""

    def __init__(self, text: str) -> None:
        tree = parse_tree(text)
        self._text = text
        # The syntax tree; None after an edit verified without it (region.py), until something needs it. Its
        # depth (a bound, after such an edit) and its links are kept apart, so that reading does not need it.
        self._syntax: Tree | None = tree
        self._depth = tree.depth
        self._links = tree.links
        self._unresolved: Any = _MISSING
        # How the text resolves: (None, tree) with this process's environment, as pyhocon would resolve it here;
        # else (the variables it takes values from, tree) when every variable is set; None when it does not
        # resolve even then. Edits must not break a substitution that resolves now.
        self._resolution: Any = _MISSING
        self._line_starts: list[int] | None = None
        # the `include` statements of the tree they were found in (a walk of every field: read by several views)
        self._includes: tuple[Tree, list[tuple[KeyPath, Location, Include]]] | None = None

    # --- text ---------------------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def _tree(self) -> Tree:
        if self._syntax is None:
            self._syntax = parse_tree(self._text)
            self._depth, self._links = self._syntax.depth, self._syntax.links
        return self._syntax

    def render(self) -> str:
        """The text, rebuilt from the tokens: proof that nothing was lost."""
        return self._tree.render()

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"<Document {len(self.text)} characters>"

    @property
    def has_bom(self) -> bool:
        """A UTF-8 byte-order mark: we keep it, but the server's parser cannot read a file that has one."""
        return self.text.startswith("\ufeff")

    @property
    def style(self) -> Style:
        from .style import detect_style

        return detect_style(self._tree)

    # --- reading ------------------------------------------------------------------------------------------

    @_roomy
    def to_dict(
        self, *, resolve: bool = True, env: Mapping[str, str] | None = None, include: IncludeLoader | None = None
    ) -> Any:
        """The whole document as plain data, read the way pyhocon reads it.

        Substitutions fall back to ``env`` (default: ``os.environ``). `include` statements are skipped unless
        ``include`` loads them.
        """
        if not resolve and env is None and include is None:
            return copy.deepcopy(self._semantic())
        return evaluate(self._tree, resolve=resolve, env=env, include=include)

    def unresolved(self) -> Any:
        """The document as plain data with substitutions unresolved, computed once: shared, so callers must not
        change it (``to_dict`` gives a copy to change). Raises HoconSemanticError where pyhocon could not make a
        tree of the text."""
        return self._semantic()

    def resolved(self, env: Mapping[str, str]) -> Any:
        """The document as pyhocon reads it with ``env`` for substitutions. Shared like :meth:`unresolved`: a
        document without substitutions resolves to its unresolved tree, computed once."""
        if not self._links:
            return self._semantic()
        return evaluate(self._tree, resolve=True, env=env)

    def _semantic(self) -> Any:
        if self._unresolved is _MISSING:
            self._unresolved = evaluate(self._tree, resolve=False)
        return self._unresolved

    def _resolved(self) -> tuple[frozenset[str], Any] | None:
        """What ``_resolution`` says, worked out when first needed (with ``_semantic``, from the same reading)."""
        if self._resolution is _MISSING:
            if not self._links:
                self._resolution = (frozenset(), self._semantic())
            else:
                here = _Watched(os.environ)
                self._unresolved, resolved, error = evaluate_checked(self._tree, here)
                if error is None:
                    self._resolution = (None if here.asked else frozenset(), resolved)
                else:  # it needs a variable this machine does not have: judge it with every variable set
                    everything = _AnyEnvironment()
                    _, resolved, error = evaluate_checked(self._tree, everything)
                    self._resolution = None if error else (frozenset(everything.asked), resolved)
        return self._resolution  # type: ignore[no-any-return]

    def get(
        self,
        path: KeyPath | str,
        default: Any = _MISSING,
        *,
        resolve: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Any:
        """The value at ``path`` (last definition wins, objects merge); ``default`` or HoconKeyError if unset."""
        key = as_path(path)
        found = _lookup(self.to_dict(resolve=resolve, env=env), key)
        if found is _MISSING:
            if default is _MISSING:
                raise HoconKeyError(f"{format_path(key)} is not set")
            return default
        return found

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, (str, tuple)):
            return False
        try:
            key = as_path(path)
        except PathError:
            return False
        return _lookup(self._semantic(), key) is not _MISSING

    def definitions(self, path: KeyPath | str) -> list[Location]:
        """Where ``path`` is written as a key (or list element), in document order."""
        from .edit import Planner
        from .render import Style

        key = as_path(path)
        planner = Planner(self._tree, Style())
        try:
            if key and isinstance(key[-1], int):
                offsets = [self._element(planner, key).start]
            else:
                offsets = [r.field.start for r in planner.definitions(key)]
        except (HoconKeyError, HoconEditError):
            return []
        return [self._location(offset) for offset in offsets]

    def _element(self, planner: Planner, key: KeyPath) -> ValueNode:
        """The element ``key`` points to, also in a list built with `+=` (`a: [1]` then `a += [2]`), as far
        as pyhocon reads the lists written for it as its value (a `+=` inside an object extends the root key of
        that name, for one; a plain definition after a `+=` does not count)."""
        from .edit import list_elements

        index = key[-1]
        assert isinstance(index, int)
        try:
            node, elements = planner.elements(key[:-1])
            lists = [node]
        except HoconEditError:
            lists = planner.appended_lists(key[:-1])
            if planner.definitions(key[:-1])[-len(lists)].field.appends:
                raise  # the first list is not where the value starts
            elements = [element for node in lists for element in list_elements(node)]
        if self._links:
            resolution = self._resolved()
            read = _lookup(resolution[1], key[:-1]) if resolution is not None else None
            if not isinstance(read, list) or len(read) != len(elements):
                raise HoconEditError(f"{format_path(key[:-1])} is not the list written for it")
        if index >= len(elements):
            raise HoconKeyError(f"{format_path(key[:-1])} has {len(elements)} element(s); there is no [{index}]")
        return elements[index]

    def field_locations(self, keep: Callable[[KeyPath], bool] | None = None) -> dict[KeyPath, Location]:
        """Where every key (and list element object) is last written, in one pass over the file.

        ``keep``: which keys (as written) to look at; a key it rejects is skipped with everything below it, so
        that a question about one section does not walk the whole file."""
        from .syntax import ListNode, ObjectNode

        found: dict[KeyPath, Location] = {}
        if not isinstance(self._tree.root, ObjectNode):
            return found

        def visit(obj: ObjectNode, prefix: KeyPath, pending: list[tuple[ObjectNode, KeyPath]]) -> None:
            for field in obj.fields:
                path = prefix + field.key.segments
                if keep is not None and not keep(path):
                    continue
                found[path] = self._location(field.start)
                single = field.value.single()
                if isinstance(single, ObjectNode):
                    visit(single, path, pending)
                elif isinstance(single, ListNode):
                    lists.append((single, path))

        from .edit import list_elements

        pending: list[tuple[ObjectNode, KeyPath]] = [(self._tree.root, ())]
        while pending:
            node, base = pending.pop()
            lists: list[tuple[ListNode, KeyPath]] = []
            visit(node, base, pending)
            for single, path in lists:
                for index, element in enumerate(list_elements(single)):
                    item = element.single()
                    element_path = (*path, index)
                    found[element_path] = self._location(element.start)
                    if isinstance(item, ObjectNode):
                        pending.append((item, element_path))
        return found

    def appends_in_blocks(self) -> list[BlockAppend]:
        """Every `key += value` written inside an object block rather than at the top of the file.

        pyhocon (the server's parser) turns `key += v` into `key = ${?key} v` with ``key`` as written, and looks
        that up from the top of the file: inside `auth { users += [...] }` it reads `users`, not `auth.users`.
        """
        from .edit import fields_under
        from .syntax import ObjectNode

        if "+=" not in self._text:  # known without the syntax tree, which an edit verified in part has let go
            return []
        root = self._tree.root
        if not isinstance(root, ObjectNode):
            return []
        refs = fields_under(root, ())
        everywhere = {ref.path for ref in refs}
        seen: set[KeyPath] = set()
        found: list[BlockAppend] = []
        for ref in refs:
            if ref.field.appends and ref.container is not root:
                relative = ref.field.key.segments
                found.append(
                    BlockAppend(
                        ref.path,
                        relative,
                        self._location(ref.field.start),
                        drops_earlier=ref.path in seen,
                        reads_top_level=relative in everywhere,
                    )
                )
            seen.add(ref.path)
        return found

    def include_locations(self) -> list[tuple[KeyPath, Location]]:
        """Every `include` statement: the path of the object it sits in, and where it is written."""
        return [(base, location) for base, location, _ in self.include_statements()]

    def include_statements(self) -> list[tuple[KeyPath, Location, Include]]:
        """Every `include` statement with what it names: the path of the object it sits in, where it is written,
        and the statement (``target``, ``kind``: file, url, package or "" for a bare string, ``required``)."""
        from .edit import fields_under
        from .syntax import ObjectNode

        if not _INCLUDE_WORD.search(self._text):  # known without the syntax tree (see appends_in_blocks)
            return []
        tree = self._tree
        if self._includes is not None and self._includes[0] is tree:
            return list(self._includes[1])
        root = tree.root
        if not isinstance(root, ObjectNode):
            return []
        objects: list[tuple[ObjectNode, KeyPath]] = [(root, ())]
        for ref in fields_under(root, ()):
            single = ref.field.value.single()
            if isinstance(single, ObjectNode):
                objects.append((single, ref.path))
        found = [
            (base, self._location(entry.start), entry)
            for node, base in objects
            for entry in node.entries
            if isinstance(entry, Include)
        ]
        self._includes = (tree, found)
        return list(found)

    def value_text(self, path: KeyPath | str) -> str | None:
        """The source text of the value of the last definition of ``path`` (`007` where get() says 7)."""
        from .edit import Planner
        from .render import Style

        try:
            found = Planner(self._tree, Style()).definitions(as_path(path))
        except (HoconKeyError, HoconEditError):
            return None
        if not found:
            return None
        value = found[-1].field.value
        return self.text[value.start : value.end]

    def locate(self, path: KeyPath | str) -> Location | None:
        """Where the last definition of ``path`` is written, or the first key below it that makes it
        (`a.b.c: 1` for a); None when no key in the text sets it."""
        found = self.definitions(path)
        if found:
            return found[-1]
        from .edit import Planner, fields_under
        from .render import Style

        key = as_path(path)
        try:
            node, base = Planner(self._tree, Style()).scope(key)
        except (HoconKeyError, HoconEditError):
            return None
        below = next((r for r in fields_under(node, base) if r.path[: len(key)] == key), None)
        return self._location(below.field.start) if below is not None and key else None

    def _location(self, offset: int) -> Location:
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        line = bisect.bisect_right(self._line_starts, offset)
        column = offset - self._line_starts[line - 1] + 1
        if line == 1 and offset and self.has_bom:  # the byte-order mark is no column
            column -= 1
        return Location(line, column, offset)

    # --- editing ------------------------------------------------------------------------------------------

    @_gc_paused
    def set(self, path: KeyPath | str, value: Any) -> bool:
        """Set ``path`` to ``value``; returns False when it already had exactly that value (nothing changes).

        An object value replaces the object key by key, so comments inside it survive.
        """
        from .render import check_value

        key = as_path(path)
        if not key:
            raise HoconEditError("cannot replace the whole document")
        for segment in key:  # first: messages quote the key
            if isinstance(segment, str):
                check_value(segment, "the key")
        check_value(value, format_path(key))
        value = _plain_copy(value)
        self._resolved()  # before _semantic(): one reading gives both
        before = self._semantic()
        current = _lookup(before, key)
        if current is not _MISSING and strict_equal(current, value):
            return False
        self._check_parents(before, key)
        expected = _path_copy(before, key)
        self._put(expected, key, value)
        text = self._set_text(self._tree, key, value, current)
        self._commit(text, expected, f"set {format_path(key)}", _reads(key, value, f"cannot set {format_path(key)}"))
        return True

    @_gc_paused
    def unset(self, path: KeyPath | str) -> None:
        """Remove every definition of ``path`` (whole lines, nothing else); HoconKeyError if it is not set."""
        from .edit import Planner

        key = as_path(path)
        if not key:
            raise HoconEditError("cannot remove the whole document")
        self._resolved()  # before _semantic(): one reading gives both
        before = self._semantic()
        if _lookup(before, key) is _MISSING:
            raise HoconKeyError(f"{format_path(key)} is not set")
        expected = _path_copy(before, key)
        parent = _lookup(expected, key[:-1])
        del parent[key[-1]]
        # Parents that existed only to hold this key (`a.b.c: 1`) may go with it, up to any level.
        accepted = [expected]
        pruned = expected
        for depth in range(len(key) - 1, 0, -1):
            if isinstance(key[depth - 1], int) or _lookup(pruned, key[:depth]) != {}:
                break
            pruned = _path_copy(pruned, key[:depth])
            del _lookup(pruned, key[: depth - 1])[key[depth - 1]]
            accepted.append(pruned)
        text = self._apply(Planner(self._tree).unset(key))
        self._commit(text, accepted, f"remove {format_path(key)}")

    @_gc_paused
    def append(self, path: KeyPath | str, value: Any) -> None:
        """Append ``value`` to the list at ``path`` (created when missing), in the list's own layout.

        A list built with `+=` (`a: [1]` then `a += [2]`) gets the value at the end of its last `+=` list.
        """
        from .edit import Planner
        from .render import check_value

        key = as_path(path)
        check_value([value], format_path(key))
        value = _plain_copy(value)
        self._resolved()
        before = self._semantic()
        current = _lookup(before, key)
        if current is _MISSING:
            self.set(key, [value])
            return
        action = f"append to {format_path(key)}"
        planner = Planner(self._tree)
        if isinstance(current, Unresolved):
            self._append_to_computed(planner, key, current, value)
            return
        if not isinstance(current, list):
            raise HoconEditError(f"{format_path(key)} is {_describe(current)}, not a list")
        expected = _path_copy(before, key)
        _lookup(expected, key).append(copy.deepcopy(value))
        resolution = self._resolved()
        check = None
        if resolution is not None:
            read = _lookup(resolution[1], key)
            wanted = [*read, value] if isinstance(read, list) else _MISSING
            check = _reads(key, wanted, f"cannot append to {format_path(key)}")
        self._commit(self._apply(planner.append(key, value)), expected, action, check)

    def _append_to_computed(self, planner: Planner, key: KeyPath, current: Unresolved, value: Any) -> None:
        """Append into the last `+=` list of ``key``, when pyhocon reads the key as a list that ends with it."""
        lists = planner.appended_lists(key)  # refuses, with the reason, a key not built that way
        where = format_path(key)
        resolution = self._resolved()
        read = _lookup(resolution[1], key) if resolution is not None else _MISSING
        if not isinstance(read, list) or not isinstance(current.parts[-1], list):
            raise HoconEditError(
                f"{where} is extended with '+=' but its value cannot be worked out without the environment; "
                "edit the file by hand"
            )
        expected = _path_copy(self._semantic(), key)
        computed = copy.deepcopy(current)
        computed.parts[-1].append(copy.deepcopy(value))
        parent = _lookup(expected, key[:-1])
        parent[key[-1]] = computed
        text = self._apply(planner.append(key, value, lists[-1]))
        self._commit(text, expected, f"append to {where}", _reads(key, [*read, value], f"cannot append to {where}"))

    def replace(self, path: KeyPath | str, index: int, value: Any) -> bool:
        """Replace element ``index`` of the list at ``path``."""
        return self.set((*as_path(path), index), value)

    def remove(self, path: KeyPath | str, index: int) -> None:
        """Remove element ``index`` of the list at ``path`` (its line, and a comma that only it needed)."""
        self.unset((*as_path(path), index))

    # --- internals ----------------------------------------------------------------------------------------

    def _apply(self, splices: list[Splice]) -> str:
        from .edit import apply_splices

        return apply_splices(self.text, splices)

    def _check_parents(self, tree: Any, path: KeyPath) -> None:
        """Every parent must be an object (or missing: it will be created); list indexes must exist."""
        node = tree
        for depth, segment in enumerate(path):
            here = format_path(path[:depth]) or "the document"
            if isinstance(segment, int):
                if not isinstance(node, list):
                    raise HoconEditError(f"{here} is {_describe(node)}, not a list")
                if segment >= len(node):
                    raise HoconKeyError(f"{here} has {len(node)} element(s); there is no [{segment}]")
            else:
                if not isinstance(node, dict):
                    hint = "; remove it first" if depth else ""
                    raise HoconEditError(f"cannot set {format_path(path)}: {here} is {_describe(node)}{hint}")
                if segment not in node or node[segment] is None:
                    index = next((i for i in range(depth + 1, len(path)) if isinstance(path[i], int)), None)
                    if index is not None:  # a missing list cannot be indexed (nor created by indexing)
                        missing = format_path(path[: depth + 1])
                        raise HoconKeyError(f"there is no list {format_path(path[:index])} ({missing} is not set)")
                    return
            node = node[segment]

    @staticmethod
    def _put(tree: Any, path: KeyPath, value: Any) -> None:
        node = tree
        for segment in path[:-1]:
            if isinstance(segment, str) and node.get(segment) is None:
                node[segment] = {}
            node = node[segment]
        node[path[-1]] = copy.deepcopy(value)

    def _set_text(self, tree: Tree, path: KeyPath, value: Any, current: Any) -> str:
        from .edit import Planner, apply_splices

        if not (isinstance(value, dict) and isinstance(current, dict)):
            return apply_splices(tree.text, Planner(tree).set(path, value))
        # An object over an object: edit key by key so that comments and layout inside it survive.
        text = tree.text
        for name, item in value.items():
            if name in current and strict_equal(current[name], item):
                continue
            step = parse_tree(text)
            text = self._set_text(step, (*path, name), item, current.get(name, _MISSING))
        for name in current:
            if name not in value:
                step = parse_tree(text)
                text = apply_splices(text, Planner(step).unset((*path, name), comments=False))
        if not value:
            step = parse_tree(text)
            if _lookup(evaluate(step, resolve=False), path) is _MISSING:  # it existed only through its keys
                text = apply_splices(text, Planner(step).set(path, {}))
        return text

    def _commit(
        self, text: str, expected: Any, action: str, resolves_to: Callable[[Any], str | None] | None = None
    ) -> None:
        """Accept ``text`` only if it reads back as ``expected`` (or as one of a list of acceptable trees), and
        still resolves if the current text resolves without help from the environment (``resolves_to`` may
        check what it resolves to: it returns what is wrong, or None)."""
        accepted = expected if isinstance(expected, list) and isinstance(self._semantic(), dict) else [expected]
        before = self._resolved()
        checked = before is not None
        needs = before[0] if before is not None else None
        local = read_locally(self._tree, self._semantic(), text) if needs is not None else None
        if local is not None:  # the changed entry alone, read again where it stands (see region.py)
            after, depth = local
            if not any(strict_equal(after, candidate) for candidate in accepted):
                raise HoconEditRefused(f"refusing to {action}: {_first_difference(accepted[0], after)}")
            wrong = resolves_to(after) if resolves_to is not None else None
            if wrong is not None:
                raise HoconEditError(wrong)
            self._syntax, self._text, self._depth = None, text, depth
            self._unresolved = after
            self._resolution = (frozenset(), after)
            self._line_starts = None
            return
        # Let the old syntax tree go before the new one is built (on a large file the two would double the
        # memory); should the edit be refused, the old text is parsed again when next needed.
        self._syntax = None
        environment: Mapping[str, str] = os.environ if needs is None else _AnyEnvironment(needs)
        resolved: Any = _MISSING
        unresolvable = None
        old_text = self._text
        try:
            tree = parse_tree(text)
            if checked and tree.links:
                after, resolved, unresolvable = evaluate_checked(tree, environment)
            else:
                after = evaluate(tree, resolve=False)
                resolved = after if checked else _MISSING
        except (HoconSyntaxError, HoconSemanticError) as e:
            raise HoconEditRefused(f"refusing to {action}: the edited text would not read back ({e})") from e
        if not any(strict_equal(after, candidate) for candidate in accepted):
            raise HoconEditRefused(f"refusing to {action}: {_first_difference(accepted[0], after)}")
        if unresolvable is not None:
            now = "with this machine's environment" if needs is None else "without help from the environment"
            raise HoconEditUnresolvable(
                f"the server could not load the file after this: {_where_before(unresolvable, old_text, text)} "
                f"(it resolves now {now})"
            )
        wrong = resolves_to(resolved) if resolves_to is not None and resolved is not _MISSING else None
        if wrong is not None:
            raise HoconEditError(wrong)
        self._syntax, self._text, self._depth, self._links = tree, text, tree.depth, tree.links
        self._unresolved = after
        # With this machine's environment, that is how it resolves. With every variable set, only if it asked
        # for no variable the text did not take before. Else work it out again when needed.
        if not checked or resolved is _MISSING:
            self._resolution = _MISSING
        elif needs is None:
            self._resolution = (None, resolved)
        elif isinstance(environment, _AnyEnvironment) and environment.asked <= needs:
            self._resolution = (frozenset(environment.asked), resolved)
        else:
            self._resolution = _MISSING
        self._line_starts = None


def _reads(key: KeyPath, wanted: Any, refusal: str) -> Callable[[Any], str | None]:
    """A check that the edited text resolves to ``wanted`` at ``key``: pyhocon's reading has quirks (a `+=`
    followed by a plain definition keeps the `+=` result) that can leave an edit without effect."""

    def check(resolved: Any) -> str | None:
        if strict_equal(_lookup(resolved, key), wanted):
            return None
        return f"{refusal}: pyhocon would not read the new value there (other lines decide it); edit the file by hand"

    return check


def _where_before(error: HoconSemanticError, old: str, new: str) -> str:
    """The error, placed in the text before the edit when it is outside what the edit changed."""
    if error.offset is None:
        return str(error)
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    if error.offset < prefix:
        offset = error.offset
    elif error.offset >= len(new) - suffix:
        offset = error.offset - len(new) + len(old)
    else:
        line, column = line_and_column(new, error.offset)
        return f"{error.reason} (line {line}, column {column} of the edited text)"
    line, column = line_and_column(old, offset)
    return f"line {line}, column {column}: {error.reason}"


class _Watched(Mapping[str, str]):
    """An environment that notes which variables are asked for."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.env[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


class _AnyEnvironment(Mapping[str, str]):
    """An environment with the variables ``names`` (every variable when None), noting which are asked for."""

    VALUE = "clearml-cfg-any-value"

    def __init__(self, names: frozenset[str] | None = None) -> None:
        self.names = names
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        if self.names is not None and name not in self.names:
            raise KeyError(name)
        return self.VALUE

    def __iter__(self) -> Iterator[str]:
        return iter(self.names or ())

    def __len__(self) -> int:
        return len(self.names or ())
