"""Reading configuration files, and one safe write transaction per command.

A transaction locks each directory it writes to, reads every file once, lets the command edit the parsed
documents, then writes each changed file atomically: a temporary file in the same directory, fsync,
``os.replace``. The file keeps its mode and owner, a symlink is followed to its target (Kubernetes ConfigMap
mounts, hand-made links), the previous content is kept as ``NAME.conf.bak`` (which the server ignores), and a
file whose text did not change is not touched at all. Any failure leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import ConfigReadError, WriteError
from .hocon import Document, HoconSemanticError, HoconSyntaxError

LOCK_NAME = ".clearml-cfg.lock"
#: A configuration file larger than this is refused: the largest real ones are a few kilobytes, and pyhocon
#: (the server's parser) would take minutes on it.
MAX_FILE_BYTES = 8 * 1024 * 1024
BACKUP_SUFFIX = ".bak"
DEFAULT_LOCK_TIMEOUT = 10.0


# --- reading ----------------------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The file's text, exactly (no newline translation); every failure is a ConfigReadError."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigReadError(
                f"{path}:1:1: {size / 1024 / 1024:.1f} MB is far too large for a configuration file "
                f"(the limit is {MAX_FILE_BYTES // 1024 // 1024} MB; the server's parser would take minutes on it)",
                "this is not a configuration file: move it out of the config directory",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except IsADirectoryError as e:
        raise ConfigReadError(f"{path} is a directory, not a file", f"rename or remove {path}") from e
    except PermissionError as e:
        raise ConfigReadError(
            f"cannot read {path}: permission denied", "run as a user who can read it (the server reads it too)"
        ) from e
    except OSError as e:
        raise ConfigReadError(f"cannot read {path}: {e.strerror}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ConfigReadError(
            f"{path}:{line}:{column}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
            "the server reads its files as UTF-8: re-save the file as UTF-8",
        ) from e
    if text.startswith("\ufeff"):
        raise ConfigReadError(
            f"{path}:1:1: the file starts with a UTF-8 byte-order mark, which the server's parser rejects",
            f"remove the first 3 bytes of {path}, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' {path}",
        )
    return text


def parse_document(path: Path, text: str) -> Document:
    try:
        document = Document(text)
        document.to_dict(resolve=False)  # the server would fail on a file it cannot make a tree of
    except HoconSyntaxError as e:
        raise ConfigReadError(
            f"{path}:{e.line}:{e.column}: {e.reason}",
            "fix the file by hand; the server cannot start with it either",
            detail=_masked_excerpt(e),
        ) from e
    except HoconSemanticError as e:
        raise ConfigReadError(f"{path}: {e}", "fix the file by hand; the server cannot read it either") from e
    return document


def _masked_excerpt(error: HoconSyntaxError) -> str:
    from .masking import mask_excerpt  # the offending line may hold a password

    return mask_excerpt(error.source_line, error.column)


def read_document(path: Path) -> Document:
    return parse_document(path, read_text(path))


def resolved_tree(path: Path, document: Document, env: dict[str, str] | os._Environ[str]) -> Any:
    """The file's tree with substitutions resolved, as the server resolves each file on its own."""
    try:
        return document.to_dict(resolve=True, env=env)
    except HoconSemanticError as e:
        raise ConfigReadError(f"{path}: {e}", "the server would fail to start with this file") from e


# --- writing ----------------------------------------------------------------------------------------------


@dataclass
class Change:
    """One file a command changed (or would change, in a dry run)."""

    path: Path  # as found in the config directory
    target: Path  # the file actually written: ``path`` with symlinks followed
    before: str | None  # None for a new file
    after: str
    backup: Path | None = None
    written: bool = False
    prefix: tuple[str, ...] | None = None  # the key path its content lands under; None: not a configuration file

    @property
    def created(self) -> bool:
        return self.before is None


@dataclass
class _Open:
    path: Path
    target: Path
    before: str | None
    document: Document
    secret: bool = False
    whole: bool = False  # given its whole text (replace_text): a new file is written even when empty


@dataclass
class Transaction:
    dry_run: bool = False
    backup: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    _locks: dict[Path, int] = field(default_factory=dict)
    _open: dict[Path, _Open] = field(default_factory=dict)
    _dirs: list[Path] = field(default_factory=list)  # the config directories locked (the files' key prefixes)

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    # --- locking

    def lock(self, directory: Path) -> None:
        """Take the directory's lock (creating the directory if needed); wait at most ``lock_timeout``."""
        directory = Path(os.path.abspath(directory))
        if directory not in self._dirs:
            self._dirs.append(directory)
        if directory in self._locks or (self.dry_run and not directory.is_dir()):
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise _write_error(e, directory, "create the lock file in") from e
        import fcntl

        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WriteError(
                        f"another clearml-cfg is editing {directory} (its lock {directory / LOCK_NAME} was "
                        f"not released within {self.lock_timeout:g} s)",
                        "wait for it to finish and try again, or wait longer with CLEARML_CFG_LOCK_TIMEOUT=SECONDS",
                    ) from None
                time.sleep(0.02)
        self._locks[directory] = fd

    def release(self) -> None:
        for fd in self._locks.values():
            os.close(fd)  # closing releases the flock
        self._locks.clear()

    # --- files

    def document(self, path: Path, *, secret: bool = False, parsed: Document | None = None) -> Document:
        """The parsed file (an empty document for a file that does not exist yet), read once per transaction.

        ``secret``: the file will hold secrets, so a new file is created readable by its owner only.
        ``parsed``: the file as read before the lock was taken; used as is when the text has not changed since.
        """
        key = Path(os.path.abspath(path))
        opened = self._open.get(key)
        if opened is None:
            target = Path(os.path.realpath(key)) if key.is_symlink() else key
            try:
                before: str | None = read_text(key)
            except FileNotFoundError:
                before = None
            if before is None:
                document = Document("")
            elif parsed is not None and parsed.text == before:
                document = parsed
            else:
                document = parse_document(key, before)
            opened = _Open(key, target, before, document, secret)
            self._open[key] = opened
        opened.secret = opened.secret or secret
        return opened.document

    def replace_text(self, path: Path, text: str, *, secret: bool = False) -> None:
        """Give a file a whole new text (starter files, imports); the old one need not parse."""
        key = Path(os.path.abspath(path))
        target = Path(os.path.realpath(key)) if key.is_symlink() else key
        try:
            before: str | None = read_text(key)
        except (FileNotFoundError, ConfigReadError):
            before = key.read_bytes().decode("utf-8", "replace") if key.is_file() else None
        self._open[key] = _Open(key, target, before, parse_document(key, text), secret, whole=True)

    def changes(self) -> list[Change]:
        found = []
        for opened in self._open.values():
            after = opened.document.text
            if after != (opened.before if opened.before is not None else "") or (
                opened.before is None and opened.whole
            ):
                found.append(Change(opened.path, opened.target, opened.before, after, prefix=self._prefix(opened.path)))
        return found

    def _prefix(self, path: Path) -> tuple[str, ...] | None:
        """The key prefix of a file of a locked config directory (the deepest that holds it)."""
        from .layout import SUFFIX, file_prefix

        holders = [d for d in self._dirs if path.is_relative_to(d)]
        if not holders or path.suffix != SUFFIX:
            return None
        return file_prefix(path.relative_to(max(holders, key=lambda d: len(d.parts))).as_posix())

    def commit(self) -> list[Change]:
        """Write every changed file (nothing in a dry run); returns what changed."""
        changes = self.changes()
        for change in changes:
            # No parse here: every edit verified its own result, and replace_text parsed what it installed.
            if self.dry_run:
                continue
            opened = self._open[Path(os.path.abspath(change.path))]
            change.backup = self._write(change, secret=opened.secret)
            change.written = True
        return changes

    def _write(self, change: Change, *, secret: bool) -> Path | None:
        return _replace(change.target, change.before, change.after, backup=self.backup, secret=secret)


def write_file(path: Path, before: str | None, after: str, *, backup: bool = True) -> Change:
    """Write ``after`` over ``path`` (a file that is not HOCON, such as docker-compose.yml) as a transaction writes
    a config file: atomically, keeping mode and owner, following a symlink, ``before`` kept as ``NAME.bak``.

    ``before`` is the text the caller read and edited (None: the file is new). The caller holds the lock.
    """
    key = Path(os.path.abspath(path))
    target = Path(os.path.realpath(key)) if key.is_symlink() else key
    change = Change(key, target, before, after)
    if after != (before if before is not None else ""):
        change.backup = _replace(target, before, after, backup=backup, secret=False)
        change.written = True
    return change


def _replace(target: Path, before: str | None, after: str, *, backup: bool, secret: bool) -> Path | None:
    written_backup: Path | None = None
    try:
        info = target.stat() if before is not None else None
    except OSError as e:
        raise _write_error(e, target, "inspect") from e
    mode = stat.S_IMODE(info.st_mode) if info else (0o600 if secret else 0o666 & ~_umask())
    owner = (info.st_uid, info.st_gid) if info else None
    if info is not None and backup and before is not None:
        written_backup = target.with_name(target.name + BACKUP_SUFFIX)
        _atomic_write(written_backup, before.encode("utf-8"), mode, owner)
    _atomic_write(target, after.encode("utf-8"), mode, owner)
    return written_backup


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _atomic_write(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    import tempfile

    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise _write_error(e, target, "write") from e
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):  # not root: the file stays ours, as with any editor
                os.chown(temporary, *owner)
        os.replace(temporary, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise _write_error(e, target, "write") from e
        raise
    _fsync_directory(directory)


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


def _write_error(error: OSError, path: Path, action: str) -> WriteError:
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
    return WriteError(f"cannot {action} {path}: {error.strerror or error}")


def write_output(path: Path, text: str, *, private: bool) -> None:
    """Write a command's output file atomically (readable by its owner only when it holds secrets)."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise _write_error(e, target, "inspect") from e
    mode = 0o600 if private else (stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask())
    _atomic_write(target, text.encode("utf-8"), mode, (info.st_uid, info.st_gid) if info else None)
