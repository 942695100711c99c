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

from clearml_cfg.store import LOCK_NAME

KEY = "services.tasks.non_responsive_tasks_watchdog.threshold_sec"
as_root = os.geteuid() == 0


def test_a_symlinked_file_is_edited_at_its_target(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    real = write(tmp_path / "mounted" / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 1\n")
    config_dir.mkdir()
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
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, stream: object) -> None:
            self.stream = stream

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *_: object) -> None:
            self.stream.close()  # type: ignore[attr-defined]

        def write(self, _: bytes) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    result = cli("set", KEY, "60")
    assert result.code == 4, result
    assert "no space left" in result.err
    assert path.read_text() == "tasks { }\n"
    assert sorted(p.name for p in config_dir.iterdir()) == [LOCK_NAME, "services.conf"]


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
    bad.parent.mkdir(parents=True)
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
