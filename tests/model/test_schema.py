"""The registry of known keys agrees with the server's own default files."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import REFERENCE, needs_reference
from hypothesis import given
from hypothesis import strategies as st

from clearml_cfg.errors import InvalidValue
from clearml_cfg.hocon import Period, parse
from clearml_cfg.model import schema
from clearml_cfg.model.layout import discover
from clearml_cfg.model.merge import put_file

# Keys whose defaults live in the server's code, not in its default files.
IN_CODE = {("apiserver", "auth", "fixed_users", "enabled"), ("apiserver", "auth", "fixed_users", "pass_hashed")}


def reference_tree(component: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for config_file in discover(REFERENCE / "clearml-server" / component / "config" / "default"):
        put_file(tree, config_file.prefix, parse(config_file.path.read_text(encoding="utf-8")).to_dict())
    return tree


@needs_reference
@pytest.mark.parametrize(
    "setting", [s for s in schema.SETTINGS if s.default is not schema.NO_DEFAULT], ids=lambda s: ".".join(s.pattern)
)
def test_defaults_match_the_servers_default_files(setting: schema.Setting) -> None:
    if setting.pattern in IN_CODE:
        return
    tree = reference_tree("fileserver" if setting.pattern[0] == "fileserver" else "apiserver")
    if setting.pattern[0] == "fileserver":
        tree = {"fileserver": tree.get("fileserver", {})}
    node: Any = tree
    for segment in setting.pattern:
        assert isinstance(node, dict) and segment in node, f"{'.'.join(setting.pattern)} is not in the defaults"
        node = node[segment]
    assert node == setting.default


@needs_reference
def test_every_default_value_passes_its_own_check() -> None:
    for path, value in schema.walk(reference_tree("apiserver"), ()):
        assert not [p for p in schema.problems(path, value) if p[0] == path], (path, value)


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (("apiserver", "auth", "fixed_users", "users", 0, "password"), True),
        (("secure", "credentials", "apiserver", "user_key"), True),
        (("secure", "http", "session_secret", "apiserver"), True),
        (("services", "storage_credentials", "aws", "s3", "key"), True),
        (("services", "storage_credentials", "aws", "s3", "secret"), True),
        (("services", "storage_credentials", "azure", "storage", "containers", 0, "account_key"), True),
        (("services", "events", "events_retrieval", "scroll_id_key"), False),
        (("apiserver", "auth", "cookies", "domain"), False),
        (("services", "tasks", "hyperparam_values", "cache_ttl_sec"), False),
        (("services", "x", "db_password"), True),
        (("services", "x", "credentials", "user_key"), True),
        (("services", "organization", "ui_actions", "task", 0, "action", "headers", "Authorization"), True),
        (("services", "organization", "ui_actions", "task", 0, "action", "headers", "set-cookie"), True),
        (("services", "organization", "ui_actions", "task", 0, "action", "headers", "X-Auth-Token"), True),
        (("services", "organization", "ui_actions", "task", 0, "action", "headers", "Content-Type"), False),
        (("services", "organization", "ui_actions", "task", 0, "action", "url"), False),
        (("hosts", "elastic", "workers", "args", "http_auth"), True),
        (("services", "x", "pass"), True),
        (("services", "x", "pwd"), True),
        (("services", "x", "passphrase"), True),
        (("services", "x", "apikey"), True),
        (("services", "x", "api-key"), True),
        (("services", "x", "secretkey"), True),
        (("services", "x", "accesskey"), True),
        (("services", "x", "bearer"), True),
        (("services", "x", "credentials"), True),
        (("services", "x", "connection_string"), True),
        (("services", "x", "Mongo-Connection_String"), True),
        (("apiserver", "auth", "fixed_users", "pass_hashed"), False),
        (("apiserver", "cors", "supports_credentials"), False),
        (("services", "x", "password_file"), False),
        (("services", "x", "passes"), False),
    ],
)
def test_is_secret(path: tuple[Any, ...], secret: bool) -> None:
    assert schema.is_secret(path) is secret


def test_masked_hides_secrets_and_url_passwords() -> None:
    tree = {"users": [{"password": "p", "name": "n"}], "host": "mongodb://u:pw@h:1/db", "empty": {"password": ""}}
    assert schema.masked(tree) == {
        "users": [{"password": "********", "name": "n"}],
        "host": "mongodb://u:********@h:1/db",
        "empty": {"password": ""},
    }


def test_everything_under_a_secret_is_secret() -> None:
    tree = {"password": ["a", "b"], "session_secret": {"apiserver": "s"}, "name": "n"}
    assert schema.masked(tree) == {
        "password": ["********"] * 2,
        "session_secret": {"apiserver": "********"},
        "name": "n",
    }
    assert schema.masked("x", ("services", "x", "password", "a")) == "********"


@pytest.mark.parametrize(
    ("value", "valid"),
    [(7200, True), (Period(2, "hours", "2 hours"), False), (True, False), ("7200", False), (-1, False), (60.0, False)],
)
def test_seconds(value: object, valid: bool) -> None:
    assert (schema.seconds(value) is None) is valid


def _setting(*path: str) -> schema.Setting:
    found = schema.setting_for(path)
    assert found is not None
    return found


WATCHDOG_SEC = ("services", "tasks", "non_responsive_tasks_watchdog", "threshold_sec")


@pytest.mark.parametrize(
    ("path", "item", "meant"),
    [
        (WATCHDOG_SEC, Period(2, "hours", "2h"), "7200"),
        (WATCHDOG_SEC, 60.0, "60"),
        (WATCHDOG_SEC, "900", "900"),
        (WATCHDOG_SEC, Period(1, "months", "1 month"), None),  # no fixed length
        (WATCHDOG_SEC, Period(20, "years", "20y"), None),  # more than the server can wait
        (("apiserver", "auth", "cookies", "max_age"), Period(30, "days", "30d"), "2592000"),
        (("apiserver", "auth", "cookies", "secure"), "yes", "true"),
        (("apiserver", "auth", "cookies", "secure"), "Off", "false"),
        (("apiserver", "auth", "cookies", "secure"), "maybe", None),
        (("apiserver", "auth", "cookies", "samesite"), "strict", "Strict"),
        (("apiserver", "listen", "port"), "8008", "8008"),
        (("apiserver", "listen", "port"), 70000, None),
    ],
)
def test_the_value_meant_is_worked_out_when_it_can_be(path: tuple[str, ...], item: object, meant: str | None) -> None:
    setting = _setting(*path)
    assert schema.meant_value(setting, item) == meant
    if meant is not None:
        value = int(meant) if meant.isdigit() else {"true": True, "false": False}.get(meant, meant)
        assert setting.check is not None and setting.check(value) is None  # what it says to write is right


def test_every_problem_has_a_hint_and_the_code_check_reports() -> None:
    found = schema.problems(("apiserver", "auth", "cookies"), {"samesit": "Lax", "secure": "maybe"})
    assert [(p.where, p.code) for p in found] == [
        (("apiserver", "auth", "cookies"), "cookie-unknown-key"),
        (("apiserver", "auth", "cookies", "secure"), "cookie-invalid-value"),
    ]
    assert all(p.hint for p in found)
    watchdog = schema.problems(WATCHDOG_SEC, Period(2, "hours", "2h"))
    assert [p.code for p in watchdog] == ["watchdog-not-seconds"]


def test_validate_raises_the_code_of_the_problem() -> None:
    with pytest.raises(InvalidValue) as raised:
        schema.validate(("apiserver", "listen", "port"), 0)
    assert raised.value.code == "listen-invalid-value" and raised.value.hint


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mongodb://admin:pw1@mongo:27017/db", ["pw1"]),
        ("https://h/x?token=abc&y=1", ["abc"]),
        ("https://h/x?y=1&api-key=abc#top", ["abc"]),
        ("https://h/x?X-Amz-Signature=abc123", ["abc123"]),
        ("Authorization: Bearer eyJhbGci0iJIUzI1NiJ9", ["eyJhbGci0iJIUzI1NiJ9"]),
        ("Basic dXNlcjpwYXNzd29yZA1=", ["dXNlcjpwYXNzd29yZA1="]),
        ("basic settings for the bearer of news", []),
        ("Server=db;Database=x;Password=Pw1;", ["Pw1"]),
        ("password: SEKRIT", ["SEKRIT"]),
        ("a compass: north, tokens: 3", []),
        ("https://ci.example.com/run/${id}", []),
        ("ftp://user@host/file", []),
    ],
)
def test_value_secrets_by_what_a_value_is(text: str, found: list[str]) -> None:
    assert [text[start:end] for start, end in schema.value_secrets(text)] == found


@pytest.mark.parametrize(
    "text", ["a" * 300_000, "a://" * 75_000, "a://" + "b:" * 150_000, "?" + "&" * 300_000, "bearer " * 40_000]
)
def test_value_secrets_of_long_hostile_text_finds_nothing_it_should_not(text: str) -> None:
    # linear time: bench/bench_limits.py measures show of such values; here only the answer
    assert schema.value_secrets(text) == []


@given(st.lists(st.sampled_from(["a", "password", "x", "key", "s3", "headers", "Cookie", "secure", 0]), max_size=8))
def test_secret_at_or_above_is_is_secret_of_every_prefix(path: list[Any]) -> None:
    for start in range(len(path) + 1):
        expected = any(schema.is_secret(tuple(path[: i + 1])) for i in range(start, len(path)))
        assert schema.secret_at_or_above(tuple(path), start) is expected


def test_a_file_holding_a_url_password_holds_a_secret() -> None:
    assert schema.holds_secret({"host": "mongodb://u:pw@h/db"}, ("hosts", "mongo"))
    assert not schema.holds_secret({"host": "mongodb://h/db"}, ("hosts", "mongo"))
