"""Nothing is ever lost: symlinks, line endings, read-only files, bad files, locks, concurrent writers."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Run, write

from clearml_cfg.io.locking import LOCK_NAME

KEY = "services.tasks.non_responsive_tasks_watchdog.threshold_sec"
as_root = os.geteuid() == 0


def test_a_symlinked_file_is_edited_at_its_target(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    real = write(tmp_path / "mounted" / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 1\n")
    config_dir.mkdir(exist_ok=True)
    (config_dir / "services.conf").symlink_to(real)
    result = cli("set", KEY, "60")
    assert result.code == 0, result
    assert (config_dir / "services.conf").is_symlink()
    assert real.read_text() == "tasks.non_responsive_tasks_watchdog.threshold_sec: 60\n"
    assert f"via its link to {real}" in result.err
    assert (real.parent / "services.conf.bak").exists()


def test_crlf_files_stay_crlf(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "# windows\r\ntasks {\r\n  x: 1\r\n}\r\n")
    assert cli("set", KEY, "60").code == 0
    assert path.read_bytes() == (
        b"# windows\r\ntasks {\r\n  x: 1\r\n\r\n  non_responsive_tasks_watchdog {\r\n"
        b"    threshold_sec: 60\r\n  }\r\n}\r\n"
    )


@pytest.mark.skipif(as_root, reason="root can write read-only files")
def test_a_read_only_file_is_exit_4_and_stays(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "tasks { }\n")
    config_dir.chmod(0o555)
    try:
        result = cli("set", KEY, "60")
    finally:
        config_dir.chmod(0o755)
    assert result.code == 4, result
    assert "permission denied" in result.err and "hint:" in result.err
    assert path.read_text() == "tasks { }\n"


def test_a_read_only_file_system_is_exit_4(cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(config_dir / "services.conf", "tasks { }\n")

    def read_only(*_: object, **__: object) -> None:
        raise OSError(30, "Read-only file system")  # EROFS

    monkeypatch.setattr(os, "replace", read_only)
    result = cli("set", KEY, "60")
    assert result.code == 4, result
    assert "read-only file system" in result.err
    assert "ConfigMap" in result.err
    assert path.read_text() == "tasks { }\n"
    assert [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_a_full_disk_is_exit_4_and_leaves_the_file_intact(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(config_dir / "services.conf", "tasks { }\n")

    def full(*_: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = cli("set", KEY, "60")
    assert result.code == 4, result
    assert "no space left" in result.err
    assert path.read_text() == "tasks { }\n"
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]  # no temporary file, no lock file


@pytest.mark.parametrize(
    ("data", "where", "reason"),
    [
        (b"tasks {\n  x: 1\n", "services.conf:3:1", "expected '}' to close the object opened at 1:7"),
        (b"tasks { x: [1, }\n", "services.conf:1:16", "expected ']' to close the list"),
        (b'tasks.x: "open\n', "services.conf:1:10", "unterminated string"),
        (b"\xef\xbb\xbftasks.x: 1\n", "services.conf:1:1", "byte-order mark"),
        (b"tasks.x: \xff\xfe\n", "services.conf:1", "not UTF-8"),
        (b"a: 5\na.b: 1\n", "services.conf", "cannot merge"),
        (b"a: ${missing}\n", "services.conf", "cannot resolve ${missing}"),
    ],
)
def test_a_file_that_does_not_parse_is_exit_3_and_nothing_is_written(
    cli: Run, config_dir: Path, data: bytes, where: str, reason: str
) -> None:
    bad = config_dir / "services.conf"
    bad.write_bytes(data)
    other = write(config_dir / "apiserver.conf", "# fine\n")
    for args in (("set", "apiserver.auth.cookies.secure", "true"), ("get", "apiserver.x"), ("show",)):
        result = cli(*args)
        assert result.code == 3, result
        assert where in result.err and reason in result.err
        assert "hint:" in result.err
    assert bad.read_bytes() == data
    assert other.read_text() == "# fine\n"


def test_parse_errors_show_the_line_and_a_caret(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth {\n  cookies { secure: [true }\n}\n")
    result = cli("get", "apiserver.auth")
    assert "  cookies { secure: [true }\n                          ^" in result.err


def test_an_unresolved_substitution_names_file_line_column_with_a_caret(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "x: 1\nb {\n\ta: ${nope}\n}\n")  # the reader counts a tab as 8 columns
    result = cli("get", "apiserver.b")
    assert result.code == 3, result
    assert "apiserver.conf:3:5: cannot resolve ${nope}" in result.err
    assert " a: ${nope}\n    ^\nhint: " in result.err


def test_a_directory_named_conf_is_an_error(cli: Run, config_dir: Path) -> None:
    (config_dir / "backup.conf").mkdir(parents=True)
    result = cli("show")
    assert result.code == 3
    assert "is a directory named *.conf" in result.err


@pytest.mark.skipif(as_root, reason="root can read anything")
def test_an_unreadable_file_is_exit_3(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "secure.conf", "a: 1\n")
    path.chmod(0)
    try:
        result = cli("show")
    finally:
        path.chmod(0o600)
    assert result.code == 3
    assert "permission denied" in result.err


def test_a_held_lock_times_out_with_exit_4(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "tasks { }\n")
    with open(config_dir / LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli("set", KEY, "60", env={"CLEARML_CFG_LOCK_TIMEOUT": "0.2"})
    assert result.code == 4, result
    assert "another clearml-cfg is editing" in result.err
    assert "CLEARML_CFG_LOCK_TIMEOUT" in result.err
    assert path.read_text() == "tasks { }\n"
    assert cli("set", KEY, "60").code == 0  # released: the next command proceeds


def test_bad_lock_timeout_is_usage_error(cli: Run) -> None:
    result = cli("set", KEY, "60", env={"CLEARML_CFG_LOCK_TIMEOUT": "soon"})
    assert result.code == 2
    assert "CLEARML_CFG_LOCK_TIMEOUT" in result.err


def test_a_dangling_symlink_is_exit_3_with_a_hint(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    (config_dir / "apiserver.conf").symlink_to("nowhere.conf")
    for args in (("get", "apiserver.a"), ("show",), ("set", "apiserver.a", "1"), ("unset", "apiserver.a")):
        result = cli(*args)
        assert result.code == 3, result
        assert "apiserver.conf is a symbolic link to nowhere.conf, which does not exist" in result.err
        assert result.err.count("error:") == 1 and result.err.count("hint:") == 1
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]


def test_a_symlink_loop_is_exit_3_with_a_hint(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    (config_dir / "apiserver.conf").symlink_to("services.conf")
    (config_dir / "services.conf").symlink_to("apiserver.conf")
    result = cli("show")
    assert result.code == 3, result
    assert "symbolic links form a loop" in result.err and "hint:" in result.err


def _deny_writing(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """What a file with mode 0444 looks like to a user without root's powers (root may write anything)."""
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and os.path.realpath(str(path)) == str(denied.resolve()):
            return False
        return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize("linked", [False, True])
def test_a_read_only_file_in_a_writable_directory_is_not_replaced(
    cli: Run, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linked: bool
) -> None:
    real = write((tmp_path / "mounted" if linked else config_dir) / "apiserver.conf", "a: 1\n")
    real.chmod(0o444)
    if linked:
        config_dir.mkdir(exist_ok=True)
        (config_dir / "apiserver.conf").symlink_to(real)
    _deny_writing(monkeypatch, real)
    result = cli("set", "apiserver.a", "2")
    assert result.code == 4, result
    assert f"error: {real} is read-only (mode 444)\nhint: chmod u+w {real}" in result.err
    assert real.read_text() == "a: 1\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["apiserver.conf"]


def _read_only_directory(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Creating anything in ``directory`` fails as it does for a user without write permission on it."""
    real_open = os.open

    def open_(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR) and Path(str(path)).parent == directory:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", open_)


def test_a_dry_run_or_no_change_needs_no_writable_directory_and_leaves_no_lock_file(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(config_dir / "apiserver.conf", "a: 1\n")
    _read_only_directory(monkeypatch, config_dir.resolve())
    dry = cli("set", "apiserver.a", "2", "--dry-run")
    assert dry.code == 0, dry
    assert "+a: 2" in dry.err and "would update" in dry.err
    for args in (("set", "apiserver.a", "1"), ("unset", "apiserver.b", "--missing-ok"), ("unset", "apiserver.a", "-n")):
        result = cli(*args)
        assert result.code == 0, result
    assert "unchanged" in cli("set", "apiserver.a", "1").err
    assert cli("init", "--dry-run").code == 0
    real = cli("set", "apiserver.a", "2")
    assert real.code == 4 and "permission denied" in real.err, real
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]
    assert path.read_text() == "a: 1\n"


@pytest.mark.skipif(as_root, reason="root can write into a read-only directory")
def test_a_dry_run_in_a_read_only_directory(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    config_dir.chmod(0o555)
    try:
        assert cli("set", "apiserver.a", "2", "--dry-run").code == 0
        assert cli("set", "apiserver.a", "1").code == 0
        assert cli("set", "apiserver.a", "2").code == 4
    finally:
        config_dir.chmod(0o755)
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]


def test_a_writer_holding_the_directory_lock_blocks_the_next(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    held = os.open(config_dir, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli("set", "apiserver.a", "2", env={"CLEARML_CFG_LOCK_TIMEOUT": "0.2"})
        assert cli("set", "apiserver.a", "2", "--dry-run").code == 0  # a dry run waits for nobody
    finally:
        os.close(held)
    assert result.code == 4 and "another clearml-cfg is editing" in result.err, result
    assert cli("set", "apiserver.a", "2").code == 0


def test_a_regular_file_given_as_config_dir_is_exit_2(cli: Run, tmp_path: Path) -> None:
    somefile = write(tmp_path / "somefile", "x\n")
    for args in (("set", "apiserver.a", "1"), ("set", "apiserver.a", "1", "--dry-run"), ("init",)):
        result = cli(*args, "-c", str(somefile))
        assert result.code == 2, result
        assert f"error: {somefile} (from --config-dir) is not a directory\nhint: " in result.err
    assert somefile.read_text() == "x\n"


@pytest.mark.parametrize("obstacle", ["read-only", "backup-is-a-directory"])
def test_writes_to_several_files_are_all_or_nothing(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, obstacle: str
) -> None:
    first = write(tmp_path / "p1" / "apiserver.conf", "a: 1\nb: 1\n")
    second = write(tmp_path / "p2" / "apiserver.conf", "a: 2\n")
    if obstacle == "read-only":
        _deny_writing(monkeypatch, second)
    else:
        (tmp_path / "p2" / "apiserver.conf.bak").mkdir()
    result = cli("unset", "-c", f"{tmp_path / 'p1'}:{tmp_path / 'p2'}", "apiserver.a")
    assert result.code == 4, result
    assert str(second) in result.err and "hint:" in result.err
    assert first.read_text() == "a: 1\nb: 1\n" and second.read_text() == "a: 2\n"
    assert sorted(p.name for p in first.parent.iterdir()) == ["apiserver.conf"]
    assert result.err.count("error:") == 1


def test_backups_are_owner_only_and_keep_the_first_version(cli: Run, config_dir: Path) -> None:
    # a byte-order mark, then (once the file reads) an unquoted password: check --fix writes the file twice
    original = (
        b'\xef\xbb\xbfauth.fixed_users { enabled: true, users: [{username: "a", password: 12345678, name: "A"}] }\n'
    )
    path = config_dir / "apiserver.conf"
    path.write_bytes(original)
    path.chmod(0o644)
    result = cli("check", "--fix")
    assert result.code == 0, result
    assert result.err.count("updated") == 2
    assert b'password: "12345678"' in path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    backup = config_dir / "apiserver.conf.bak"
    assert backup.read_bytes() == original
    assert backup.stat().st_mode & 0o777 == 0o600


def test_setuid_and_setgid_bits_survive_a_rewrite(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", "a: 1\n")
    path.chmod(0o2750)
    assert cli("set", "apiserver.a", "2").code == 0
    assert path.stat().st_mode & 0o7777 == 0o2750


# --- real processes -----------------------------------------------------------------------------------------


def _command() -> list[str]:
    found = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "clearml_cfg"]


def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write(config / "apiserver.conf", "# shared by many writers\n")
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config), "CLEARML_CFG_LOCK_TIMEOUT": "60"}
    processes = [
        subprocess.Popen(
            [*_command(), "set", f"apiserver.writer_{i}", str(i), "--quiet"], env=env, stderr=subprocess.PIPE
        )
        for i in range(12)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    from helpers import pyhocon_plain

    tree = pyhocon_plain((config / "apiserver.conf").read_text())
    assert tree == {f"writer_{i}": i for i in range(12)}
    assert (config / "apiserver.conf").read_text().startswith("# shared by many writers\n")


def test_the_installed_command_and_python_m(tmp_path: Path) -> None:
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(tmp_path / "c")}
    for command in (_command(), [sys.executable, "-m", "clearml_cfg"]):
        version = subprocess.run([*command, "--version"], capture_output=True, text=True, env=env, check=False)
        assert version.returncode == 0 and version.stdout.startswith("clearml-cfg ")
        init = subprocess.run([*command, "init", "--quiet"], capture_output=True, text=True, env=env, check=False)
        assert init.returncode == 0, init.stderr
        get = subprocess.run([*command, "get", "apiserver.nope"], capture_output=True, text=True, env=env, check=False)
        assert get.returncode == 1 and get.stderr.startswith("error: ")
        bad = subprocess.run([*command, "set", "--bogus"], capture_output=True, text=True, env=env, check=False)
        assert bad.returncode == 2
        assert bad.stderr.startswith("error: no such option: --bogus")
        assert "Traceback" not in bad.stderr


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    config = tmp_path / "c"
    write(config / "apiserver.conf", "".join(f"key_{i}: {i}\n" for i in range(5000)))
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config)}
    result = subprocess.run(
        f"{' '.join(_command())} show | head -1", shell=True, capture_output=True, text=True, env=env, check=False
    )
    assert result.stdout == "apiserver {\n"
    assert "Traceback" not in result.stderr


QUIET_COMMANDS = [
    ["get", "apiserver.a"],
    ["get", "apiserver.a", "--effective"],
    ["set", "apiserver.b", "2"],
    ["show"],
    ["show", "--effective"],
    ["explain", "apiserver.a"],
    ["check"],
    ["export", "--format", "env"],
    ["watchdog", "--threshold", "2h"],
    ["cors", "--origin", "https://app.example.com"],
    ["ui-action", "add", "task", "Open", "--url", "https://ci.example.com/${id}", "--replace"],
    ["ui-action", "list"],
    ["subdomain", "clearml.example.com"],
    ["add-user", "bob", "--password-stdin", "--rounds", "4"],
    ["list-users"],
]


@pytest.mark.parametrize("args", QUIET_COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_quiet_hides_the_warning_about_an_odd_directory_list(cli: Run, config_dir: Path, args: list[str]) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    odd = f":{config_dir}"  # an empty part: the server reads its working directory there
    loud = cli(*args, "--config-dir", odd, stdin="pw-Example-1\n")
    assert "empty part" in loud.err, str(loud)
    if args[0] == "add-user":  # a second run of the same command must succeed too
        args = ["add-user", "carol", *args[2:]]
    quiet = cli(*args, "--config-dir", odd, "-q", stdin="pw-Example-1\n")
    assert quiet.code == loud.code, str(quiet)
    assert "empty part" not in quiet.err, str(quiet)
