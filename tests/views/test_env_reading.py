"""Variables read many at a time (``read_env_values``) read exactly as each reads alone, as the server reads it."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearml_cfg.hocon import strict_equal
from clearml_cfg.views import environment
from clearml_cfg.views.environment import EnvOverride, parse_env_value, read_env_values
from clearml_cfg.views.server_reading import plain, pyhocon_factory

KEYS = st.sampled_from(["a", "apiserver.auth.cookies.domain", "x.-cors", "k_1.2", "a.b", "true", "s-x.y", "A"])
TRICKY = [
    *["007", "1.50", "5", "-5", "5 ", " 5", "true", "yes", "null", "10s", "10 minutes", "5m", "1e3", "0.5.1"],
    *["a b c", "hello # c", "x // y", "#c", "[a,b]", "[1,", "]", "{a: 1}", "{", "}", "a,b", "a,", ",", "x = 1"],
    *['"007"', '"a\\"b"', '"unclosed', '"""t"""', '"""', "a\\", "a\\nb", "\\", "${HOME}", "${?NOPE}", "include x"],
    *["a\tb", '"a\tb"', "", " ", "a\nb", "x:y", "http://h:1/p", "*", "********", "[1, [2, {a: 3}]]", "{a: [1]} x"],
    *["_clearml_cfg_0", "a.b", "-", "+", "=", "{a.b.c: 1, -d: 2}", "[]", "{}", "1 2", "true x", "null x"],
]
ADDRESS = re.compile(r"0x[0-9a-f]+")
VALUES = st.one_of(
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from([*TRICKY, " ", ",", "[", "]", "{", "}", ":", "#", "x", "1"]), max_size=4).map("".join),
)


def alone(key: str, value: str) -> tuple[str, Any]:
    try:
        return "ok", plain(pyhocon_factory().parse_string(f"{key}: {value}"))
    except Exception:
        return "error", None


def read(key: str, value: str) -> tuple[str, Any]:
    try:
        return "ok", parse_env_value(EnvOverride("CLEARML__X", key, value))
    except Exception:
        return "error", None


def same(a: Any, b: Any) -> bool:
    """Equal, in type and in key order (pyhocon's junk, the repr of one of its objects, at any address)."""
    if isinstance(a, str) and isinstance(b, str):
        return ADDRESS.sub("0x", a) == ADDRESS.sub("0x", b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return strict_equal(a, b)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 100)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(KEYS, VALUES), min_size=2, max_size=6))
def test_a_batch_reads_each_text_as_it_reads_alone(monkeypatch: pytest.MonkeyPatch, pairs: list[Any]) -> None:
    monkeypatch.setattr(environment, "_READ", {})
    read_env_values(pairs)
    for key, value in pairs:
        ours, theirs = read(key, value), alone(key, value)
        assert ours[0] == theirs[0] and same(ours[1], theirs[1]), f"{key}: {value!r}: {ours} != {theirs}"


def test_plain_texts_are_read_in_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment, "_READ", {})
    texts = [("a.b", "007"), ("c", "[x, y]"), ("d.-e", "{f: 1}"), ("g", '"s"'), ("h", "10 minutes"), ("i", "null")]
    expected = [alone(key, value)[1] for key, value in texts]
    parses = []
    factory = pyhocon_factory()
    real = factory.parse_string
    monkeypatch.setattr(factory, "parse_string", lambda text, *a, **k: parses.append(text) or real(text, *a, **k))
    read_env_values([*texts, ("j", "a,b"), ("k", "${HOME}")])  # refused by our reading; not pure: alone
    assert len(parses) == 1
    for (key, value), wanted in zip(texts, expected, strict=True):
        assert same(parse_env_value(EnvOverride("CLEARML__X", key, value)), wanted)
    assert len(parses) == 1
    assert read("j", "a,b")[0] == "error" and len(parses) == 2


def test_a_value_read_is_a_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment, "_READ", {})
    first = parse_env_value(EnvOverride("CLEARML__A", "a", "{b: [1]}"))
    first["a"]["b"].append(2)
    assert parse_env_value(EnvOverride("CLEARML__A", "a", "{b: [1]}")) == {"a": {"b": [1]}}
