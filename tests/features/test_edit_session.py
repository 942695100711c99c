"""features/edit: the note on top of a re-opened copy, and which findings an edit brings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from clearml_cfg.features.check.model import Finding, Severity
from clearml_cfg.features.edit import MARK, _new, with_note, without_note


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


def finding(code: str, message: str, line: int, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(code, severity, message, "hint", Path("/c/apiserver.conf"), line, 1)


def test_findings_that_only_moved_are_not_new() -> None:
    before = [finding("a", "x set in /c/apiserver.conf:3", 3), finding("b", "y", 4)]
    after = [finding("a", "x set in /c/apiserver.conf:2", 2), finding("b", "y", 3), finding("b", "y", 9)]
    assert _new(before, after) == [finding("b", "y", 9)]


def test_a_finding_of_another_severity_or_file_is_new() -> None:
    before = [finding("a", "m", 1, Severity.WARNING)]
    assert _new(before, [finding("a", "m", 1)]) == [finding("a", "m", 1)]
