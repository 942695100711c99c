"""restore: one step back. ``NAME.conf.bak`` goes back into place, and what it replaces becomes the new backup,
so that a second restore goes forward again.

Every write keeps the previous content as ``NAME.conf.bak`` beside the real file (a symlink's target). Putting it
back is a write like any other: the same transaction (lock, atomic replace, mode and owner kept), and the backup
must be text the server can read. A file changed by hand after the backup was made still has its backup, but
restoring it also undoes that change: said before it happens.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError, UsageError, WriteError
from ..io.atomic import BACKUP_SUFFIX, backup_path
from ..io.reading import parse_document, read_text
from ..model.layout import SUFFIX, ConfigDirs, ConfigFile, discover
from .common import Options, Outcome
from .export_variables import holds_secrets
from .locate import config_file, current_bytes

#: A backup and the file it was taken from are written by one transaction, the backup first; a file modified
#: later than this after its backup was changed by something else.
SAME_WRITE_SECONDS = 2.0


@dataclass
class Plan:
    """What a restore of one file would do."""

    file: ConfigFile
    target: Path  # the file actually written (a symlink followed)
    backup: Path
    current: bytes | None  # the file's content now; None: it does not exist
    restored: str  # the backup's text
    warnings: list[str] = field(default_factory=list)

    @property
    def before(self) -> str | None:
        return None if self.current is None else self.current.decode("utf-8", "replace")

    @property
    def needed(self) -> bool:
        return self.current != self.restored.encode("utf-8")


def plan_restore(dirs: ConfigDirs, name: str) -> Plan:
    """The backup of the file ``name`` stands for, read and checked; nothing is written."""
    target_file = config_file(dirs, name)
    path = target_file.path
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    backup = backup_path(target)
    if not backup.is_file():
        raise UsageError(
            f"{path} has no backup ({backup.name}): there is nothing to restore",
            "clearml-cfg restore --list shows the files that have one",
        )
    try:
        restored = read_text(backup)
    except ConfigReadError as e:
        raise ConfigReadError(f"the backup {e.message}", "nothing was restored", detail=e.detail) from None
    parse_document(backup, restored)  # the server could not read it: not put back (exit 3, naming the backup)
    current = current_bytes(target)
    plan = Plan(target_file, target, backup, current, restored)
    if current is not None and plan.needed:
        changed, taken = target.stat().st_mtime, backup.stat().st_mtime
        if changed > taken + SAME_WRITE_SECONDS:
            plan.warnings.append(
                f"{path} was changed on {_when(changed)}, after its backup was made ({_when(taken)}): by hand, by "
                "another program or by a write with --no-backup. Restoring undoes that change too (it becomes the "
                "new backup)"
            )
    return plan


def restore(options: Options, plan: Plan) -> Outcome:
    """Put the backup in place, the current content becoming the new backup; nothing is written when either
    changed since the plan was made."""
    path = plan.file.path
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(plan.file.directory)
        if current_bytes(plan.target) != plan.current or read_text(plan.backup) != plan.restored:
            raise WriteError(
                f"{path} or its backup changed while clearml-cfg was restoring it; nothing was written",
                "run clearml-cfg restore again: it shows the difference as it is now",
            )
        if not plan.needed:
            outcome.notes.append(f"{path} already holds its backup: nothing to restore")
            return outcome
        document = parse_document(plan.backup, plan.restored)
        secret = holds_secrets(document.to_dict(resolve=False), plan.file.prefix)
        tx.replace_text(path, plan.restored, secret=secret)
        outcome.changes = tx.commit()
    return outcome


# --- the list -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    """A backup of a file of a config directory, and how far the file has moved from it."""

    file: Path  # as found in the config directory (it may no longer exist)
    backup: Path
    taken: float  # when the backup was made (its modification time)
    added: int  # lines a restore would add
    removed: int  # lines a restore would remove
    exists: bool  # whether the file itself exists

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "backup": str(self.backup),
            "taken": datetime.fromtimestamp(self.taken).astimezone().isoformat(timespec="seconds"),
            "added": self.added,
            "removed": self.removed,
            "file_exists": self.exists,
        }

    @property
    def when(self) -> str:
        return _when(self.taken)


def backups(dirs: ConfigDirs) -> list[Backup]:
    """Every backup of a configuration file in the config directories: the backups of the files there (a symlink's
    beside its target), and backups whose file is gone."""
    found: dict[Path, Backup] = {}
    for directory in dirs.dirs:
        for found_file in discover(directory):
            path = found_file.path
            target = Path(os.path.realpath(path)) if path.is_symlink() else path
            _add(found, path, backup_path(target))
        for root, _, names in os.walk(directory):
            for name in sorted(names):
                if name.endswith(SUFFIX + BACKUP_SUFFIX):
                    backup = Path(root, name)
                    _add(found, backup.with_name(name[: -len(BACKUP_SUFFIX)]), backup)
    return sorted(found.values(), key=lambda b: str(b.file))


def _add(found: dict[Path, Backup], path: Path, backup: Path) -> None:
    if backup in found or not backup.is_file() or (path.exists() and not path.is_file()):
        return  # a FIFO or device would block the read or never end
    try:
        old = backup.read_bytes().decode("utf-8", "replace").splitlines()
        taken = backup.stat().st_mtime
    except OSError:
        return  # not ours to read: another user's backup
    try:
        now = path.read_bytes().decode("utf-8", "replace").splitlines()
        exists = True
    except FileNotFoundError:
        now, exists = [], False
    except OSError:
        return
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, now, old, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    found[backup] = Backup(path, backup, taken, added, removed, exists)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(sep=" ", timespec="seconds")
