"""One safe write transaction per command: lock, read once, edit, write all or nothing.

A transaction locks each directory it writes to (the real directories: a file linked from another config
directory is locked where it really is), reads every file once, lets the command edit the parsed documents,
then writes the changed files all or nothing (``atomic.py``): a temporary file beside each, fsync, then
``os.replace`` once every one is ready and still what was read. A file keeps its mode, owner, group and
attributes, a symlink is followed to its target (Kubernetes ConfigMap mounts, hand-made links), the previous
content is kept as ``NAME.conf.bak`` (owner-only; the server ignores it), and a file whose text did not change
is not touched at all. Any failure leaves every file as it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from ..errors import ConfigReadError, UsageError, WriteError
from ..hocon import Document
from .atomic import Write, backup_path, install, umask, write_atomically, write_error
from .journal import find as find_journal
from .locking import DEFAULT_LOCK_TIMEOUT, lock_directory
from .reading import Reader, Stamp, decode_text, parse_document, read_regular


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
    document: Document | None  # None: a file that is not a configuration file (``edit_text``)
    secret: bool = False
    whole: bool = False  # given its whole text (replace_text): a new file is written even when empty
    original: bytes | None = None  # the bytes on disk, kept as the backup (``before`` may be a lossy reading)
    private: bool = False  # readable by its owner only once written, even if it was not before
    text: str = ""  # the new text of a file that is not a configuration file
    stamp: Stamp | None = None  # the file as read: the write is refused if it changed meanwhile

    @property
    def after(self) -> str:
        return self.document.text if self.document is not None else self.text


@dataclass
class Transaction:
    """Lock, read, edit, write all or nothing.

    ``backed_up``: files whose original content a backup already holds. Several transactions of one command
    (``check --fix`` repairs in passes) share it, so that the backup keeps the first version, not a middle one.
    """

    dry_run: bool = False
    backup: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    backed_up: set[Path] = field(default_factory=set)
    read_only_ok: bool = False  # --force: replace a file that has no write bit (root could anyway)
    _locks: dict[Path, list[int]] = field(default_factory=dict)
    _open: dict[Path, _Open] = field(default_factory=dict)
    _dirs: list[Path] = field(default_factory=list)  # the config directories locked (the files' key prefixes)
    _reader: Reader = field(default_factory=Reader)
    _pending: list[Path] = field(default_factory=list)  # directories to make (and lock) when written into

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    # --- locking

    def lock(self, directory: Path) -> None:
        """Take the directory's lock; wait at most ``lock_timeout``.

        The lock is ``flock`` on the directory itself, so it needs no write permission and leaves no file: a
        dry run, or a command that turns out to change nothing, works in a read-only directory. A dry run takes
        no lock at all (every write is an atomic rename, so what it reads is always a whole file). A directory
        that does not exist yet holds nothing to read: it is made, and locked, by the commit that writes into it
        (so a command that fails before writing creates nothing).
        """
        directory = Path(os.path.abspath(directory))
        if directory not in self._dirs:
            self._dirs.append(directory)
        if (directory.exists() or directory.is_symlink()) and not directory.is_dir():
            raise UsageError(
                f"{directory} is not a directory",
                "--config-dir and CLEARML_CONFIG_DIR name the directory that holds the *.conf files",
            )
        if directory in self._locks or directory in self._pending or self.dry_run:
            return
        if not directory.is_dir():
            self._pending.append(directory)
            return
        self._lock_real([directory, *_linked_directories(directory)], required={Path(os.path.realpath(directory))})
        self._locks.setdefault(directory, [])

    def _lock_real(self, directories: list[Path], required: set[Path] | None = None) -> None:
        """Lock the real directories (links resolved) not locked yet, in one order for every process: the
        lock belongs to where the files are, whatever name leads there.

        ``required``: the directories whose lock must be had (None: all); another one that cannot be locked at
        all (a file system without flock, read-only) is left: a file there is still checked, just before the
        rename, against what was read. One held by another clearml-cfg is waited for in every case."""
        wanted = sorted({Path(os.path.realpath(d)) for d in directories} - self._locks.keys())
        for real in wanted:
            try:
                self._locks[real] = lock_directory(real, self.lock_timeout)
            except WriteError as e:
                if required is None or real in required or not isinstance(e.__cause__, OSError):
                    raise
                continue
            journal = find_journal(real)
            if journal is not None:
                raise WriteError(
                    f"an earlier edit by clearml-cfg in {real} was interrupted before it was complete; nothing "
                    "was written",
                    "run clearml-cfg check --fix to complete it (or check to see it), then run this command again",
                )

    @property
    def locked(self) -> bool:
        """Whether this transaction holds a lock, or will take it when it makes the directory (a dry run never
        does)."""
        return bool(self._locks or self._pending)

    def _make_pending(self) -> None:
        for directory in self._pending:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise write_error(e, directory, "create") from e
            self._lock_real([directory])
            self._locks.setdefault(directory, [])
        self._pending.clear()

    def release(self) -> None:
        for handles in self._locks.values():
            for fd in handles:
                os.close(fd)  # closing releases the flock
        self._locks.clear()
        self._pending.clear()

    def reread(self) -> None:
        """Forget what was read: after the locks were released and taken again, every file is read anew."""
        if self._open:
            raise RuntimeError("files are open in this transaction: they cannot be read again")
        self._reader = Reader()

    # --- files

    @property
    def reader(self) -> Reader:
        """What this transaction reads, file by file, once: views built on it see the documents it edits.

        Only after the lock is taken (or in a dry run, which takes none): a file read before the lock could be
        changed by another writer before this one writes, and that change would be lost."""
        if not self.locked and not self.dry_run:
            raise RuntimeError("a transaction reads files only once it holds its lock")
        return self._reader

    def document(self, path: Path, *, secret: bool = False, private: bool = False) -> Document:
        """The parsed file (an empty document for a file that does not exist yet), read once per transaction.

        ``secret``: the file will hold secrets, so a new file is created readable by its owner only.
        ``private``: an existing file too is made readable by its owner only (the server's own secrets).
        """
        key = Path(os.path.abspath(path))
        opened = self._open.get(key)
        if opened is None:
            target = Path(os.path.realpath(key)) if key.is_symlink() else key
            self._lock_target(target)
            try:
                before: str | None = self.reader.text(key)
            except FileNotFoundError:
                before = None
            if before is None:
                document = Document("")
                self.reader.adopt(key, document)  # views on this reader see the file the commit will create
            else:
                document = self.reader.document(key)
            original = before.encode("utf-8") if before is not None else None
            opened = _Open(key, target, before, document, secret, original=original, stamp=self.reader.stamp(key))
            self._open[key] = opened
        if opened.document is None:
            raise RuntimeError(f"{key} is open as a text file in this transaction")
        opened.secret = opened.secret or secret
        opened.private = opened.private or private
        return opened.document

    def edit_text(self, path: Path, edit: Callable[[str | None], str], *, private: bool = False) -> None:
        """Edit a file that is not a configuration file (a docker-compose ``.env``) with the others, all or
        nothing: ``edit`` gets its text as read under the lock (None: no such file) and returns the new text."""
        key = Path(os.path.abspath(path))
        if key in self._open:
            raise RuntimeError(f"{key} is already open in this transaction")
        target = Path(os.path.realpath(key)) if key.is_symlink() else key
        try:
            before: str | None = self.reader.text(key)
        except FileNotFoundError:
            before = None
        original = before.encode("utf-8") if before is not None else None
        self._open[key] = _Open(
            key, target, before, None, secret=private, original=original, private=private, text=edit(before)
        )

    def replace_text(self, path: Path, text: str, *, secret: bool = False) -> None:
        """Give a file a whole new text (starter files, imports); the old one need not parse."""
        key = Path(os.path.abspath(path))
        target = Path(os.path.realpath(key)) if key.is_symlink() else key
        self._lock_target(target)
        before: str | None = None
        original = stamp = None
        try:
            original, stamp = read_regular(key)
            before = decode_text(key, original)
        except FileNotFoundError:
            pass
        except ConfigReadError:
            if original is None:  # not a regular file, or far too large: nothing to replace
                raise
            before = original.decode("utf-8", "replace")  # bytes that are not text: kept as they were in the backup
        document = parse_document(key, text)
        self.reader.adopt(key, document)
        self._open[key] = _Open(key, target, before, document, secret, whole=True, original=original, stamp=stamp)

    def _lock_target(self, target: Path) -> None:
        """A file outside the directories locked (a link to elsewhere, a file named on the command line) is
        locked where it really is before it is read."""
        if self._locks and not self.dry_run and target.parent.is_dir():
            self._lock_real([target.parent])

    def changes(self) -> list[Change]:
        found = []
        for opened in self._open.values():
            after = opened.after
            if after != (opened.before if opened.before is not None else "") or (
                opened.before is None and opened.whole
            ):
                found.append(Change(opened.path, opened.target, opened.before, after, prefix=self._prefix(opened.path)))
        return found

    def _prefix(self, path: Path) -> tuple[str, ...] | None:
        """The key prefix of a file of a locked config directory (the deepest that holds it)."""
        from ..model.layout import SUFFIX, file_prefix

        holders = [d for d in self._dirs if path.is_relative_to(d)]
        if not holders or path.suffix != SUFFIX:
            return None
        return file_prefix(path.relative_to(max(holders, key=lambda d: len(d.parts))).as_posix())

    def commit(self) -> list[Change]:
        """Write every changed file, all or nothing (nothing in a dry run); returns what changed."""
        changes = self.changes()
        if self.dry_run or not changes:
            return changes
        self._make_pending()
        for change in changes:
            if change.before is None and os.path.lexists(change.target) and not change.target.is_dir():
                raise WriteError(
                    f"{change.path} was created by another program while clearml-cfg was working; nothing was written",
                    "run the command again: it reads the file as it is now",
                )
        # No parse here: every edit verified its own result, and replace_text parsed what it installed.
        writes = []
        for change in changes:
            opened = self._open[Path(os.path.abspath(change.path))]
            if self.backup and opened.original is not None:
                change.backup = backup_path(change.target)
            keep = change.backup if change.target not in self.backed_up else None
            writes.append(
                Write(
                    change.target,
                    change.after.encode("utf-8"),
                    opened.original,
                    opened.secret,
                    keep,
                    opened.private,
                    expected=opened.stamp,
                    prefix=change.prefix,
                    read_only_ok=self.read_only_ok,
                )
            )
        install(writes)
        for change in changes:
            change.written = True
            if change.backup is not None:
                self.backed_up.add(change.target)
        return changes


def write_file(
    path: Path, before: str | None, after: str, *, backup: bool = True, expected: Stamp | None = None
) -> Change:
    """Write ``after`` over ``path`` (a file that is not HOCON, such as docker-compose.yml) as a transaction writes
    a config file: atomically, keeping mode and owner, following a symlink, ``before`` kept as ``NAME.bak``.

    ``before`` is the text the caller read and edited (None: the file is new), ``expected`` the Stamp of that
    reading (the write is refused if the file changed since). The caller holds the lock.
    """
    key = Path(os.path.abspath(path))
    target = Path(os.path.realpath(key)) if key.is_symlink() else key
    change = Change(key, target, before, after)
    if after != (before if before is not None else ""):
        original = before.encode("utf-8") if before is not None else None
        change.backup = backup_path(target) if backup and original is not None else None
        install([Write(target, after.encode("utf-8"), original, backup=change.backup, expected=expected)])
        change.written = True
    return change


def write_output(path: Path, text: str, *, private: bool) -> None:
    """Write a command's output file atomically (readable by its owner only when it holds secrets)."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise write_error(e, target, "inspect") from e
    mode = 0o600 if private else (stat.S_IMODE(info.st_mode) if info else 0o666 & ~umask())
    write_atomically(target, text.encode("utf-8"), mode, (info.st_uid, info.st_gid) if info else None)


def _linked_directories(directory: Path) -> list[Path]:
    """The real directories of the *.conf files under ``directory`` that lead elsewhere through a link."""
    from ..model.layout import discover

    try:
        files = discover(directory, [])
    except ConfigReadError:
        return []  # a directory that cannot be listed: reading it fails, with its own message
    real = Path(os.path.realpath(directory))
    found = []
    for config_file in files:
        where = Path(os.path.realpath(config_file.path)).parent
        if where != (real / config_file.relative).parent:
            found.append(where)
    return found
