"""Writing files all or nothing, keeping mode, owner and a private backup.

Every new text, and every backup, is first written in full to a temporary file beside its target (fsynced,
owner and mode set); only when all of them are ready are they renamed into place. So a failure while
preparing (a read-only file or directory, a full disk, a backup path that is a directory) changes nothing at
all, and a command that edits several files never leaves some edited and others not.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile  # loaded with the transaction: add-user loads it while bcrypt works
from dataclasses import dataclass
from pathlib import Path

from ..errors import WriteError

BACKUP_SUFFIX = ".bak"


def backup_path(target: Path) -> Path:
    """Where the previous content of ``target`` is kept: ``NAME.conf.bak``, which the server does not load."""
    return target.with_name(target.name + BACKUP_SUFFIX)


@dataclass
class Write:
    """One file to write: ``target`` is the real file (symlinks already followed)."""

    target: Path
    data: bytes
    original: bytes | None  # the content now; None for a new file
    secret: bool = False  # a new file is created readable by its owner only
    backup: Path | None = None  # keep ``original`` here (always owner-only: it may hold secrets)


@dataclass
class _Staged:
    final: Path
    temporary: Path
    previous: bytes | None  # what ``final`` held, to put back should a later rename fail
    is_backup: bool


def install(writes: list[Write]) -> None:
    """Write every file, or none of them (a WriteError naming the file that failed)."""
    staged: list[_Staged] = []
    try:
        for write in writes:
            staged.extend(_prepare(write))
    except BaseException:
        _discard(staged)
        raise
    _rename_all(staged)
    for directory in dict.fromkeys(s.final.parent for s in staged):
        _fsync_directory(directory)


def write_atomically(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    """One file, atomically: the temporary file is renamed over ``target`` only once it is complete."""
    item = _stage(target, data, mode, owner, previous=None, is_backup=False)
    _rename_all([item])
    _fsync_directory(target.parent)


def _prepare(write: Write) -> list[_Staged]:
    target = write.target
    if write.original is None:
        info = None
    else:
        try:
            info = target.stat()
        except OSError as e:
            raise write_error(e, target, "inspect") from e
        if not os.access(target, os.W_OK):
            raise _not_writable(target, info)
    mode = stat.S_IMODE(info.st_mode) if info else (0o600 if write.secret else 0o666 & ~umask())
    owner = (info.st_uid, info.st_gid) if info else None
    staged = []
    if write.backup is not None and write.original is not None:
        if write.backup.is_dir():
            raise WriteError(
                f"cannot keep the backup {write.backup}: it is a directory",
                f"move {write.backup} out of the way, or pass --no-backup",
            )
        staged.append(_stage(write.backup, write.original, 0o600, owner, previous=None, is_backup=True))
    try:
        staged.append(_stage(target, write.data, mode, owner, previous=write.original, is_backup=False))
    except BaseException:
        _discard(staged)
        raise
    return staged


def _stage(
    final: Path, data: bytes, mode: int, owner: tuple[int, int] | None, *, previous: bytes | None, is_backup: bool
) -> _Staged:
    directory = final.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise write_error(e, final, "write") from e
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # chown before chmod: chown clears the setuid and setgid bits that chmod then sets
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):  # not root: the file stays ours, as with any editor
                os.chown(temporary, *owner)
        os.chmod(temporary, mode)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise write_error(e, final, "write") from e
        raise
    return _Staged(final, temporary, previous, is_backup)


def _rename_all(staged: list[_Staged]) -> None:
    for index, item in enumerate(staged):
        try:
            os.replace(item.temporary, item.final)
        except OSError as e:
            _discard(staged[index:])
            _put_back(staged[:index])
            raise write_error(e, item.final, "write") from e


def _put_back(done: list[_Staged]) -> None:
    """A rename failed after others succeeded (rare: the preparation checked everything it could): return the
    files already replaced to what they held, so that the command still changes all or nothing."""
    for item in reversed(done):
        if item.is_backup:
            continue
        with contextlib.suppress(OSError, WriteError):
            if item.previous is None:
                os.unlink(item.final)
            else:
                info = item.final.stat()
                write_atomically(item.final, item.previous, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))


def _discard(staged: list[_Staged]) -> None:
    for item in staged:
        with contextlib.suppress(OSError):
            os.unlink(item.temporary)


def _not_writable(target: Path, info: os.stat_result) -> WriteError:
    if _on_read_only_file_system(target):
        return write_error(OSError(errno.EROFS, "Read-only file system"), target, "write")
    if hasattr(os, "geteuid") and info.st_uid == os.geteuid():
        return WriteError(
            f"{target} is read-only (mode {stat.S_IMODE(info.st_mode):o})",
            f"chmod u+w {target}, if it is meant to be edited",
        )
    return write_error(OSError(errno.EACCES, "Permission denied"), target, "write")


def _on_read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_error(error: OSError, path: Path, action: str) -> WriteError:
    if error.errno in (errno.EACCES, errno.EPERM):
        return WriteError(
            f"cannot {action} {path}: permission denied",
            "run as a user who can write there (e.g. with sudo), or point --config-dir at a directory you own",
        )
    if error.errno == errno.EROFS:
        return WriteError(
            f"cannot {action} {path}: read-only file system",
            "a Kubernetes ConfigMap or Secret mount is read-only: change the ConfigMap/Secret instead",
        )
    if error.errno == errno.ENOSPC:
        return WriteError(f"cannot {action} {path}: no space left on the device", "free some space and try again")
    if error.errno == errno.EDQUOT:
        return WriteError(f"cannot {action} {path}: disk quota exceeded", "free some space and try again")
    if error.errno == errno.EFBIG:
        return WriteError(f"cannot {action} {path}: file too large for this process (ulimit -f)", "raise the limit")
    if error.errno == errno.EIO:
        return WriteError(f"cannot {action} {path}: input/output error", "check the disk; the file was left as it was")
    if error.errno == errno.ENOTDIR:
        return WriteError(
            f"cannot {action} {path}: a part of the path is a file, not a directory",
            "point --config-dir (or CLEARML_CONFIG_DIR) at a directory",
        )
    if error.errno == errno.EISDIR:
        return WriteError(f"cannot {action} {path}: it is a directory", f"move {path} out of the way")
    return WriteError(
        f"cannot {action} {path}: {error.strerror or error}", "nothing was written; fix the cause and try again"
    )
