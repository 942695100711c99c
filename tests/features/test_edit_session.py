"""features/edit: the note on top of a re-opened copy (which findings an edit brings: check/test_rules.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clearml_cfg.features.edit import MARK, with_note, without_note


@given(st.text(), st.lists(st.text(), max_size=3))
def test_the_note_comes_off_again(text: str, problems: list[str]) -> None:
    if text.startswith(MARK):
        return  # a file whose own first lines look like the note (never one the server reads as written)
    assert without_note(with_note(text, problems)) == text


def test_every_line_of_the_note_is_marked_and_a_partly_deleted_note_comes_off_too() -> None:
    noted = with_note("a: 1\n", ["x.conf:3:1: expected '}'\nline\n^"])
    lines = noted.splitlines(keepends=True)
    assert all(line.startswith(MARK) for line in lines[:-1]) and lines[-1] == "a: 1\n"
    assert without_note("".join(lines[2:])) == "a: 1\n"
    assert without_note("".join(lines[:2]).replace("\n", "\r\n") + "a: 1\r\n") == "a: 1\r\n"
