from __future__ import annotations

import pytest

from clearml_cfg.hocon import format_path, parse_path
from clearml_cfg.hocon.paths import PathError


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("a", ("a",)),
        ("apiserver.auth.cookies.domain", ("apiserver", "auth", "cookies", "domain")),
        ('a."x.y".b', ("a", "x.y", "b")),
        ('headers."Content-Type"', ("headers", "Content-Type")),
        ("users[0].password", ("users", 0, "password")),
        ("m[1][2]", ("m", 1, 2)),
        ('"quote \\" in".k', ('quote " in', "k")),
        ("-cors.origins", ("-cors", "origins")),
        ("a b.c", ("a b", "c")),
    ],
)
def test_parse_path(text: str, path: tuple[object, ...]) -> None:
    assert parse_path(text) == path


@pytest.mark.parametrize("path", [("a",), ("a", "x.y", "b"), ("users", 0, "name"), ('q"uote',), (" padded ",), ("",)])
def test_format_path_round_trips(path: tuple[object, ...]) -> None:
    assert parse_path(format_path(path)) == path  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("a..b", "empty part"), ("a.", "ends with"), ('a."b', "unterminated"), ("a[x]", "cannot be read")],
)
def test_bad_paths(text: str, message: str) -> None:
    with pytest.raises(PathError, match=message):
        parse_path(text)
