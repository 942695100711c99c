"""CLEARML__/TRAINS__ variables over the files' tree, and which variable decides a key."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from strategies import VALUES

from clearml_cfg.hocon import strict_equal
from clearml_cfg.views.environment import (
    EnvOverride,
    apply,
    env_name_problem,
    env_overrides,
    env_problem,
    env_text,
    ignored_env,
    parse_env_value,
    touching,
)

AUTH = ("apiserver", "auth")
ENABLED = (*AUTH, "fixed_users", "enabled")
USERS = (*AUTH, "fixed_users", "users")
FILES: dict[str, Any] = {
    "apiserver": {"auth": {"fixed_users": {"enabled": True, "users": [{"username": "jane"}]}, "x": 1}, "cors": {}}
}


def test_no_variable_touching_the_section_is_none() -> None:
    assert apply(FILES, {"CLEARML__APISERVER__CORS__ORIGINS": "*", "HOME": "/root"}, AUTH) is None
    assert apply(FILES, {}, AUTH) is None


def test_variables_come_in_the_servers_order() -> None:
    env = {"CLEARML__APISERVER__AUTH__X": "2", "TRAINS__APISERVER": "{}", "CLEARML__APISERVER__AUTH": "{}"}
    assert [v.name for v in touching(env, AUTH)] == [
        "TRAINS__APISERVER",
        "CLEARML__APISERVER__AUTH",
        "CLEARML__APISERVER__AUTH__X",
    ]


@pytest.mark.parametrize(
    ("env", "path", "variable", "value"),
    [
        ({"CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED": "false"}, ENABLED, "CLEARML__", False),
        ({"TRAINS__APISERVER__AUTH__FIXED_USERS__ENABLED": "false"}, USERS, None, [{"username": "jane"}]),
        ({"CLEARML__APISERVER__AUTH__FIXED_USERS": "5"}, ENABLED, "CLEARML__APISERVER__AUTH__FIXED_USERS", None),
        ({"CLEARML__APISERVER__AUTH": "{-fixed_users: {users: []}}"}, ENABLED, "CLEARML__APISERVER__AUTH", None),
        ({"CLEARML__APISERVER__AUTH": "{-fixed_users: {users: []}}"}, USERS, "CLEARML__APISERVER__AUTH", []),
        ({"CLEARML__APISERVER__AUTH": "{fixed_users: {users: []}}"}, ENABLED, None, True),
    ],
)
def test_the_variable_that_decides_a_key(env: dict[str, str], path: Any, variable: str | None, value: Any) -> None:
    found = apply(FILES, env, AUTH)
    assert found is not None
    decided = found.variable(path)
    assert decided is None if variable is None else decided is not None and decided.startswith(variable), decided
    assert found.value(path) == value
    assert FILES["apiserver"]["auth"]["fixed_users"]["enabled"] is True  # the files' tree is left alone


def test_a_value_the_server_cannot_parse_is_left_out_and_named() -> None:
    found = apply(FILES, {"CLEARML__APISERVER__AUTH__FIXED_USERS__USERS": "[{ username: x"}, AUTH)
    assert found is not None
    assert found.unreadable == ["CLEARML__APISERVER__AUTH__FIXED_USERS__USERS"]
    assert found.variable(USERS) is None


# --- the variables as the server reads them (SERVER-SEMANTICS §4) ------------------------------------------------


def test_overrides_come_trains_first_then_clearml_each_sorted_by_name() -> None:
    env = {"CLEARML__B": "1", "CLEARML__A__X": "2", "TRAINS__Z": "3", "clearml__c": "4", "CLEARML_X": "5"}
    assert [(o.variable, o.key) for o in env_overrides(env)] == [
        ("TRAINS__Z", "z"),
        ("CLEARML__A__X", "a.x"),
        ("CLEARML__B", "b"),
    ]
    assert env_overrides({"CLEARML__APISERVER___X": "1"})[0].key == "apiserver._x"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("007", 7),
        ("1.50", 1.5),
        ("null", None),
        ("yes", "yes"),
        ('"007"', "007"),
        ("[a,b]", ["a", "b"]),
        ("{a:1}", {"a": 1}),
        ("a b c", "a b c"),
        ("hello # c", "hello"),
    ],
)
def test_a_value_is_what_pyhocon_parses(text: str, value: Any) -> None:
    parsed = parse_env_value(EnvOverride("CLEARML__APISERVER__X", "apiserver.x", text))
    assert strict_equal(parsed, {"apiserver": {"x": value}})


def test_an_optional_substitution_of_nothing_leaves_the_key_unset() -> None:
    assert parse_env_value(EnvOverride("CLEARML__APISERVER__X", "apiserver.x", "${?CLEARML_CFG_TEST_UNSET}")) == {
        "apiserver": {}
    }


@pytest.mark.parametrize("text", ["x = 1", "a,b", '"open'])
def test_a_value_that_stops_the_server_is_an_error_blamed_on_the_value(text: str) -> None:
    override = EnvOverride("CLEARML__APISERVER__X", "apiserver.x", text)
    with pytest.raises(Exception) as caught:  # pyhocon raises many kinds
        parse_env_value(override)
    assert env_name_problem(override) is None
    message, hint = env_problem(override, caught.value)
    assert message and hint


@pytest.mark.parametrize(("name", "key"), [("CLEARML__", ""), ("CLEARML__A$B", "a$b")])
def test_a_name_that_makes_no_key_is_blamed_on_the_name(name: str, key: str) -> None:
    assert env_name_problem(EnvOverride(name, key, "1")) is not None


def test_variables_with_a_miscased_prefix_are_listed_with_the_right_one() -> None:
    assert ignored_env({"clearml__a": "1", "Trains__b": "2", "CLEARML__c": "3", "HOME": "/"}) == [
        ("Trains__b", "TRAINS__"),
        ("clearml__a", "CLEARML__"),
    ]


@settings(max_examples=25, deadline=None)  # pyhocon parses slowly; 1,500 examples passed when this was written
@given(VALUES)
def test_env_text_is_read_back_as_the_value(value: Any) -> None:
    name, key = "CLEARML__APISERVER__X", "apiserver.x"
    parsed = parse_env_value(EnvOverride(name, key, env_text(value, name, key)))
    assert strict_equal(parsed, {"apiserver": {"x": value}})


def test_a_plain_string_stays_bare_and_a_number_like_one_is_quoted() -> None:
    name, key = "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN", "apiserver.auth.cookies.domain"
    assert env_text(".example.com", name, key) == ".example.com"
    assert env_text("007", name, key) == '"007"'
    assert env_text("http://x/${id}", name, key) == '"http://x/${id}"'


def test_variables_merge_with_each_other_before_the_files() -> None:
    """SERVER-SEMANTICS §4: a top-level `-key` in a variable is dropped in the variables' own merge, so it merges
    into the files' section; a `-key` below replaces only what earlier variables built, then merges over the files."""
    top = apply(FILES, {"CLEARML__-APISERVER__AUTH__FIXED_USERS__ENABLED": "false"}, AUTH)
    assert top is not None and top.value(USERS) == [{"username": "jane"}] and top.value(ENABLED) is False
    env = {"CLEARML__APISERVER__AUTH__FIXED_USERS": "5", "CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED": "false"}
    merged = apply(FILES, env, AUTH)
    assert merged is not None and merged.value(USERS) == [{"username": "jane"}] and merged.value(ENABLED) is False


def test_a_dash_variable_above_the_section_is_one_that_touches_it() -> None:
    env = {"TRAINS__APISERVER__AUTH__X": "1", "CLEARML__-APISERVER__CORS": "{}"}
    assert [v.name for v in touching(env, AUTH)] == ["TRAINS__APISERVER__AUTH__X", "CLEARML__-APISERVER__CORS"]


def test_a_lone_dash_among_the_variables_is_the_servers_failure() -> None:
    env = {"CLEARML__APISERVER__AUTH": "{}", "CLEARML__APISERVER__AUTH__-": "5"}
    found = apply(FILES, env, AUTH)
    assert found is not None and found.unreadable == ["CLEARML__APISERVER__AUTH__-"]
    assert found.tree == FILES
