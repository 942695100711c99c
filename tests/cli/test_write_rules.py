"""Every write is held to the rules `check` applies: an edit that adds a `check` error is refused with that
finding's code (exit 2, every file byte-for-byte as it was) unless --force; one that adds a warning is written and
the warning shown with its code."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import bcrypt
import pytest
from conftest import Run, write

PLAIN = """auth {
  fixed_users {
    enabled: true
    pass_hashed: false
    users: [
      { username: "jane", password: "12345678", name: "Jane Doe" }
    ]
  }
}
"""
HASH = base64.b64encode(bcrypt.hashpw(b"12345678", bcrypt.gensalt(4))).decode("ascii")
HASHED = PLAIN.replace("pass_hashed: false", "pass_hashed: true").replace('"12345678"', f'"{HASH}"')

USERS = "apiserver.auth.fixed_users.users"
ACTIONS = "services.organization.ui_actions"

# code -> (apiserver.conf before, arguments of the write that adds the finding)
ERRORS: dict[str, tuple[str, list[str]]] = {
    "misspelt-key": ("", ["set", "apiserver.listen.prot", "8008"]),
    "listen-invalid-value": ("", ["set", "apiserver.listen.port", "70000"]),
    "watchdog-not-seconds": ("", ["set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "2h"]),
    "cookie-invalid-value": ("", ["set", "apiserver.auth.cookies.max_age", "30d"]),
    "cookie-unknown-key": ("", ["set", "apiserver.auth.cookies.samesit", "Lax"]),
    "cookie-domain-not-a-host": ("", ["set", "apiserver.auth.cookies.domain", "https://clearml.example.com:8080/"]),
    "fixed-user-bad-hash": (PLAIN, ["set", "apiserver.auth.fixed_users.pass_hashed", "true"]),
    "fixed-user-hash-in-plain-mode": (HASHED, ["set", "apiserver.auth.fixed_users.pass_hashed", "false"]),
    "fixed-users-unknown-key": (PLAIN, ["set", "apiserver.auth.fixed_users.pass_hashd", "true"]),
    "fixed-users-invalid-mode": (PLAIN, ["set", "apiserver.auth.fixed_users.pass_hashed", "yes", "--type", "string"]),
    "fixed-user-missing-key": (PLAIN, ["set", USERS, "[{username: ada}]"]),
    "fixed-user-invalid-entry": (PLAIN, ["set", USERS, "[5]"]),
    "fixed-user-unquoted-username": (PLAIN, ["set", USERS, '[{username: 12, password: "x", name: y}]']),
    "fixed-user-unquoted-password": (PLAIN, ["set", USERS, '[{username: "a", password: 1234, name: y}]']),
    "fixed-user-unknown-key": (PLAIN, ["set", USERS, '[{username: "a", password: "p", name: "n", role: x}]']),
    "fixed-user-duplicate": (
        PLAIN,
        ["set", USERS, "[{username: a, password: p, name: n}, {username: a, password: q, name: m}]"],
    ),
    "ui-action-bad-method": ("", ["set", f"{ACTIONS}.task", '[{name: x, action: {method: FOO, url: "http://x"}}]']),
    "ui-action-unknown-object": ("", ["set", f"{ACTIONS}.tsk", '[{name: x, action: {method: GET, url: "http://x"}}]']),
}

# code -> (apiserver.conf before, arguments of the write that adds the warning)
WARNINGS: dict[str, tuple[str, list[str]]] = {
    "cookie-domain-local": ("", ["set", "apiserver.auth.cookies.domain", "localhost"]),
    "cookie-domain-no-dot": ("", ["set", "apiserver.auth.cookies.domain", "clearml.example.com"]),
    "cookie-secure-without-https": ("", ["set", "apiserver.auth.cookies.secure", "true"]),
    "cors-wildcard-credentials": ("", ["set", "apiserver.cors", '{origins: "*", supports_credentials: true}']),
    "fixed-users-not-enabled": (PLAIN, ["set", "apiserver.auth.fixed_users.enabled", "false"]),
    "secure-default-credentials": (
        "",
        ["set", "secure.credentials.apiserver.user_key", "EGRTCO8JMSIGI6S39GTP43NFWXDQOW"],
    ),
}


def _files(config_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(config_dir)): p.read_bytes() for p in sorted(config_dir.rglob("*")) if p.is_file()}


def _codes(cli: Run, severity: str) -> list[str]:
    found = json.loads(cli("check", "--json").out)
    return sorted(f["code"] for f in found if f["severity"] == severity)


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_a_write_that_adds_a_check_error_is_refused_with_its_code(cli: Run, config_dir: Path, code: str) -> None:
    text, args = ERRORS[code]
    if text:
        write(config_dir / "apiserver.conf", text)
    before = _files(config_dir)
    errors_before = _codes(cli, "error")
    result = cli(*args, "--json")
    assert result.code == 2, result
    assert json.loads(result.out)["error"]["code"] == code, result
    assert _files(config_dir) == before
    forced = cli(*args, "--force")
    assert forced.code == 0, forced
    assert _codes(cli, "error").count(code) > errors_before.count(code)


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_a_write_that_adds_a_check_warning_is_written_and_shows_it(cli: Run, config_dir: Path, code: str) -> None:
    text, args = WARNINGS[code]
    if text:
        write(config_dir / "apiserver.conf", text)
    before = _codes(cli, "warning").count(code)
    result = cli(*args, "--json")
    assert result.code == 0, result
    assert any(f"[{code}]" in warning for warning in json.loads(result.out)["warnings"]), result
    assert _codes(cli, "warning").count(code) > before


def test_a_finding_that_was_there_before_does_not_refuse_an_unrelated_write(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "listen { prot: 8008 }\n")
    assert "misspelt-key" in _codes(cli, "error")
    assert cli("set", "apiserver.auth.cookies.secure", "false").code == 0


def test_a_write_that_removes_an_error_is_not_refused(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN.replace("pass_hashed: false", "pass_hashed: true"))
    assert "fixed-user-bad-hash" in _codes(cli, "error")
    assert cli("set", "apiserver.auth.fixed_users.pass_hashed", "false").code == 0
    assert "pass_hashed: false" in path.read_text()
    assert _codes(cli, "error") == []


def test_a_password_is_not_set_by_set(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", HASHED)
    result = cli("set", f"{USERS}[0].password", "abcdefgh", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "usage")
    assert "clearml-cfg passwd jane" in json.loads(result.out)["error"]["hint"]
    assert path.read_text() == HASHED
    assert cli("set", f"{USERS}[0].password", "abcdefgh", "--force").code == 0
    assert "fixed-user-bad-hash" in _codes(cli, "error")  # what --force was asked to write: plain text, no hash


def test_force_writes_a_value_the_server_cannot_use_and_says_so(cli: Run, config_dir: Path) -> None:
    result = cli("set", "apiserver.listen.port", "70000", "--force", "--json")
    assert result.code == 0, result
    assert any("written anyway" in w and "[listen-invalid-value]" in w for w in json.loads(result.out)["warnings"])
    assert "port: 70000" in (config_dir / "apiserver.conf").read_text()


def test_import_is_held_to_the_same_rules(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    values = write(
        tmp_path / "values.yaml", "apiserver:\n  additionalConfigs:\n    apiserver.conf: 'listen { prot: 8008 }'\n"
    )
    result = cli("import", "--from-helm", str(values), "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "misspelt-key"), result
    assert not any(config_dir.iterdir())
    assert cli("import", "--from-helm", str(values), "--force", "-q").code == 0
    assert "misspelt-key" in _codes(cli, "error")


@pytest.mark.parametrize(
    ("text", "args", "code"),
    [
        (
            'pw: "s3cr3t"\nauth.fixed_users { enabled: true, pass_hashed: false, '
            "users: [{ username: a, password: ${pw}, name: A }] }\n",
            ["set", "apiserver.auth.fixed_users.pass_hashed", "true"],
            "fixed-user-bad-hash",
        ),
        (
            "age: 3600\nauth.cookies { domain: null, max_age: ${age} }\n",
            ["set", "apiserver.age", "30d"],
            "cookie-invalid-value",
        ),
        (
            "sec: false\nauth.cookies { domain: null, secure: ${sec} }\n",
            ["set", "apiserver.sec", "maybe"],
            "cookie-invalid-value",
        ),
    ],
)
def test_a_value_computed_by_a_substitution_is_held_to_the_same_rules(
    cli: Run, config_dir: Path, text: str, args: list[str], code: str
) -> None:
    path = write(config_dir / "apiserver.conf", text)
    result = cli(*args, "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, code), result
    assert path.read_text() == text
    assert cli(*args, "--force", "-q").code == 0
    assert code in _codes(cli, "error")


def test_a_section_an_included_file_sets_is_not_edited_behind_it(cli: Run, config_dir: Path) -> None:
    main = write(config_dir / "apiserver.conf", 'include "users.inc"\nauth.fixed_users.enabled: true\n')
    write(config_dir / "users.inc", PLAIN)
    result = cli("set", "apiserver.auth.fixed_users.pass_hashed", "true", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "include-decides"), result
    assert main.read_text() == 'include "users.inc"\nauth.fixed_users.enabled: true\n'
    assert cli("set", "apiserver.listen.port", "8009", "-q").code == 0  # a section no include touches
