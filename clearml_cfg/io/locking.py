"""The lock a write takes: flock on the config directory, waited for at most a timeout."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import WriteError

LOCK_NAME = ".clearml-cfg.lock"


DEFAULT_LOCK_TIMEOUT = 10.0


def lock_directory(directory: Path, timeout: float) -> list[int]:
    """Lock ``directory`` exclusively; returns the descriptors to close to release it.

    Also locks ``.clearml-cfg.lock`` when it exists (earlier versions locked that file). Where a directory
    cannot be flocked (some network file systems), that file alone is the lock, created if need be.
    """
    deadline = time.monotonic() + timeout
    handles: list[int] = []
    try:
        try:
            handles.append(os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)))
            _flock(handles[-1], directory, deadline, timeout)
        except OSError:
            for fd in handles:
                os.close(fd)
            handles = [os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)]
            _flock(handles[-1], directory, deadline, timeout)
            return handles
        legacy = _open_if_present(directory / LOCK_NAME)
        if legacy is not None:
            handles.append(legacy)
            _flock(legacy, directory, deadline, timeout)
    except BaseException as e:
        for fd in handles:
            os.close(fd)
        if isinstance(e, OSError):
            from .atomic import write_error  # a failure's message only: reading commands do without it

            raise write_error(e, directory, "lock") from e
        raise
    return handles


def _open_if_present(path: Path) -> int | None:
    for flags in (os.O_RDWR, os.O_RDONLY):
        try:
            return os.open(path, flags)
        except FileNotFoundError:
            return None
        except PermissionError:
            continue
    return None


def _flock(fd: int, directory: Path, deadline: float, timeout: float) -> None:
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise WriteError(
                    f"another clearml-cfg is editing {directory} (its lock was not released within {timeout:g} s)",
                    "wait for it to finish and try again, or wait longer with CLEARML_CFG_LOCK_TIMEOUT=SECONDS",
                ) from None
            time.sleep(0.02)
