"""Writing files all or nothing, keeping mode, owner, group, ACLs and extended attributes, and a private backup.

Every new text, and every backup, is first written in full to a temporary file beside its target (fsynced;
owner, mode and attributes set on the open descriptor, never by name: a name in a directory others can write to
may be swapped for a link at any moment). Only when all of them are ready, the temporary files are still the
ones written, and every target is still what the command read, are they renamed into place. So a failure while
preparing (a read-only file or directory, a full disk, a backup path that is a directory) or another program's
edit changes nothing at all. When several files change, a journal lists the renames first (``journal.py``): a
command killed between two renames leaves an edit that ``check --fix`` completes.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import stat
import tempfile  # loaded with the transaction: add-user loads it while bcrypt works
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChangedOnDisk, ConfigReadError, WriteError
from .reading import Stamp, read_regular

BACKUP_SUFFIX = ".bak"
TEMPORARY_SUFFIX = ".tmp"
JOURNAL_NAME = ".clearml-cfg.journal"

# ioctl FS_IOC_GETFLAGS and the inode flags that forbid replacing a file (Linux: chattr +i, chattr +a)
_FS_IOC_GETFLAGS = 0x80086601
_IMMUTABLE = 0x00000010
_APPEND_ONLY = 0x00000020
_ACL = "system.posix_acl_access"


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
    private: bool = False  # an existing file too ends up readable by its owner only (its other bits kept)
    expected: Stamp | None = None  # the file as it was read: the write is refused if it is no longer that
    prefix: tuple[str, ...] | None = None  # where its content lands (to mask a diff of another program's edit)
    read_only_ok: bool = False  # --force: a file without any write bit may be replaced by whoever may write it


@dataclass
class _Staged:
    final: Path
    temporary: Path
    previous: bytes | None  # what ``final`` held, to put back should a later rename fail
    is_backup: bool
    identity: tuple[int, int] = (0, 0)  # device and inode of the temporary file written
    digest: str = ""  # SHA-256 of its content (for the journal)


def install(writes: list[Write]) -> None:
    """Write every file, or none of them (a WriteError naming the file that failed)."""
    staged: list[_Staged] = []
    try:
        for write in writes:
            staged.extend(_prepare(write))
        for write in writes:
            _check_unchanged(write)
        for item in staged:
            _check_still_ours(item)
        journal = begin_journal([(s.temporary, s.final, s.digest) for s in staged]) if _several(staged) else None
    except BaseException:
        _discard(staged)
        raise
    try:
        _rename_all(staged)
    except WriteError:
        if journal is not None:
            finish_journal(journal)  # every file was put back: nothing is left to complete
        raise
    if journal is not None:
        finish_journal(journal)
    for directory in dict.fromkeys(s.final.parent for s in staged):
        fsync_directory(directory)


def write_atomically(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    """One file, atomically: the temporary file is renamed over ``target`` only once it is complete."""
    item = _stage(target, data, mode, owner, previous=None, is_backup=False)
    try:
        _check_still_ours(item)
    except BaseException:
        _discard([item])
        raise
    _rename_all([item])
    fsync_directory(target.parent)


def begin_journal(renames: list[tuple[Path, Path, str]]) -> Path:
    """Write the journal of these renames (temporary, final, SHA-256 of the content) beside the first file; what
    to complete should the command be killed before the last rename (``journal.py`` completes it)."""
    path = renames[0][1].parent / JOURNAL_NAME
    entries = [{"temporary": str(t), "final": str(f), "sha256": d} for t, f, d in renames]
    data = json.dumps({"clearml-cfg": "journal", "renames": entries}, indent=1).encode("utf-8")
    write_atomically(path, data, 0o600, None)
    fsync_directory(path.parent)
    return path


def finish_journal(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fsync_directory(path.parent)


def change_mode(path: Path, mode: int) -> None:
    """chmod on the file ``path`` leads to, through a descriptor opened without following a link: a name swapped
    for a link meanwhile is refused, never followed to some other file."""
    real = os.path.realpath(path)
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    except OSError as e:
        raise write_error(e, path, "change the mode of") from e


def _several(staged: list[_Staged]) -> bool:
    return sum(1 for s in staged if not s.is_backup) > 1


def _prepare(write: Write) -> list[_Staged]:
    target = write.target
    if write.original is None:
        info = None
    else:
        try:
            info = target.stat()
        except OSError as e:
            raise write_error(e, target, "inspect") from e
        _check_replaceable(target, info, read_only_ok=write.read_only_ok)
    mode = stat.S_IMODE(info.st_mode) if info else (0o600 if write.secret or write.private else 0o666 & ~umask())
    if write.private:
        mode &= ~0o077  # set on the temporary file: the new content is never readable by others, even briefly
    owner = (info.st_uid, info.st_gid) if info else None
    if write.backup is not None and write.original is not None and write.backup.is_dir():
        raise WriteError(
            f"cannot keep the backup {write.backup}: it is a directory",
            f"move {write.backup} out of the way, or pass --no-backup",
        )
    # the file first (the checks that can refuse are there), its backup before it in the order of the renames
    main = _stage(
        target, write.data, mode, owner, previous=write.original, is_backup=False, like=target if info else None
    )
    if write.backup is None or write.original is None:
        return [main]
    try:
        backup = _stage(write.backup, write.original, 0o600, owner, previous=None, is_backup=True)
    except BaseException:
        _discard([main])
        raise
    return [backup, main]


def _check_replaceable(target: Path, info: os.stat_result, *, read_only_ok: bool = False) -> None:
    """A file that must not be replaced: immutable or append-only, read-only, or one of several hard links.

    A file without any write bit says "do not edit" even to root, who could: refused unless ``read_only_ok``."""
    flags = _inode_flags(target)
    if flags & (_IMMUTABLE | _APPEND_ONLY):
        which, letter = ("immutable", "i") if flags & _IMMUTABLE else ("append-only", "a")
        raise WriteError(
            f"{target} is {which} (chattr +{letter}): no one can replace it, root included",
            f"chattr -{letter} {target} as root, if it is meant to be edited",
        )
    if not os.access(target, os.W_OK) or not (info.st_mode & 0o222 or read_only_ok):
        raise _not_writable(target, info)
    if info.st_nlink > 1:
        raise WriteError(
            f"{target} has {info.st_nlink} hard links: replacing it would leave the other names with the old "
            "content; nothing was written",
            "make the other names symbolic links to it (ln -sf), or edit the file by hand",
        )


def _inode_flags(path: Path) -> int:
    try:
        import fcntl
        import struct

        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ImportError):
        return 0
    try:
        return int(struct.unpack("l", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, b"\0" * struct.calcsize("l")))[0])
    except OSError:
        return 0  # a file system without such flags
    finally:
        os.close(fd)


def _stage(
    final: Path,
    data: bytes,
    mode: int,
    owner: tuple[int, int] | None,
    *,
    previous: bytes | None,
    is_backup: bool,
    like: Path | None = None,
) -> _Staged:
    """Write ``data`` to a new temporary file beside ``final``; owner, mode and (from ``like``) the extended
    attributes are set on its descriptor."""
    import hashlib

    directory = final.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW, readable by us alone
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=TEMPORARY_SUFFIX, dir=directory)
    except OSError as e:
        raise write_error(e, final, "write") from e
    temporary = Path(name)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            # chown before chmod: chown clears the setuid and setgid bits that chmod then sets
            if owner is not None and hasattr(os, "fchown"):
                _give_owner(fd, owner, final, strict=not is_backup)
            os.fchmod(fd, mode)
            if like is not None:
                _copy_attributes(like, fd, final)
            info = os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise write_error(e, final, "write") from e
        raise
    return _Staged(final, temporary, previous, is_backup, (info.st_dev, info.st_ino), hashlib.sha256(data).hexdigest())


def _give_owner(fd: int, owner: tuple[int, int], final: Path, *, strict: bool) -> None:
    """The new file gets the old one's owner and group; ``strict``: refuse when that cannot be (a backup, which
    only its owner can read anyway, stays ours instead)."""
    uid, gid = owner
    try:
        os.fchown(fd, uid, gid)
        return
    except PermissionError:
        if not strict:
            with contextlib.suppress(PermissionError):
                os.fchown(fd, -1, gid)
            return
    mine = os.fstat(fd)
    if mine.st_uid != uid:
        raise WriteError(
            f"cannot keep the owner of {final} ({_user(uid)}): the new file would belong to {_user(mine.st_uid)}; "
            "nothing was written",
            f"run as {'' if uid == 0 else f'{_user(uid)} or as '}root (e.g. with sudo): clearml-cfg replaces a "
            "file with a new one, and only they can give it its owner back",
        )
    try:
        os.fchown(fd, -1, gid)
    except PermissionError:
        raise WriteError(
            f"cannot keep the group of {final} ({_group(gid)}): {_user(uid)} is not a member of it; "
            "nothing was written",
            f"run as root (e.g. with sudo), or as a member of {_group(gid)}",
        ) from None


def _user(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def _group(gid: int) -> str:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return f"gid {gid}"


def _copy_attributes(source: Path, fd: int, final: Path) -> None:
    """The extended attributes of ``source`` (its POSIX ACL among them) onto the new file, exactly: a file
    system without them has nothing to copy; one that cannot take them is a refusal, not a silent loss."""
    try:
        wanted = {name: os.getxattr(source, name) for name in os.listxattr(source)}
        present = {name: os.getxattr(fd, name) for name in os.listxattr(fd)}
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT):
            return  # none to copy; or the file went away, which the check before the renames reports
        raise write_error(e, final, "read the attributes of") from e
    for name in present.keys() - wanted.keys():  # inherited from the directory's default ACL, say
        _set_attribute(final, name, functools.partial(os.removexattr, fd, name))
    for name, value in wanted.items():
        if present.get(name) != value:
            _set_attribute(final, name, functools.partial(os.setxattr, fd, name, value))


def _set_attribute(final: Path, name: str, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as e:
        what = "its access control list (ACL)" if name == _ACL else f"its extended attribute {name}"
        raise WriteError(
            f"cannot keep {what} on the new {final}: {e.strerror}; nothing was written",
            "run as root (e.g. with sudo), who can copy it onto the new file, or edit the file by hand",
        ) from e


def _check_still_ours(item: _Staged) -> None:
    """The temporary file is still the one written: a name another user swapped (for a link to some other
    file) is never renamed over a configuration file."""
    try:
        info = os.lstat(item.temporary)
        same = (info.st_dev, info.st_ino) == item.identity and stat.S_ISREG(info.st_mode)
    except OSError:
        same = False
    if not same:
        directory = item.temporary.parent
        raise WriteError(
            f"the temporary file {item.temporary} was replaced or removed by another program while clearml-cfg "
            "was writing; nothing was written",
            f"someone else can write to {directory}: let only its owner write there (chmod go-w {directory}), "
            "then run the command again",
        )


def _check_unchanged(write: Write) -> None:
    """The target is still what the command read (just before the renames, under the lock): another program's
    edit made meanwhile is refused rather than silently overwritten."""
    target = write.target
    if write.original is None:
        if os.path.lexists(target) and not target.is_dir():
            raise WriteError(
                f"{target} was created by another program while clearml-cfg was working; nothing was written",
                "run the command again: it reads the file as it is now",
            )
        return
    if write.expected is None:
        return
    try:
        data, now = read_regular(target)
    except (OSError, ConfigReadError):
        data, now = None, None
    if now == write.expected:
        return
    before = write.original.decode("utf-8", "replace")
    raise ChangedOnDisk(
        f"{target} was {'changed' if data is not None else 'removed'} by another program after clearml-cfg read "
        "it; nothing was written",
        "run the command again: it reads the file as it is now"
        + (" (the diff above is what the other program changed)" if data is not None else ""),
        path=target,
        before=before,
        now=data.decode("utf-8", "replace") if data is not None else None,
        prefix=write.prefix,
    )


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
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222 or (hasattr(os, "geteuid") and info.st_uid == os.geteuid()):
        force = " (or --force, which keeps the mode)" if os.access(target, os.W_OK) else ""
        return WriteError(
            f"{target} is read-only (mode {mode:o})", f"chmod u+w {target}, if it is meant to be edited{force}"
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


def fsync_directory(directory: Path) -> None:
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
