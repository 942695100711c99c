"""Property tests: random documents in random layouts, random edit sequences, pyhocon as the judge."""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from typing import Any

from helpers import as_pyhocon, pyhocon_plain
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import oracle, strict_oracle
from strategies import NEW_KEYS, VALUES, documents

from clearml_cfg.hocon import HoconError, HoconSemanticError, parse, strict_equal
from clearml_cfg.hocon.edit import Planner, fields_under
from clearml_cfg.hocon.render import Style
from clearml_cfg.hocon.style import line_start


def reading(text: str) -> tuple[str, Any]:
    try:
        return "ok", as_pyhocon(parse(text).to_dict())
    except HoconSemanticError:
        return "error", None


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 250)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(documents())
def test_random_documents_round_trip_and_agree_with_pyhocon(text: str) -> None:
    document = parse(text)
    assert document.render() == text
    ours, theirs = reading(text), oracle(text)
    assert ours[0] == theirs[0], f"ours {ours}, pyhocon {theirs}"
    if ours[0] == "ok":
        assert strict_equal(ours[1], theirs[1]), f"ours={ours[1]!r}\npyhocon={theirs[1]!r}"


# --- substitutions, `+=` and redefinitions, as pyhocon resolves them -----------------------------------------

SUB_KEYS = st.sampled_from(["a", "b", "c", "a.b", "b.c", "a.c", '"x.y"', "k", "a.a"])
SUB_VALUES = st.sampled_from(
    [
        *["1", "0", "x", '"s"', "[1, 2]", "[]", "{}", "null", "true", "foo bar", "10s", "{ z: 1 }", "250ms x"],
        *["${a}", "${?a}", "${b}", "${?b}", "${a.b}", "${?a.b}", "${b.c}", "${c}", "${?c}", "${?a.c}", "${k}"],
        *["${?CLEARML_CFG_TEST_NAME}", "${CLEARML_CFG_TEST_HOME}/x", "${?CLEARML_CFG_TEST_UNSET}"],
        *["{ z: ${?a} }", "[${?a}]", "[${?X}, 1]", "${a} x", "x ${?b}", "${a} ${b}", "[1] ${?a}", "[${a}]"],
        *["{q: 1} ${?b}", "${?b} {q: 2}", '"q" ${?c}', "2 ${c}", "[[${?b}]]", "[{k: ${?a}}]"],
    ]
)


@st.composite
def substitution_documents(draw: st.DrawFn, depth: int = 0) -> str:
    lines = []
    for _ in range(draw(st.integers(1 if depth == 0 else 0, 5))):
        key = draw(SUB_KEYS)
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            body = draw(substitution_documents(depth + 1))
            lines.append(f"{key}{draw(st.sampled_from([' ', ': ', '']))}{{\n{body}}}\n")
        else:
            lines.append(f"{key}{draw(st.sampled_from([': ', ' = ', ' += ']))}{draw(SUB_VALUES)}\n")
    return "".join(lines)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 250)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(substitution_documents())
def test_substitutions_resolve_as_pyhocon_resolves_them(text: str) -> None:
    ours, theirs = reading(text), strict_oracle(text)
    assert ours[0] == theirs[0], f"ours {ours}, pyhocon {theirs}"
    if ours[0] == "ok":
        assert strict_equal(ours[1], theirs[1]), f"ours={ours[1]!r}\npyhocon={theirs[1]!r}"


# --- random edit sequences --------------------------------------------------------------------------------

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def paths_of(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found.extend(paths_of(value, (*prefix, key)))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            if isinstance(value, dict):
                found.extend(paths_of(value, (*prefix, index)))
    return found


def lines_of_fields(text: str, path: tuple[Any, ...]) -> set[int]:
    """0-based lines covered by every field that defines ``path``, something below it, or (as a dead scalar
    that the edit must take away too) something above it."""
    document = parse(text)
    planner = Planner(document._tree, Style())
    try:
        node, base = planner.scope(path)
    except HoconError:
        return set()
    lines: set[int] = set()
    for ref in fields_under(node, base):
        if ref.path[: len(path)] == path or path[: len(ref.path)] == ref.path:
            first = len(LINE_BREAK.findall(text, 0, line_start(text, ref.field.start)))
            last = len(LINE_BREAK.findall(text, 0, ref.field.end))
            lines.update(range(first, last + 1))
    return lines


def changed_lines(old: str, new: str) -> tuple[Counter[str], int]:
    """Old lines that are gone (removed or rewritten), and how many new lines appeared.

    Compared as multisets rather than with difflib, whose alignment repeated lines (`# a comment` twice) fool.
    """
    a, b = Counter(LINE_BREAK.split(old)), Counter(LINE_BREAK.split(new))
    return a - b, sum((b - a).values())


def allowed(text: str, lines: set[int], *, comments_above: bool = False) -> Counter[str]:
    """The given lines of ``text`` and its blank lines, as a multiset of their contents; with ``comments_above``,
    also the comment lines right above each of the given lines (what an unset may take as the key's own)."""
    split = LINE_BREAK.split(text)
    taken = set(lines)
    if comments_above:
        for line in sorted(lines):
            above = line - 1
            while above >= 0 and split[above].lstrip().startswith(("#", "//")):
                taken.add(above)
                above -= 1
    return Counter(line for i, line in enumerate(split) if i in taken or not line.strip())


def without_empty_parents(tree: Any, path: tuple[Any, ...]) -> list[Any]:
    """``tree`` with the emptied parents of ``path`` pruned to each possible depth."""
    candidates = []
    pruned = copy.deepcopy(tree)
    for depth in range(len(path) - 1, 0, -1):
        if isinstance(path[depth - 1], int) or lookup(pruned, path[:depth]) != {}:
            break
        del lookup(pruned, path[: depth - 1])[path[depth - 1]]
        candidates.append(copy.deepcopy(pruned))
    return candidates


def lookup(tree: Any, path: tuple[Any, ...]) -> Any:
    for segment in path:
        tree = tree[segment]
    return tree


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 120)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents(), st.data())
def test_random_edit_sequences_do_exactly_what_was_asked(text: str, data: st.DataObject) -> None:
    state, expected = oracle(text)
    assume(state == "ok" and isinstance(expected, dict))
    assume("${" not in text and '"""' not in text and " hours" not in text and "ms" not in text)
    document = parse(text)
    for _ in range(data.draw(st.integers(1, 5))):
        before = document.text
        paths = paths_of(expected)
        op = data.draw(st.sampled_from(["set", "set-new", "unset", "append"]))
        if op in ("set", "unset") and paths:
            path = data.draw(st.sampled_from(paths))
        elif op == "append":
            lists = [p for p in paths if isinstance(lookup(expected, p), list)]
            if not lists:
                continue
            path = data.draw(st.sampled_from(lists))
        else:
            objects = [()] + [p for p in paths if isinstance(lookup(expected, p), dict)]
            parent = data.draw(st.sampled_from(objects))
            path = (*parent, data.draw(NEW_KEYS))
            op = "set-new" if path not in paths else "set"
        touched = lines_of_fields(before, path)
        model = copy.deepcopy(expected)
        value = data.draw(VALUES)
        try:
            if op in ("set", "set-new"):
                document.set(path, value)
                parent_node = lookup(model, path[:-1])
                parent_node[path[-1]] = value
            elif op == "unset":
                document.unset(path)
                del lookup(model, path[:-1])[path[-1]]
            else:
                if value == "":
                    continue
                document.append(path, value)
                lookup(model, path).append(value)
        except HoconError as refused:
            assert document.text == before, "a refused edit must not change the text"
            # Refusals must be explainable ones, not verification failures of our own making.
            assert "refusing" not in str(refused), str(refused)
            continue
        after = document.text
        actual = pyhocon_plain(after)
        if op == "unset" and not strict_equal(actual, model):
            # `a.b: 1` minus a.b leaves no `a` at all
            model = next((c for c in without_empty_parents(model, path) if strict_equal(actual, c)), model)
        assert strict_equal(actual, model), f"{op} {path} = {value!r}\n--- before\n{before}\n--- after\n{after}"
        expected = model
        removed, _ = changed_lines(before, after)
        if op in ("unset", "set"):
            allowance = allowed(before, touched, comments_above=op == "unset")
            assert removed <= allowance, f"{op} {path} removed {removed} outside lines {sorted(touched)}"
        else:  # an insertion or an append rewrites at most one line (a comma, or an inline container)
            assert sum(removed.values()) <= 1, f"{op} rewrote lines {removed}"


# --- planning an edit looks at the fields along its key only ----------------------------------------------------


def _plan(text: str, op: str, path: tuple[Any, ...], value: Any) -> Any:
    planner = Planner(parse(text)._tree, Style())
    try:
        return planner.set(path, value) if op == "set" else planner.unset(path)
    except HoconError as e:
        return type(e), str(e)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 200)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents(), st.data())
def test_an_edit_is_planned_alike_from_the_fields_along_its_key(text: str, data: st.DataObject) -> None:
    import clearml_cfg.hocon.edit as edit

    try:
        tree = parse(text).unresolved()
    except HoconError:
        assume(False)
    assume(isinstance(tree, dict))
    known = paths_of(tree)
    path = data.draw(
        st.one_of(
            st.sampled_from(known) if known else st.nothing(),
            st.sampled_from(known or [()]).flatmap(lambda p: NEW_KEYS.map(lambda k: (*p, k))),
            st.lists(st.sampled_from(["a", "b", "c", "x-y", "users"]), min_size=1, max_size=3).map(tuple),
        )
    )
    op, value = data.draw(st.sampled_from(["set", "unset"])), data.draw(VALUES)
    along = _plan(text, op, path, value)
    everything = edit.fields_along
    try:
        edit.fields_along = lambda node, base, _path: edit.fields_under(node, base)  # type: ignore[assignment]
        assert _plan(text, op, path, value) == along
    finally:
        edit.fields_along = everything
