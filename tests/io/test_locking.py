"""io/locking.py: flock on the config directory (and on the lock file of earlier versions), within a timeout."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

import pytest

from clearml_cfg.errors import WriteError
from clearml_cfg.io import locking
from clearml_cfg.io.locking import LOCK_NAME, lock_directory


def release(handles: list[int]) -> None:
    for fd in handles:
        os.close(fd)


def is_free(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_the_directory_is_locked_until_the_handles_are_closed(tmp_path: Path) -> None:
    handles = lock_directory(tmp_path, 1)
    assert not is_free(tmp_path)
    with pytest.raises(WriteError):
        lock_directory(tmp_path, 0.05)
    release(handles)
    assert is_free(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no lock file left behind


def test_the_lock_file_of_earlier_versions_is_locked_too(tmp_path: Path) -> None:
    legacy = tmp_path / LOCK_NAME
    legacy.touch()
    held = os.open(legacy, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        with pytest.raises(WriteError):
            lock_directory(tmp_path, 0.05)
        assert is_free(tmp_path)  # the directory's lock was given back when the second one failed
    finally:
        os.close(held)
    handles = lock_directory(tmp_path, 1)
    assert len(handles) == 2 and not is_free(legacy)
    release(handles)


def test_where_a_directory_cannot_be_flocked_a_private_lock_file_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_flock = fcntl.flock

    def flock(fd: int, operation: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.ENOLCK, "No locks available")  # some network file systems
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    handles = lock_directory(tmp_path, 1)
    lock_file = tmp_path / LOCK_NAME
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600
    with pytest.raises(WriteError):
        lock_directory(tmp_path, 0.05)
    release(handles)
    release(lock_directory(tmp_path, 0.05))


def test_a_directory_that_cannot_be_opened_is_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(WriteError):
        lock_directory(tmp_path / "missing", 0.05)


def test_the_wait_ends_at_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A held lock is tried again until the deadline, then given up (a clock the test moves, not a real wait)."""
    now = [0.0]
    sleeps: list[float] = []
    monkeypatch.setattr(locking.time, "monotonic", lambda: now[0])

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(locking.time, "sleep", sleep)
    held = lock_directory(tmp_path, 1)
    try:
        with pytest.raises(WriteError):
            lock_directory(tmp_path, 1)
    finally:
        release(held)
    assert 1 <= sum(sleeps) < 1.1
