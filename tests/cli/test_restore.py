"""restore: the backup goes back, the current content becomes the backup; --list the backups."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import Run, write

ORIGINAL = b"# web login\r\nauth {\r\n    cookies { secure: false }\r\n}"  # CRLF, no final newline
SECURE = 'auth.token_secret: "first-s3cr3t"\n'


@pytest.fixture
def edited(cli: Run, config_dir: Path) -> Path:
    """apiserver.conf changed once by clearml-cfg: its backup holds ORIGINAL."""
    path = config_dir / "apiserver.conf"
    config_dir.mkdir(exist_ok=True)
    path.write_bytes(ORIGINAL)
    path.chmod(0o640)
    assert cli("set", "apiserver.auth.cookies.secure", "true").code == 0
    return path


def test_restore_twice_gives_back_the_original_bytes(cli: Run, edited: Path) -> None:
    changed = edited.read_bytes()
    backup = edited.with_name("apiserver.conf.bak")
    first = cli("restore", "apiserver")
    assert first.code == 0, first
    assert edited.read_bytes() == ORIGINAL
    assert backup.read_bytes() == changed  # the current content became the backup
    second = cli("restore", "apiserver.conf")
    assert second.code == 0, second
    assert edited.read_bytes() == changed
    assert backup.read_bytes() == ORIGINAL
    assert stat.S_IMODE(edited.stat().st_mode) == 0o640
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_the_diff_comes_first_and_secrets_are_masked(cli: Run, config_dir: Path) -> None:
    write(config_dir / "secure.conf", SECURE)
    assert cli("set", "secure.auth.token_secret", "--value-stdin", stdin="second-s3cr3t\n").code == 0
    result = cli("restore", "secure")
    assert result.code == 0, result
    assert "s3cr3t" not in result.err
    assert result.err.index("-auth.token_secret") < result.err.index("updated ")
    assert (config_dir / "secure.conf").read_text() == SECURE


def test_no_backup_is_refused(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "x: 1\n")
    result = cli("restore", "services")
    assert result.code == 2, result
    assert result.err.startswith("error: ") and "\nhint: " in result.err
    assert path.read_text() == "x: 1\n"


def test_a_change_by_someone_else_after_the_backup_is_warned_about(cli: Run, edited: Path) -> None:
    assert "warning" not in cli("restore", "apiserver", "--dry-run").err
    backup = edited.with_name("apiserver.conf.bak")
    taken = backup.stat().st_mtime
    os.utime(backup, (taken - 3600, taken - 3600))  # the file was changed an hour after its backup
    result = cli("restore", "apiserver")
    assert result.code == 0, result
    assert result.err.startswith("warning: ")
    assert edited.read_bytes() == ORIGINAL


def test_dry_run_writes_nothing(cli: Run, edited: Path) -> None:
    before = edited.read_bytes()
    result = cli("restore", "apiserver", "-n")
    assert result.code == 0, result
    assert "+    cookies { secure: false }" in result.err
    assert edited.read_bytes() == before


def test_a_backup_that_equals_the_file_changes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "x: 1\n")
    write(config_dir / "services.conf.bak", "x: 1\n")
    mtime = path.stat().st_mtime_ns
    result = cli("restore", "services")
    assert result.code == 0, result
    assert "nothing to restore" in result.err
    assert path.stat().st_mtime_ns == mtime


def test_a_backup_the_server_cannot_read_is_not_restored(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "x: 1\n")
    write(config_dir / "services.conf.bak", "x: {\n")
    result = cli("restore", "services")
    assert result.code == 3, result
    assert "services.conf.bak:2:1" in result.err
    assert path.read_text() == "x: 1\n"


def test_a_removed_file_comes_back(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf.bak", "x: 1\n")
    result = cli("restore", "services")
    assert result.code == 0, result
    assert (config_dir / "services.conf").read_text() == "x: 1\n"


def test_a_symlinked_file_is_restored_at_its_target(cli: Run, config_dir: Path) -> None:
    target = write(config_dir / "..data" / "apiserver.conf", "a: 1\n")
    (config_dir / "apiserver.conf").symlink_to(Path("..data") / "apiserver.conf")
    assert cli("set", "apiserver.a", "2").code == 0
    assert target.with_name("apiserver.conf.bak").read_text() == "a: 1\n"
    assert cli("restore", "apiserver").code == 0
    assert (config_dir / "apiserver.conf").is_symlink()
    assert target.read_text() == "a: 1\n"


def test_a_name_outside_the_config_directory_is_refused(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(tmp_path / "x.conf.bak", "x: 2\n")
    write(tmp_path / "x.conf", "x: 1\n")
    config_dir.mkdir(exist_ok=True)
    assert cli("restore", "../x").code == 2
    assert (tmp_path / "x.conf").read_text() == "x: 1\n"


def test_usage(cli: Run, edited: Path) -> None:
    assert cli("restore").code == 2
    assert cli("restore", "apiserver", "--list").code == 2


# --- --list ---------------------------------------------------------------------------------------------------


def test_list_names_each_backup_when_and_how_far(cli: Run, edited: Path, config_dir: Path) -> None:
    write(config_dir / "gone.conf.bak", "a: 1\nb: 2\n")
    write(config_dir / "services.conf", "x: 1\n")  # no backup: not listed
    result = cli("restore", "--list", "--json")
    assert result.code == 0, result
    listed = json.loads(result.out)
    assert [Path(b["file"]).name for b in listed] == ["apiserver.conf", "gone.conf"]
    apiserver, gone = listed
    assert (apiserver["added"], apiserver["removed"], apiserver["file_exists"]) == (1, 1, True)
    assert (gone["added"], gone["removed"], gone["file_exists"]) == (2, 0, False)
    assert apiserver["taken"][:4].isdigit() and "T" in apiserver["taken"]
    table = cli("restore", "--list")
    assert table.code == 0, table
    assert "+1 -1 lines" in table.out and "(gone)" in table.out


def test_list_without_backups(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "x: 1\n")
    result = cli("restore", "--list")
    assert result.code == 0, result
    assert result.out == ""
    assert cli("restore", "--list", "--json").out == "[]\n"
