"""features/env.py: the variable that sets a key, and an assignment the server reads back as the value meant."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from ruamel.yaml import YAML

from clearml_cfg.errors import UsageError
from clearml_cfg.features.env import assignment, key_of, variable_for
from clearml_cfg.hocon import strict_equal
from clearml_cfg.model.values import ValueType, parse_value
from clearml_cfg.views.environment import EnvOverride, parse_env_value

DOMAIN = ("apiserver", "auth", "cookies", "domain")


def read_back(name: str, text: str, path: tuple[Any, ...]) -> Any:
    parsed = parse_env_value(EnvOverride(name, ".".join(str(s) for s in path), text))
    for segment in path:
        parsed = parsed[segment]
    return parsed


@pytest.mark.parametrize(
    "value",
    [
        ".example.com",
        "007",
        "",
        " padded ",
        "http://x/${id}",
        'say "hi"',
        "$HOME",
        7,
        1.5,
        True,
        None,
        [1, "a"],
        {"a": 1},
    ],
)
def test_an_assignment_gives_the_server_the_value(value: Any) -> None:
    made = assignment(DOMAIN, value, str(value))
    assert made.name == "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN"
    assert strict_equal(read_back(made.name, made.text, DOMAIN), value)
    name, shell_text = made.shell.split("=", 1)
    assert name == made.name and shlex.split(shell_text or "''") == [made.text]
    compose = YAML(typ="safe").load(made.compose)
    assert compose[made.name].replace("$$", "$") == made.text  # compose turns `$$` into `$`
    assert made.as_json() == {
        "key": "apiserver.auth.cookies.domain",
        "name": made.name,
        "value": made.text,
        "shell": made.shell,
        "exportable": True,
        "compose": made.compose,
    }


@pytest.mark.parametrize(
    ("typed", "kind"), [("1e999", ValueType.json), ('{"": 1}', ValueType.json), ("${HOME}", ValueType.hocon)]
)
def test_a_value_no_variable_can_carry_is_a_usage_error(typed: str, kind: ValueType) -> None:
    """An infinite number, an empty key, an unresolved substitution: HOCON cannot write them back (the
    substitution is refused as soon as VALUE is read)."""
    with pytest.raises(UsageError):
        value, _ = parse_value(typed, kind)
        assignment(DOMAIN, value, typed)


@pytest.mark.parametrize("path", [("apiserver", "Upper"), ("apiserver", "x.y"), ("apiserver", "a b")])
def test_a_key_no_variable_can_set(path: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        variable_for(path)


def test_variable_for_and_key_of_go_both_ways() -> None:
    name = variable_for(DOMAIN)
    assert key_of(name) == "apiserver.auth.cookies.domain"
    assert key_of("TRAINS__APISERVER__X") == "apiserver.x"


@pytest.mark.parametrize("name", ["clearml__apiserver__x", "CLEARML__", "TRAINS__", "HOME", "CLEARML_X"])
def test_a_name_the_server_ignores_or_refuses(name: str) -> None:
    with pytest.raises(UsageError):
        key_of(name)
