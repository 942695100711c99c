"""io/atomic.py: every file written whole or not at all, mode and owner kept, a private backup of the original."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from config_files import temporary_files, write

from clearml_cfg.errors import WriteError
from clearml_cfg.io import atomic
from clearml_cfg.io.atomic import Write, backup_path, install, write_atomically, write_error

as_root = os.geteuid() == 0


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fail_on_call(number: int, real: Callable[..., Any], error: OSError) -> Callable[..., Any]:
    """``real``, except that its ``number``-th call (from 1) raises ``error``."""
    calls = [0]

    def replacement(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == number:
            raise error
        return real(*args, **kwargs)

    return replacement


@pytest.fixture
def three(tmp_path: Path) -> tuple[list[Write], dict[Path, bytes | None]]:
    """Two existing files (one not UTF-8) and a new one, each to be rewritten with a backup."""
    a = write(tmp_path / "a.conf", "a: 1\n")
    b = write(tmp_path / "sub" / "b.conf", b"b: \xff\n")
    c = tmp_path / "c.conf"
    writes = [
        Write(a, b"a: 2\n", a.read_bytes(), backup=backup_path(a)),
        Write(b, b"b: 2\n", b.read_bytes(), backup=backup_path(b)),
        Write(c, b"c: 2\n", None),
    ]
    return writes, {a: b"a: 1\n", b: b"b: \xff\n", c: None}


def assert_as_before(before: dict[Path, bytes | None], root: Path) -> None:
    for path, data in before.items():
        if data is None:
            assert not os.path.lexists(path)
        else:
            assert path.read_bytes() == data
        assert not backup_path(path).exists()
    assert temporary_files(root) == []


def test_every_file_is_written_with_a_backup_of_its_original_bytes(
    tmp_path: Path, three: tuple[list[Write], dict[Path, bytes | None]]
) -> None:
    writes, before = three
    install(writes)
    for write_ in writes:
        assert write_.target.read_bytes() == write_.data
    for path, data in before.items():
        backup = backup_path(path)
        if data is None:
            assert not backup.exists()
        else:
            assert backup.read_bytes() == data
            assert mode_of(backup) == 0o600
    assert temporary_files(tmp_path) == []


PREPARING = [(tempfile, "mkstemp", n) for n in (1, 2, 3, 5)] + [(os, "fsync", n) for n in (1, 2, 4, 5)]


@pytest.mark.parametrize(("module", "name", "failing"), PREPARING, ids=[f"{n}-{i}" for _, n, i in PREPARING])
def test_a_failure_while_preparing_changes_nothing(
    tmp_path: Path,
    three: tuple[list[Write], dict[Path, bytes | None]],
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    name: str,
    failing: int,
) -> None:
    """A temporary file that cannot be made or synced (a full disk, an I/O error), for any of the five."""
    writes, before = three
    monkeypatch.setattr(module, name, fail_on_call(failing, getattr(module, name), OSError(errno.ENOSPC, "full")))
    with pytest.raises(WriteError):
        install(writes)
    assert_as_before(before, tmp_path)


@pytest.mark.parametrize("failing", [2, 3, 4, 5])
def test_a_rename_that_fails_after_others_puts_the_replaced_files_back(
    tmp_path: Path, three: tuple[list[Write], dict[Path, bytes | None]], monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    """The renames run backup, file, backup, file, new file: whichever fails, the files hold what they held."""
    writes, before = three
    modes = {path: mode_of(path) for path, data in before.items() if data is not None}
    monkeypatch.setattr(os, "replace", fail_on_call(failing, os.replace, OSError(errno.EIO, "I/O error")))
    with pytest.raises(WriteError):
        install(writes)
    for path, data in before.items():
        if data is None:
            assert not os.path.lexists(path)
        else:
            assert path.read_bytes() == data
            assert mode_of(path) == modes[path]
    assert temporary_files(tmp_path) == []


def test_mode_is_kept_and_a_new_file_follows_the_umask_or_is_private(tmp_path: Path) -> None:
    kept = write(tmp_path / "kept.conf", "x: 1\n")
    kept.chmod(0o604)
    plain, secret = tmp_path / "plain.conf", tmp_path / "secure.conf"
    install(
        [
            Write(kept, b"x: 2\n", b"x: 1\n"),
            Write(plain, b"y: 1\n", None),
            Write(secret, b"z: 1\n", None, secret=True),
        ]
    )
    assert mode_of(kept) == 0o604
    assert mode_of(plain) == 0o666 & ~atomic.umask()
    assert mode_of(secret) == 0o600


@pytest.mark.skipif(not as_root, reason="giving a file to another user needs root")
def test_owner_and_group_are_kept_and_the_backup_belongs_to_them_too(tmp_path: Path) -> None:
    target = write(tmp_path / "apiserver.conf", "a: 1\n")
    os.chown(target, 1234, 2345)
    target.chmod(0o2640)  # setgid survives: chown (which clears it) comes before chmod
    install([Write(target, b"a: 2\n", b"a: 1\n", backup=backup_path(target))])
    info, backup = target.stat(), backup_path(target).stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 2345, 0o2640)
    assert (backup.st_uid, backup.st_gid, stat.S_IMODE(backup.st_mode)) == (1234, 2345, 0o600)


def test_a_backup_path_that_is_a_directory_stops_everything(tmp_path: Path) -> None:
    a = write(tmp_path / "a.conf", "a: 1\n")
    b = write(tmp_path / "b.conf", "b: 1\n")
    backup_path(b).mkdir()
    with pytest.raises(WriteError):
        install(
            [
                Write(a, b"a: 2\n", b"a: 1\n", backup=backup_path(a)),
                Write(b, b"b: 2\n", b"b: 1\n", backup=backup_path(b)),
            ]
        )
    assert (a.read_bytes(), b.read_bytes()) == (b"a: 1\n", b"b: 1\n")
    assert not backup_path(a).exists()
    assert temporary_files(tmp_path) == []


def test_a_file_the_user_may_not_write_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write(tmp_path / "a.conf", "a: 1\n")
    locked = write(tmp_path / "locked.conf", "b: 1\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    with pytest.raises(WriteError):
        install([Write(a, b"a: 2\n", b"a: 1\n"), Write(locked, b"b: 2\n", b"b: 1\n")])
    assert (a.read_bytes(), locked.read_bytes()) == (b"a: 1\n", b"b: 1\n")


def test_a_missing_parent_directory_is_made(tmp_path: Path) -> None:
    target = tmp_path / "new" / "services" / "tasks.conf"
    install([Write(target, b"x: 1\n", None)])
    assert target.read_bytes() == b"x: 1\n"


def test_write_atomically_replaces_the_file_whole(tmp_path: Path) -> None:
    target = write(tmp_path / "out.yaml", "old\n")
    write_atomically(target, b"new\n", 0o640, None)
    assert target.read_bytes() == b"new\n"
    assert mode_of(target) == 0o640
    assert temporary_files(tmp_path) == []


ERRNOS = [errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.ENOTDIR, errno.EISDIR]


def test_each_os_error_is_a_write_error_of_its_own_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    errors = [write_error(OSError(number, os.strerror(number)), path, "write") for number in ERRNOS]
    assert all(isinstance(e, WriteError) and e.hint for e in errors)
    assert len({(e.message, e.hint) for e in errors}) == len(ERRNOS)
    assert write_error(OSError(errno.EPERM, "x"), path, "write").message == errors[0].message


def test_a_file_without_any_write_bit_is_replaced_only_when_that_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path / "a.conf", "a: 1\n")
    path.chmod(0o444)
    with pytest.raises(WriteError):
        install([Write(path, b"a: 2\n", b"a: 1\n")])
    assert path.read_text() == "a: 1\n"
    if os.access(path, os.W_OK):  # root: allowed, and the mode is kept
        install([Write(path, b"a: 2\n", b"a: 1\n", read_only_ok=True)])
        assert (path.read_text(), stat.S_IMODE(path.stat().st_mode)) == ("a: 2\n", 0o444)
    else:  # no one else may write it at all
        with pytest.raises(WriteError):
            install([Write(path, b"a: 2\n", b"a: 1\n", read_only_ok=True)])
