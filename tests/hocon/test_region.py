"""An edited text read again where it changed (hocon/region.py): exactly what reading it whole gives, or nothing."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from strategies import NEW_KEYS, VALUES, documents

from clearml_cfg.hocon import HoconError, parse
from clearml_cfg.hocon import document as document_module
from clearml_cfg.hocon.edit import fields_under
from clearml_cfg.hocon.evaluate import evaluate
from clearml_cfg.hocon.parser import parse_tree
from clearml_cfg.hocon.region import changed_span, read_locally
from clearml_cfg.hocon.syntax import ObjectNode

PIECES = st.sampled_from(
    [
        *'ab1 \n{}[]:=,#"\\$.-+/\r\t',
        *['"""', "//", "\r\n", "\n  ", "x: 1\n", "}\n", "  a { b: 2 }\n", "10 s", "5", "ms", "true", "null"],
        *['include "x"', "${a}", "+= [1]", "a.b: 3", "a: 1, b: 2", '"x\ty"'],
    ]
)


def same(a: Any, b: Any) -> bool:
    """Equal in type, value and key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def whole(text: str) -> tuple[Any, int]:
    tree = parse_tree(text)
    return evaluate(tree, resolve=False), tree.depth


@pytest.mark.parametrize(
    ("old", "new", "span"),
    [
        ("abc", "abc", (3, 3, 3)),
        ("abc", "abXc", (2, 2, 3)),
        ("abc", "ac", (1, 2, 1)),
        ("", "x", (0, 0, 1)),
        ("aaaa", "aa", (2, 4, 2)),
        ("x" * 9000 + "1" + "y" * 9000, "x" * 9000 + "22" + "y" * 9000, (9000, 9001, 9002)),
    ],
)
def test_the_changed_span(old: str, new: str, span: tuple[int, int, int]) -> None:
    assert changed_span(old, new) == span


@given(st.text("ab\n", max_size=40), st.text("ab\n", max_size=40))
def test_the_changed_span_is_all_that_differs(old: str, new: str) -> None:
    start, old_end, new_end = changed_span(old, new)
    assert old[:start] == new[:start] and old[old_end:] == new[new_end:]
    assert 0 <= start <= old_end <= len(old) and start <= new_end <= len(new)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 600)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents(), st.data())
def test_any_change_inside_an_entry_reads_as_the_whole_text_reads(text: str, data: st.DataObject) -> None:
    text = text.replace("\t", "    ")
    try:
        tree = parse_tree(text)
        meaning = evaluate(tree, resolve=False)
    except HoconError:
        assume(False)
    assume(isinstance(tree.root, ObjectNode))
    refs = fields_under(tree.root, ())
    assume(refs)
    field = data.draw(st.sampled_from(refs)).field
    edges = sorted({field.start, field.end, field.key.end, field.value.start, field.value.end, field.end + 1})
    start = data.draw(st.sampled_from([e for e in edges if e <= len(text)]) | st.integers(field.start, field.end))
    end = data.draw(st.integers(start, min(len(text), start + 6)))
    new = text[:start] + "".join(data.draw(st.lists(PIECES, max_size=4))) + text[end:]
    local = read_locally(tree, meaning, new)
    if local is None:
        return
    note(f"{text!r}\n{new!r}")
    try:
        expected, depth = whole(new)
    except HoconError as e:
        raise AssertionError(f"read in part, but refused whole: {e}") from e
    assert same(local[0], expected)
    assert local[1] >= depth


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 150)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents(), st.data())
def test_after_every_edit_the_document_means_what_its_text_means(text: str, data: st.DataObject) -> None:
    try:
        document = parse(text)
        meaning = document.unresolved()
    except HoconError:
        assume(False)
    assume(isinstance(meaning, dict))
    for _ in range(data.draw(st.integers(1, 4))):
        known = [k for k in _paths(document.unresolved()) if all(isinstance(s, str) for s in k)] + [()]
        path = data.draw(st.sampled_from(known).flatmap(lambda p: st.just(p) | NEW_KEYS.map(lambda n: (*p, n))))
        if not path:
            continue
        op, value = data.draw(st.sampled_from(["set", "unset"])), data.draw(VALUES)
        with contextlib.suppress(HoconError):  # a refused edit leaves the document as it was: checked all the same
            document.set(path, value) if op == "set" else document.unset(path)
        expected, depth = whole(document.text)
        assert same(document.unresolved(), expected), f"{op} {path} = {value!r}\n{document.text}"
        assert document._depth >= depth
        assert document.render() == document.text


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    return found


@pytest.mark.parametrize(
    ("edit", "shows"),
    [
        (lambda d: d.set(("service_7", "threshold_sec"), 600), "threshold_sec: 600"),
        (lambda d: d.set(("service_9", "retry", "max"), 3), "max: 3"),  # a new block inside one entry
        (lambda d: d.unset(("service_11", "tags")), "threshold_sec: 7200\n}\n\nservice_12"),
    ],
)
def test_an_edit_in_a_large_file_is_verified_without_reading_the_file_again(
    monkeypatch: pytest.MonkeyPatch, edit: Any, shows: str
) -> None:
    block = 'service_{n} {{\n    enabled: true  # on\n    threshold_sec: 7200\n    tags: [a, "b c"]\n}}\n\n'
    document = parse("# services\n" + "".join(block.format(n=n) for n in range(200)))
    document.unresolved()
    whole_readings = []
    real = document_module.parse_tree
    monkeypatch.setattr(document_module, "parse_tree", lambda t: whole_readings.append(t) or real(t))
    edit(document)
    assert whole_readings == []
    assert shows in document.text
    monkeypatch.undo()
    assert same(document.unresolved(), whole(document.text)[0])


@pytest.mark.parametrize(
    "text",
    [
        "a { x: 1 }\na { y: 2 }\n",  # the key is written twice: both entries decide it
        "b: 1\na { x: ${b} }\n",  # a substitution: the value depends on another entry
        'include "other.conf"\na { x: 1 }\n',  # an include may bring the same key
        "a {\n\tx: 1\n}\n",  # tabs: the server reads the text with them expanded
    ],
)
def test_documents_where_an_entry_does_not_decide_its_key_alone_are_read_whole(text: str) -> None:
    tree = parse_tree(text)
    new = text.replace("x: 1", "x: 2")
    assert read_locally(tree, evaluate(tree, resolve=False), new) is None


def test_a_text_without_include_or_append_needs_no_parse_to_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """After an edit verified in part the syntax tree is gone; `check`'s rules still ask for includes and block
    appends, which a text without the words cannot hold."""
    document = parse("# the first line\na {\n  b: 1\n}\nc: 2\n")
    document.unresolved()
    whole_readings: list[str] = []
    real = document_module.parse_tree
    monkeypatch.setattr(document_module, "parse_tree", lambda t: whole_readings.append(t) or real(t))
    document.set("a.b", 5)
    assert document.include_statements() == [] and document.appends_in_blocks() == []
    assert whole_readings == [] and document.text == "# the first line\na {\n  b: 5\n}\nc: 2\n"


def test_includes_and_block_appends_are_still_found_after_an_edit() -> None:
    document = parse('include "extra.conf"\na {\n  b: 1\n}\nc {\n  d += [1]\n}\n')
    document.set("a.b", 5)
    [(base, location, include)] = document.include_statements()
    assert (base, location.line, include.target) == ((), 1, "extra.conf")
    [append] = document.appends_in_blocks()
    assert append.path == ("c", "d")
