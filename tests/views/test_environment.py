"""CLEARML__/TRAINS__ variables over the files' tree, and which variable decides a key."""

from __future__ import annotations

from typing import Any

import pytest

from clearml_cfg.views.environment import apply, touching

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
