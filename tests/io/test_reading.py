"""io/reading.py: a file's exact text or one located error, and the Reader that reads and parses each file once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from config_files import write

from clearml_cfg.errors import ConfigReadError
from clearml_cfg.hocon import Document
from clearml_cfg.io import reading
from clearml_cfg.io.reading import Reader, parse_document, read_text, resolved_tree

as_root = os.geteuid() == 0


def test_the_text_is_exactly_what_is_on_disk(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", b"a: 1\r\nb: \xc3\xa9\rc: 2")
    assert read_text(path) == "a: 1\r\nb: é\rc: 2"


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "nope.conf")


def test_a_byte_order_mark_is_refused_at_1_1(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", b"\xef\xbb\xbfa: 1\n")
    with pytest.raises(ConfigReadError) as caught:
        read_text(path)
    assert (caught.value.code, caught.value.path, caught.value.line, caught.value.column) == (
        "byte-order-mark",
        path,
        1,
        1,
    )


def test_a_byte_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", b"a: 1\nbb: x\xffy\n")
    with pytest.raises(ConfigReadError) as caught:
        read_text(path)
    assert (caught.value.code, caught.value.line, caught.value.column) == ("not-utf8", 2, 6)


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.conf", "a: 1\n" * 30)
    monkeypatch.setattr(reading.os, "read", lambda fd, size: pytest.fail("read a file that is too large"))
    with pytest.raises(ConfigReadError) as caught:
        reading.read_regular(path, 100)
    assert caught.value.path == path and "far too large" in caught.value.message


@pytest.mark.parametrize("kind", ["directory", "dangling link", "link loop"])
def test_what_is_not_a_readable_file_is_an_error_naming_it(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "a.conf"
    if kind == "directory":
        path.mkdir()
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "nowhere.conf")
    else:
        path.symlink_to(tmp_path / "b.conf")
        (tmp_path / "b.conf").symlink_to(path)
    with pytest.raises(ConfigReadError) as caught:
        read_text(path)
    assert caught.value.path == path
    assert caught.value.hint


@pytest.mark.skipif(as_root, reason="root reads any file")
def test_a_file_without_read_permission(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", "a: 1\n")
    path.chmod(0)
    with pytest.raises(ConfigReadError) as caught:
        read_text(path)
    assert caught.value.path == path


def test_a_permission_error_is_a_read_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.conf", "a: 1\n")

    def denied(name: object, flags: int, *args: Any) -> int:
        raise PermissionError(13, "Permission denied", str(name))

    monkeypatch.setattr(reading.os, "open", denied)
    with pytest.raises(ConfigReadError) as caught:
        read_text(path)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("a {\n  b: 1\n", 3, 1), ("a: [1,\n", 2, 1), ('a: "x\n', 1, 4), ("a: 1\na.b: 2\n", 2, 1)],
)
def test_a_text_that_does_not_parse_is_located(tmp_path: Path, text: str, line: int, column: int) -> None:
    with pytest.raises(ConfigReadError) as caught:
        parse_document(tmp_path / "a.conf", text)
    assert (caught.value.code, caught.value.line, caught.value.column) == ("parse-error", line, column)


def test_a_substitution_that_does_not_resolve_is_located_on_its_line(tmp_path: Path) -> None:
    document = parse_document(tmp_path / "a.conf", "a: 1\nb {\n  c: ${nope}\n}\n")
    with pytest.raises(ConfigReadError) as caught:
        resolved_tree(tmp_path / "a.conf", document, {})
    assert (caught.value.line, caught.value.column) == (3, 6)
    assert resolved_tree(tmp_path / "a.conf", document, {"nope": "x"}) == {"a": 1, "b": {"c": "x"}}


# --- the Reader ---------------------------------------------------------------------------------------------


class Counted:
    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.calls: list[Path] = []

    def __call__(self, path: Path, *args: Any) -> Any:
        self.calls.append(path)
        return self.real(path, *args)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> tuple[Counted, Counted]:
    reads, parses = Counted(reading.read_stamped), Counted(reading.parse_document)
    monkeypatch.setattr(reading, "read_stamped", reads)
    monkeypatch.setattr(reading, "parse_document", parses)
    return reads, parses


def test_each_file_is_read_and_parsed_once(tmp_path: Path, counted: tuple[Counted, Counted]) -> None:
    reads, parses = counted
    path = write(tmp_path / "a.conf", "a: 1\n")
    reader = Reader()
    texts = {reader.text(path), reader.text(tmp_path / "." / "a.conf")}
    documents = {id(reader.document(path)) for _ in range(3)}
    assert texts == {"a: 1\n"} and len(documents) == 1
    assert (len(reads.calls), len(parses.calls)) == (1, 1)


@pytest.mark.parametrize("data", [b"\xef\xbb\xbfa: 1\n", b"a: {\n"])
def test_a_failure_is_kept_like_a_result(tmp_path: Path, counted: tuple[Counted, Counted], data: bytes) -> None:
    reads, parses = counted
    path = write(tmp_path / "a.conf", data)
    reader = Reader()
    errors = []
    for _ in range(3):
        with pytest.raises(ConfigReadError) as caught:
            reader.document(path)
        errors.append(caught.value)
    assert errors[0] is errors[1] is errors[2]
    assert len(reads.calls) == 1 and len(parses.calls) <= 1


def test_a_missing_file_is_not_remembered(tmp_path: Path) -> None:
    reader = Reader()
    path = tmp_path / "a.conf"
    with pytest.raises(FileNotFoundError):
        reader.text(path)
    write(path, "a: 1\n")
    assert reader.document(path).to_dict() == {"a": 1}


def test_derived_is_computed_once_per_text(tmp_path: Path) -> None:
    reader = Reader()
    path = tmp_path / "a.conf"
    made: list[str] = []

    def make(text: str) -> Callable[[], str]:
        def compute() -> str:
            made.append(text)
            return text.upper()

        return compute

    first = "a: 1\n"
    assert reader.derived(path, "upper", first, make(first)) == "A: 1\n"
    assert reader.derived(path, "upper", first, make(first)) == "A: 1\n"
    assert reader.derived(path, "lower", first, lambda: first.lower()) == "a: 1\n"  # another kind, its own value
    document = Document(first)
    document.set(("a",), 2)  # an edit: a new text
    assert reader.derived(path, "upper", document.text, make(document.text)) == "A: 2\n"
    assert made == ["a: 1\n", "a: 2\n"]
