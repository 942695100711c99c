"""Test number one: parse then render gives back every byte, for every file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import HOCON_FIXTURES, needs_reference, reference_files

from clearml_cfg.hocon import parse
from clearml_cfg.hocon.parser import parse_tree


def assert_lossless(text: str) -> None:
    document = parse(text)
    assert document.render() == text
    assert str(document) == text
    tokens = parse_tree(text).tokens
    # the tokens tile the text: no gap, no overlap
    position = 0
    for token in tokens:
        assert token.start == position
        position = token.end
    assert position == len(text)


@pytest.mark.parametrize("path", HOCON_FIXTURES, ids=lambda p: p.name)
def test_fixture_round_trips(path: Path) -> None:
    assert_lossless(path.read_text(encoding="utf-8"))


@needs_reference
@pytest.mark.parametrize("path", reference_files(), ids=lambda p: str(p.name))
def test_reference_file_round_trips(path: Path) -> None:
    assert_lossless(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", HOCON_FIXTURES, ids=lambda p: p.name)
def test_crlf_round_trips(path: Path) -> None:
    # a line continuation stays a backslash before LF: before a CR, pyhocon reads the backslash as an escape
    data = path.read_bytes().replace(b"\\\n", b"\0").replace(b"\n", b"\r\n").replace(b"\0", b"\\\n")
    text = data.decode("utf-8")
    assert_lossless(text)
    assert parse(text).render().encode("utf-8") == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n",
        b"   \t  ",
        b"# only a comment",
        b"// only a comment\r\n",
        b"a: 1",  # no final newline
        b"a: 1\n\n\n",
        b"\xef\xbb\xbfa: 1\n",  # UTF-8 byte-order mark
        b"a {\r\n  b: 1\n}\r",  # mixed line endings, lone CR at the end
        b"\ta:\t1\t# tabs everywhere\n",
        b"a=1,b=2,,c=3\n",
        b'{ "a": 1 }\n',
        b"[1, 2, 3]",
        b'x: "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"\n',  # multi-byte characters
        b'a: """\n  multi\n"""\n',
        b"a: ${?X} ${?Y}\n",
        b"a = \\\n 1\n",
    ],
)
def test_edge_texts_round_trip(data: bytes) -> None:
    text = data.decode("utf-8")
    assert_lossless(text)
    assert parse(text).render().encode("utf-8") == data


def test_bom_is_kept_and_reported() -> None:
    document = parse("\ufeffa: 1\n")
    assert document.has_bom
    assert document.get("a") == 1
    document.set("a", 2)
    assert document.text == "\ufeffa: 2\n"
