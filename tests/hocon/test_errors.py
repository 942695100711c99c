"""Malformed input: one clear reason with line, column and a caret; never a crash."""

from __future__ import annotations

import pytest
from helpers import pyhocon_plain

from clearml_cfg.hocon import HoconSemanticError, HoconSyntaxError, parse
from clearml_cfg.hocon.parser import MAX_DEPTH


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("a {\n  b: 1\n", 3, 1, "expected '}' to close the object opened at 1:3, found end of file"),
        ("a {\n  b: 1\n]\n", 3, 1, "expected a key or '}' to close the object opened at 1:3, found ']'"),
        ("a: [1, 2\n", 2, 1, "expected ']' to close the list opened at 1:4, found end of file"),
        ("a: [1, =]\n", 1, 8, "expected ']' to close the list opened at 1:4, found '='"),
        ('a: "unterminated\nb: 2\n', 1, 4, "unterminated string"),
        ('a: """never closed\n', 1, 4, "unterminated triple-quoted string"),
        ("a: ${b\n", 1, 4, "'${' is not closed by '}'"),
        ("a: $b\n", 1, 4, "unexpected '$'"),
        ("a 1\n", 2, 1, "expected ':', '=' or '{' after the key 'a 1', found end of file"),
        ("a: 1\n}\n", 2, 1, "unexpected '}': no object is open here"),
        ("a: 1\n]\n", 2, 1, "unexpected ']': no list is open here"),
        ("{ a: 1 }\nb: 2\n", 2, 1, "unexpected 'b' after the closing '}' of the file"),
        ("a: x!\n", 1, 5, "expected a key, found '!'"),
        ('"k\n": 1\n', 1, 1, "unterminated quoted key"),
        ("..: 1\n", 1, 1, "has no name"),
        ("a: 1\n\ufeffb: 2\n", 2, 1, "expected a key, found a byte-order mark"),
        ("a: 1\n\x00: 2\n", 2, 1, "expected a key, found the character U+0000"),
    ],
)
def test_syntax_errors_say_where_and_why(text: str, line: int, column: int, reason: str) -> None:
    with pytest.raises(HoconSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason
    assert str(error).startswith(f"line {line}, column {column}: ")
    assert "\n" not in error.reason


@pytest.mark.parametrize("text", ["a {\n  b: 1\n", "a: [1, =]\n", "a: $b\n", "a: 1\n}\n", "a: x!\n"])
def test_what_we_refuse_pyhocon_refuses_too(text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - pyparsing's exceptions
        pyhocon_plain(text)


def test_excerpt_points_at_the_column() -> None:
    with pytest.raises(HoconSyntaxError) as caught:
        parse("ok: 1\nbad: [1, =]\n")
    assert caught.value.excerpt() == "bad: [1, =]\n         ^"


def test_excerpt_expands_tabs_to_keep_the_caret_aligned() -> None:
    with pytest.raises(HoconSyntaxError) as caught:
        parse("\t\tx: $y\n")
    assert caught.value.excerpt() == "  x: $y\n     ^"


@pytest.mark.parametrize("opener", ["{a: ", "[", "a {", "[{a: "])
def test_ten_thousand_levels_of_nesting_is_an_error_not_a_crash(opener: str) -> None:
    text = "a: " + opener * 10_000
    with pytest.raises(HoconSyntaxError, match=f"deeper than {MAX_DEPTH} levels"):
        parse(text)


def test_nesting_at_the_limit_parses() -> None:
    depth = MAX_DEPTH - 1
    text = "a: " + "{a: " * depth + "1" + "}" * depth
    document = parse(text)
    assert document.render() == text
    # pyhocon fails far earlier (see tests/hocon/test_pyhocon_fidelity.py): the text is kept, its reading refused
    with pytest.raises(HoconSemanticError, match="RecursionError"):
        document.get(("a",) * (depth + 1))
