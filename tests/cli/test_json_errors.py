"""With --json, every command prints exactly one JSON document on stdout: its data on success, and on failure
``{"error": {"message", "hint", "exit_code", "code"}}`` (the message also goes to stderr as `error:`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Result, Run, write
from test_vocabulary import LEAVES, NO_CONFIGURATION

APISERVER = """\
auth {
    cookies { domain: ".clearml.example.com" }
    fixed_users {
        enabled: true
        pass_hashed: false
        users: [{ username: "jane", password: "pw-of-jane", name: "Jane Doe" }]
    }
}
"""
SERVICES = """\
organization.ui_actions.task: [{ name: "Rerun", action { method: GET, url: "https://ci.example.com/${id}" } }]
"""
VALUES = "apiserver:\n  additionalConfigs:\n    fileserver.conf: |\n      x: 1\n"
COMPOSE = "services:\n  redis:\n    image: redis:7.4\n"

# command -> (arguments of a run that succeeds, its stdin)
SUCCEEDS: dict[str, tuple[list[str], str | None]] = {
    "init": (["init"], None),
    "get": (["get", "apiserver.auth.cookies.domain"], None),
    "set": (["set", "apiserver.x", "1"], None),
    "unset": (["unset", "apiserver.auth.cookies.domain"], None),
    "show": (["show"], None),
    "explain": (["explain", "apiserver.auth.cookies.domain"], None),
    "env": (["env", "apiserver.auth.cookies.domain", ".x.example.com"], None),
    "export": (["export", "--format", "helm"], None),
    "import": (["import", "--from-helm", "values.yaml"], None),
    "check": (["check"], None),
    "add-user": (["add-user", "ada", "--password-stdin"], "pw-of-ada\n"),
    "passwd": (["passwd", "jane", "--password-stdin"], "new-pw-of-jane\n"),
    "remove-user": (["remove-user", "jane"], None),
    "list-users": (["list-users"], None),
    "verify-password": (["verify-password", "jane", "--password-stdin"], "pw-of-jane\n"),
    "hash-password": (["hash-password", "--password-stdin", "--rounds", "4"], "pw\n"),
    "password-mode": (["password-mode", "hashed", "--rounds", "4"], None),
    "watchdog": (["watchdog"], None),
    "cors": (["cors"], None),
    "subdomain": (["subdomain", "clearml.example.com"], None),
    "expose": (["expose", "redis", "--yes"], None),
    "ui-action add": (["ui-action", "add", "model", "Open", "--url", "https://x.example.com/${id}"], None),
    "ui-action list": (["ui-action", "list"], None),
    "ui-action remove": (["ui-action", "remove", "task", "Rerun"], None),
    "edit": (["edit", "--check", "clearml-config/apiserver.conf"], None),
    "restore": (["restore", "--list"], None),
    "diff": (["diff", "clearml-config", "clearml-config"], None),
    "secure": (["secure"], None),
}

# command -> (arguments of a run whose answer is no, the error's code)
SAYS_NO: dict[str, tuple[list[str], str]] = {
    "get": (["get", "apiserver.nope"], "not-found"),
    "unset": (["unset", "apiserver.nope"], "not-found"),
    "passwd": (["passwd", "nobody"], "not-found"),
    "remove-user": (["remove-user", "nobody"], "not-found"),
    "verify-password": (["verify-password", "jane", "--password-stdin"], "no-match"),
    "ui-action remove": (["ui-action", "remove", "task", "Nope"], "not-found"),
}


@pytest.fixture
def configured(config_dir: Path, tmp_path: Path) -> Path:
    write(config_dir / "apiserver.conf", APISERVER)
    write(config_dir / "services.conf", SERVICES)
    write(tmp_path / "values.yaml", VALUES)
    write(tmp_path / "docker-compose.yml", COMPOSE)
    return config_dir


def _document(result: Result) -> Any:
    return json.loads(result.out)  # exactly one document: json.loads refuses anything after it


def _error(result: Result, code: str | None = None) -> dict[str, Any]:
    document = _document(result)
    assert set(document) == {"error"}, result
    error = document["error"]
    assert set(error) == {"message", "hint", "exit_code", "code"}
    assert error["exit_code"] == result.code != 0
    assert result.err.startswith(f"error: {error['message']}\n"), result
    assert code is None or error["code"] == code, result
    return error  # type: ignore[no-any-return]


def test_every_command_is_covered() -> None:
    assert sorted(SUCCEEDS) == sorted(LEAVES)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", sorted(SUCCEEDS))
def test_success_is_one_json_document(cli: Run, name: str) -> None:
    args, stdin = SUCCEEDS[name]
    result = cli(*args, "--json", stdin=stdin)
    assert result.code == 0, result
    assert "error" not in _document(result)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", sorted(SUCCEEDS))
def test_a_usage_error_is_a_json_error(cli: Run, name: str) -> None:
    args, stdin = SUCCEEDS[name]
    error = _error(cli(*args, "--no-such-option", "--json", stdin=stdin), "usage")
    assert error["exit_code"] == 2 and error["hint"]


# init, import and restore do not read configuration files (restore --list lists backups); check reports them
@pytest.mark.parametrize("name", sorted(set(SUCCEEDS) - NO_CONFIGURATION - {"init", "check", "import", "restore"}))
def test_an_unreadable_configuration_is_a_json_error(cli: Run, config_dir: Path, tmp_path: Path, name: str) -> None:
    write(config_dir / "apiserver.conf", "auth {\n")
    write(config_dir / "services.conf", SERVICES)
    write(tmp_path / "values.yaml", VALUES)
    args, stdin = SUCCEEDS[name]
    error = _error(cli(*args, "--json", stdin=stdin))
    assert error["exit_code"] == 3 and error["code"] == "parse-error"


def test_check_reports_an_unreadable_configuration_as_findings(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth {\n")
    result = cli("check", "--json")
    assert result.code == 3
    assert [finding["code"] for finding in _document(result)] == ["parse-error"]


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("name", sorted(SAYS_NO))
def test_a_no_is_a_json_error_with_exit_1(cli: Run, name: str) -> None:
    args, code = SAYS_NO[name]
    error = _error(cli(*args, "--json", stdin="wrong password\n"), code)
    assert error["exit_code"] == 1


@pytest.mark.usefixtures("configured")
def test_a_file_that_cannot_be_written_is_a_json_error(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*_: object, **__: object) -> None:
        raise OSError(30, "Read-only file system")  # EROFS, as a ConfigMap mount gives

    monkeypatch.setattr(os, "replace", read_only)
    error = _error(cli("set", "apiserver.x", "1", "--json"), "cannot-write")
    assert error["exit_code"] == 4


def test_errors_before_the_command_runs_are_json_errors_too(cli: Run) -> None:
    assert _error(cli("no-such-command", "--json"), "usage")["hint"].startswith("see 'clearml-cfg --help'")
    assert _error(cli("get", "--json"), "usage")["exit_code"] == 2  # missing KEY
    assert _error(cli("get", "x", "--json", "--config-dir", "/\udcff"), "usage")["exit_code"] == 2  # not UTF-8


def test_an_internal_error_is_a_json_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import clearml_cfg.cli.get
    from clearml_cfg.cli import main

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("something unforeseen")

    monkeypatch.delenv("CLEARML_CFG_DEBUG", raising=False)
    monkeypatch.setattr(clearml_cfg.cli.get, "get_value", broken)
    assert main(["get", "apiserver.a", "--json"]) == 70
    captured = capsys.readouterr()
    error = _error(Result(70, captured.out, captured.err), "internal")
    assert error["message"] == "internal error: RuntimeError: something unforeseen"
