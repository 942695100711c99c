"""Masking secrets in configuration text: driven by the parser, so that no way of writing a value leaks."""

from __future__ import annotations

import difflib
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import documents

from clearml_cfg.console import unified_diff
from clearml_cfg.hocon import Document, HoconSemanticError
from clearml_cfg.model import schema
from clearml_cfg.model.masking import diff_lines, mask_excerpt, mask_line, mask_source, mask_text

FIXED = ("apiserver",)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('password: "abc"\n', 'password: "********"\n'),
        ("password: 12345678\n", "password: ********\n"),
        ('password: """abc"""\n', 'password: """********"""\n'),
        ('password: """two\nlines"""\n', 'password: """********\n"""\n'),
        ("password: my very secret\n", "password: ********\n"),
        ('password: "x"Concat2\n', "password: ********\n"),
        ('password:\n    "next line"\n', 'password:\n    "********"\n'),
        ('password = "a" # x\n', 'password = "********" # x\n'),
        ("password: abc // not a secret\n", "password: ******** // not a secret\n"),
        ('password: "a"\r\nname: "b"\r\n', 'password: "********"\r\nname: "b"\r\n'),
        ('password: "a\x0cb"\n', 'password: "********\x0c"\n'),  # a line break to str.splitlines, not to HOCON
        ('password: ""\npasswd: null\n', 'password: ""\npasswd: null\n'),
        ("password: ${?PW}\n", "password: ${?PW}\n"),
        ('password: ${?PW}"x"\n', "password: ********\n"),
        ('password: ["a", "b"]\n', 'password: ["********", "********"]\n'),
        ('auth.fixed_users.users: [{username: "u", password: "p"}]\n', None),
        (
            'auth { token_secret: "t", cookies.domain: ".x.com" }\n',
            'auth { token_secret: "********", cookies.domain: ".x.com" }\n',
        ),
        (
            'session_secret { apiserver: "a", fileserver: "f" }\n',
            'session_secret { apiserver: "********", fileserver: "********" }\n',
        ),
        ('host: "mongodb://u:pw@h/db"\n', 'host: "mongodb://u:********@h/db"\n'),
        ('# password: "old"\n', '# password: "********"\n'),
        ('a { "password": "p" } { b: 1 }\n', 'a { "password": "********" } { b: 1 }\n'),
        ('headers { Authorization: "Bearer x", Accept: "json", X-Api-Key: k }\n', None),
    ],
)
def test_every_way_of_writing_a_secret(text: str, masked: str | None) -> None:
    if masked is None:
        masked = text.replace('"p"', '"********"').replace('"Bearer x"', '"********"').replace(" k ", " ******** ")
    assert mask_text(text, FIXED) == masked
    assert len(masked.splitlines()) == len(text.splitlines())


def test_the_files_key_prefix_decides() -> None:
    text = 'http.session_secret.apiserver: "s"\nauth.token_secret: "t"\ncredentials.a { user_key: "k" }\n'
    assert mask_text(text, ("secure",)).count('"********"') == 3
    assert mask_text('apiserver: "s"\n', ("secure", "http", "session_secret")) == 'apiserver: "********"\n'
    assert mask_text('apiserver: "s"\n', ("secure", "http")) == 'apiserver: "s"\n'
    assert mask_text('a: "s"\n', ("services", "x", "password")) == 'a: "********"\n'  # all of the file is secret


def test_text_that_does_not_parse_is_masked_line_by_line() -> None:
    assert mask_text('password: "a"\n{ broken\n', FIXED) == 'password: "********"\n{ broken\n'
    assert mask_line('  - password: "x", user_key = y') == '  - password: "********", user_key = ********'
    assert mask_line("CLEARML_AGENT_ACCESS_KEY=K1\n") == "CLEARML_AGENT_ACCESS_KEY=********\n"  # a .env line


def test_a_diff_compares_the_secrets_it_hides() -> None:
    shown, keys = diff_lines('a: 1\npassword: """x\ny"""\nb: 2', FIXED)
    assert shown == ["a: 1", 'password: """********', '"""', "b: 2"]
    assert keys[1] == 'password: """********\0"""x\ny"""' and keys[2] == '"""'
    lines = list(unified_diff("f", 'password: "old"\n', 'password: "new"\n', prefix=FIXED))
    assert lines[-2:] == ['-password: "********"', '+password: "********"']


def test_a_parse_error_excerpt_keeps_its_caret() -> None:
    assert (
        mask_excerpt('x = "a" password: "s" y = 1', 25)  # the `=` after y
        == 'x = "a" password: "********" y = 1\n' + " " * 31 + "^"
    )
    assert mask_excerpt('\tpassword: "s"x = 1', 16) == " password: ********\n           ^"
    assert mask_excerpt("a: [1, 2", 9) == "a: [1, 2\n        ^"


# --- properties ---------------------------------------------------------------------------------------------

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLACEHOLDER = "masked_value_xyz"  # longer than any generated unquoted string, and valid unquoted HOCON


def _expected(value: Any, path: tuple[Any, ...], inherited: bool = False) -> Any:
    secret = inherited or schema.is_secret(path)
    if isinstance(value, dict):
        return {k: _expected(v, (*path, k), secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_expected(v, (*path, i), secret) for i, v in enumerate(value)]
    return PLACEHOLDER if secret and value not in (None, "") else value


def _normalized(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return PLACEHOLDER if isinstance(value, str) and value.strip("\r\n") == PLACEHOLDER else value


@_SETTINGS
@given(documents())
def test_masking_replaces_exactly_the_secret_leaves(text: str) -> None:
    """Read back (with the mask made parseable), the masked text is the tree with each secret leaf replaced."""
    assume("${" not in text.replace('"${x}', ""))  # a substitution names a secret; it is not one
    text = text.replace("key_1", "password").replace("Cookies", "token")
    try:
        tree = Document(text).to_dict(resolve=False)
    except HoconSemanticError:
        assume(False)
    masked = mask_text(text, ())
    assert len(masked.splitlines()) == len(text.splitlines())  # every line stays where it was
    readable = masked.replace(schema.MASK, PLACEHOLDER)
    assert _normalized(Document(readable).to_dict(resolve=False)) == _expected(tree, ())


LINES = st.lists(st.sampled_from(["a: 1", "b: 2", "c {", "}", "", "  x: y", "# note", "d: [1, 2]"]), max_size=12)


@_SETTINGS
@given(LINES, LINES)
def test_a_diff_without_secrets_is_difflibs(old: list[str], new: list[str]) -> None:
    before, after = "".join(line + "\n" for line in old), "".join(line + "\n" for line in new)
    expected = list(difflib.unified_diff(old, new, "a/f", "b/f", lineterm="", n=3))
    assert list(unified_diff("f", before, after, prefix=FIXED)) == expected
    assert list(unified_diff("f", before, after, show_secrets=True)) == expected


# --- error excerpts: what the lines before a line say about it ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "prefix", "shown"),
    [
        ('a: 1\npassword:\n  "SECRET\n', 3, 3, ("apiserver",), "  ********\n  ^"),
        ('a: 1\npassword: """SECRET\nmore\n', 2, 11, ("apiserver",), "password: ********\n          ^"),
        (
            'http {\n  session_secret {\n    apiserver: "S\n',
            3,
            16,
            ("secure",),
            "    apiserver: ********\n" + " " * 15 + "^",
        ),
        ('auth.token_secret: x"S', 1, 21, ("secure",), "auth.token_secret: ********\n" + " " * 19 + "^"),
        ('name: "x\x1b[2J" "y\n', 1, 16, ("apiserver",), 'name: "x\\u001b[2J" "y\n' + " " * 20 + "^"),
        ('url: "mongodb://u:pw@h" }\n', 1, 25, ("hosts",), 'url: "mongodb://u:********@h" }\n' + " " * 30 + "^"),
    ],
    ids=["value on the next line", "triple-quoted", "inside a secret block", "by path", "control characters", "url"],
)
def test_mask_source_follows_what_comes_before(
    text: str, line: int, column: int, prefix: tuple[str, ...], shown: str
) -> None:
    assert mask_source(text, line, column, prefix) == shown


def test_mask_source_shows_a_long_line_around_its_caret() -> None:
    text = "k." * 100_000 + "k: 1\n"
    excerpt, caret = mask_source(text, 1, 150_000, ()).split("\n")
    assert excerpt == "..." + text[149_899:150_099] + "..."
    assert caret == " " * 103 + "^"
