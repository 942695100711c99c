"""A config directory that does not exist is a mistake to report, not an empty configuration: reads refuse it,
`check` reports it as a finding, a write refuses it unless --create (or it is the server's default directory)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Run, write

READS = (
    ["show"],
    ["show", "--effective"],
    ["get", "apiserver.listen.port"],
    ["get", "--effective", "apiserver.listen.port"],
    ["list-users"],
    ["explain", "apiserver.listen.port"],
    ["secure"],
    ["watchdog"],
    ["ui-action", "list"],
)
WRITES = (
    ["set", "apiserver.listen.port", "8008"],
    ["add-user", "ada", "--password-stdin", "--rounds", "4"],
    ["watchdog", "--threshold", "900"],
    ["cors", "--allow-origin", "https://app.example.com"],
    ["subdomain", "clearml.example.com"],
    ["ui-action", "add", "model", "Open", "--url", "https://x.example.com/${id}"],
    ["secure", "--rotate"],
)


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_of_a_missing_directory_is_an_error(cli: Run, tmp_path: Path, args: list[str]) -> None:
    result = cli(*args, "-c", str(tmp_path / "cfg1x"), "--json")
    error = json.loads(result.out)["error"]
    assert (result.code, error["code"]) == (2, "config-dir-missing"), result
    assert error["hint"]


def test_check_reports_a_missing_directory_as_its_finding(cli: Run, tmp_path: Path) -> None:
    result = cli("check", "-c", str(tmp_path / "cfg1x"), "--json")
    assert result.code == 1
    assert [f["code"] for f in json.loads(result.out)] == ["config-dir-missing"]


def test_a_missing_directory_among_several_is_an_error(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "listen { port: 8008 }\n")
    result = cli("get", "apiserver.listen.port", "-c", f"{tmp_path / 'nope'}{os.pathsep}{config_dir}", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "config-dir-missing")


def test_a_file_named_as_the_directory_is_an_error(cli: Run, tmp_path: Path) -> None:
    write(tmp_path / "afile", "x")
    result = cli("show", "-c", str(tmp_path / "afile"), "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "config-dir-missing")


@pytest.mark.parametrize("args", WRITES, ids=" ".join)
def test_a_write_into_a_missing_directory_needs_create(cli: Run, tmp_path: Path, args: list[str]) -> None:
    target = tmp_path / "cfg1x"
    result = cli(*args, "-c", str(target), "--json", stdin="pw-of-ada\n")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "config-dir-missing"), result
    assert not target.exists()
    created = cli(*args, "-c", str(target), "--create", "-q", stdin="pw-of-ada\n")
    assert created.code == 0, created
    assert target.is_dir() and any(target.iterdir())


def test_a_dry_run_with_create_creates_nothing(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "cfg1x"
    assert cli("set", "apiserver.listen.port", "8008", "-c", str(target), "--create", "--dry-run").code == 0
    assert not target.exists()


def test_init_creates_the_directory_without_being_asked(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "new"
    assert cli("init", "-c", str(target), "-q").code == 0
    assert (target / "apiserver.conf").is_file()


def test_a_write_into_a_file_named_as_the_directory_is_refused_even_with_create(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "afile", "x")
    result = cli("set", "apiserver.listen.port", "8008", "-c", str(path), "--create", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "config-dir-missing")
    assert path.read_text() == "x"


def test_a_file_without_any_write_bit_is_refused_even_to_whoever_may_write_it(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", "listen { port: 8008 }\n")
    path.chmod(0o444)
    result = cli("set", "apiserver.listen.port", "9000", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (4, "cannot-write"), result
    assert path.read_text() == "listen { port: 8008 }\n"
    if os.geteuid() == 0:  # root may write it: --force says the read-only mode was seen and meant to be ignored
        assert cli("set", "apiserver.listen.port", "9000", "--force", "-q").code == 0
        assert path.read_text() == "listen { port: 9000 }\n"
        assert path.stat().st_mode & 0o777 == 0o444
    else:
        assert cli("set", "apiserver.listen.port", "9000", "--force", "-q").code == 4


def test_the_default_directories_all_missing(cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from clearml_cfg.model import layout

    defaults = (str(tmp_path / "trains"), str(tmp_path / "clearml"))
    monkeypatch.setattr(layout, "DEFAULT_DIRS", defaults)
    unset = {"CLEARML_CONFIG_DIR": None}
    checked = cli("check", "--json", env=unset)
    assert checked.code == 1
    assert [(f["code"], f["file"]) for f in json.loads(checked.out)] == [("config-dir-missing", defaults[1])]
    shown = cli("show", "--json", env=unset)
    assert (shown.code, json.loads(shown.out)["error"]["code"]) == (2, "config-dir-missing")
    assert cli("set", "apiserver.listen.port", "8008", "-q", env=unset).code == 0  # the server's own: made
    assert (tmp_path / "clearml" / "apiserver.conf").is_file() and not (tmp_path / "trains").exists()
    assert cli("check", env=unset).code == 0
