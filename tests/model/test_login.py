"""The server's login rules (model/login.py), as auth.py and fixed_user.py apply them."""

from __future__ import annotations

from typing import Any

import pytest

from clearml_cfg.hocon import Period
from clearml_cfg.model.login import GUEST_DEFAULTS, guest_user, not_sendable, truthy


@pytest.mark.parametrize(
    ("value", "on"),
    [
        *((True, True), ("false", True), ("yes", True), (1, True), (False, False), (0, False), ("", False)),
        *((None, False), ([], False), ({"a": 1}, True), (Period(0, "seconds", "0s"), False)),
        (Period(5, "minutes", "5m"), True),
    ],
)
def test_switches_are_tested_for_truth(value: Any, on: bool) -> None:
    assert truthy(value) is on


@pytest.mark.parametrize(("text", "found"), [("jane", None), ("jürgen ÿ", None), ("ann€", "U+20AC"), ("密", "U+5BC6")])
def test_a_login_carries_latin_1_only(text: str, found: str | None) -> None:
    assert not_sendable(text) == found


def test_the_guest_is_built_from_its_settings_over_the_defaults() -> None:
    assert guest_user({"password": "pw"}) == {
        "username": "guest",
        "password": "pw",
        "name": "Guest",
        "company": GUEST_DEFAULTS["default_company"],
        "is_guest": True,
    }
