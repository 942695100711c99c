"""Every table-printing command at 60 and 80 columns: each key appears whole, on a terminal (the table fitted to
its width) and piped (one line per row, aligned, not padded for a cell far longer than the rest)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write

LONG_ORIGINS = [f"https://app{n}.a-rather-long-domain-name.example.com" for n in range(6)]

APISERVER = f"""\
auth {{
    fixed_users {{
        enabled: true
        pass_hashed: false
        users: [
            {{ username: "jane", password: "pw-jane", name: "Jane Doe" }}
            {{ username: "a-very-long-user-name-for-a-service-account", password: "12345678", name: "CI" }}
        ]
    }}
    cookies {{ domain: ".clearml.example.com" }}
}}
cors {{ origins: {json.dumps(LONG_ORIGINS)} }}
"""

SERVICES = """\
tasks.non_responsive_tasks_watchdog.threshold_sec: 3600
organization.ui_actions.task: [
    { name: "Rerun the whole pipeline in CI", action { method: POST, url: "https://ci.example.com/rerun/${id}" } }
]
"""

COMPOSE = """\
services:
  elasticsearch:
    image: elasticsearch:8.17.0
  mongo:
    image: mongo:7.0.22
    ports: ["127.0.0.1:27018:27017"]
  redis:
    image: redis:7.4
"""


@pytest.fixture
def configured(config_dir: Path, tmp_path: Path) -> Path:
    write(config_dir / "apiserver.conf", APISERVER)
    write(config_dir / "services.conf", SERVICES)
    write(tmp_path / "docker-compose.yml", COMPOSE)
    return config_dir


def _keys(document: Any, command: tuple[str, ...]) -> list[str]:
    """What names each row, from the command's own JSON document."""
    name = command[0]
    if name in ("watchdog", "cors", "subdomain") and "settings" in document:
        return [row["key"] for row in document["settings"]] + [h["host"] for h in document.get("hosts", [])]
    if name == "show":
        return [row["key"] for row in document]
    if name == "explain":
        return [step["origin"] for step in document["steps"]]
    if name == "expose":
        return [row["service"] for row in document["services"]]
    if name == "ui-action":
        return [action["name"] for action in document["actions"]]
    if name == "list-users":
        return [user["username"] for user in document["users"]]
    raise AssertionError(command)


TABLES = [
    ("watchdog",),
    ("show", "--effective", "--origin", "apiserver"),
    ("explain", "apiserver.cors.origins"),
    ("cors",),
    ("subdomain",),
    ("expose",),
    ("ui-action", "list"),
    ("list-users",),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("command", TABLES, ids=" ".join)
def test_every_key_appears_whole_on_a_terminal(cli: Run, command: tuple[str, ...], width: int) -> None:
    keys = _keys(json.loads(cli(*command, "--json").out), command)
    assert keys
    result = cli(*command, env={"COLUMNS": str(width), "FORCE_COLOR": "1"}, tty=True)
    assert result.code == 0, result
    out = ANSI.sub("", result.out)
    lines = out.splitlines()
    for key in keys:
        assert key in out, f"{key!r} is not whole in\n{out}"
    table = lines[1:] if command[0] == "explain" else lines  # explain's headline is `KEY = VALUE`, not a row
    too_long = [line for line in table if len(line) > width]  # only a word longer than the terminal, alone
    assert all(line.strip() in keys or len(line.split()) <= 2 for line in too_long), too_long
    assert "…" not in out


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("command", TABLES, ids=" ".join)
def test_piped_a_row_is_one_line_with_its_key_whole(cli: Run, command: tuple[str, ...]) -> None:
    keys = _keys(json.loads(cli(*command, "--json").out), command)
    result = cli(*command, env={"COLUMNS": "60"})
    assert result.code == 0, result
    lines = result.out.splitlines()
    for key in keys:
        assert any(key in line for line in lines), key
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.usefixtures("configured")
def test_piped_a_long_value_does_not_pad_every_line(cli: Run) -> None:
    result = cli("show", "--effective", "--origin", "apiserver")
    lines = result.out.splitlines()
    long_line = next(line for line in lines if LONG_ORIGINS[-1] in line)
    header, cookie = lines[0], next(line for line in lines if line.startswith("apiserver.auth.cookies.domain "))
    assert len(long_line) > 300 and len(cookie) < 120
    assert header.index("ORIGIN") == cookie.index("apiserver.conf")  # the other rows stay aligned


@pytest.mark.usefixtures("configured")
def test_a_narrow_terminal_shows_records(cli: Run) -> None:
    result = cli("watchdog", env={"COLUMNS": "40", "NO_COLOR": "1"}, tty=True)
    key = "services.tasks.non_responsive_tasks_watchdog.threshold_sec"
    assert f"\n\n{key}\n  VALUE   3600 (1h)\n  ORIGIN  services.conf:1\n\n" in result.out
