"""The journal of a write that renames several files, and the temporary files a killed command leaves behind.

Before the first of several renames, ``atomic.install`` writes ``.clearml-cfg.journal`` beside the first file
(every temporary file is complete and synced by then): the renames to make, in order, with a hash of each new
content. It is removed once they are all made. A command killed in between leaves it, and ``complete`` makes the
renames left, so that the edit ends all done (``check`` reports it, ``check --fix`` completes it; a write
command refuses to edit over it). A journal is trusted only as far as its owner could have written the files
itself: one planted by another user cannot make root rename anything of someone else's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigReadError, WriteError
from .atomic import JOURNAL_NAME, finish_journal, fsync_directory, write_error
from .locking import lock_directory
from .reading import read_regular

# `.apiserver.conf.k3j9_x2a.tmp`: what tempfile.mkstemp makes for a file (see atomic._stage)
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
# the files clearml-cfg writes in a config directory: its files, their backups, and the journal
_OURS = re.compile(r"^(?:.+\.conf(?:\.bak)?|\.clearml-cfg\.journal)$")
_JOURNAL_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Rename:
    temporary: Path
    final: Path
    sha256: str

    @property
    def pending(self) -> bool:
        return os.path.lexists(self.temporary)


@dataclass(frozen=True)
class Journal:
    path: Path
    renames: tuple[Rename, ...]

    @property
    def pending(self) -> list[Rename]:
        """The renames not made yet (their temporary file is still there)."""
        return [r for r in self.renames if r.pending]

    @property
    def done(self) -> list[Rename]:
        return [r for r in self.renames if not r.pending]


def find(directory: Path) -> Journal | None:
    """The journal left in ``directory`` (None: no edit was interrupted there)."""
    path = directory / JOURNAL_NAME
    try:
        data, _ = read_regular(path, _JOURNAL_LIMIT, what="journal")
        content = json.loads(data.decode("utf-8"))
        renames = tuple(
            Rename(Path(entry["temporary"]), Path(entry["final"]), str(entry["sha256"])) for entry in content["renames"]
        )
    except FileNotFoundError:
        return None
    except (ConfigReadError, ValueError, KeyError, TypeError):
        renames = ()  # not ours to read: reported, and only removed
    return Journal(path, renames)


def complete(journal: Journal) -> list[Path]:
    """Make the renames the journal still lists, then remove it; returns the files completed.

    Refused (WriteError, nothing renamed) when a temporary file is not what the journal says it wrote."""
    for rename in journal.pending:
        _check_trusted(journal, rename)
    completed = []
    for rename in journal.pending:
        try:
            os.replace(rename.temporary, rename.final)
        except OSError as e:
            raise write_error(e, rename.final, "complete the interrupted edit of") from e
        completed.append(rename.final)
    for directory in dict.fromkeys(r.final.parent for r in journal.renames):
        fsync_directory(directory)
    finish_journal(journal.path)
    return completed


def _check_trusted(journal: Journal, rename: Rename) -> None:
    temporary, final = rename.temporary, rename.final
    match = _TEMPORARY.match(temporary.name)
    refusal = None
    if temporary.parent != final.parent or match is None or match.group("name") != final.name:
        refusal = "it names a temporary file that is not beside its file"
    else:
        try:
            owner = os.lstat(journal.path).st_uid
            info = os.lstat(temporary)
            data, _ = read_regular(temporary)
        except (OSError, ConfigReadError):
            refusal = "its temporary file cannot be read"
        else:
            final_owner = os.lstat(final).st_uid if os.path.lexists(final) else info.st_uid
            if not stat.S_ISREG(info.st_mode) or hashlib.sha256(data).hexdigest() != rename.sha256:
                refusal = "its temporary file is not the content the journal wrote"
            elif owner != 0 and owner != final_owner:
                refusal = "the journal does not belong to the owner of the file (or to root)"
    if refusal is not None:
        raise WriteError(
            f"cannot complete the interrupted edit of {final}: {refusal}; nothing was renamed",
            f"look at {journal.path} and the files beside it; remove {journal.path} once they are as they should be",
        )


def temporary_files(directory: Path) -> list[Path]:
    """The temporary files clearml-cfg writes (``.NAME.conf.XXXXXXXX.tmp``) found under ``directory``."""
    found = []
    for root, subdirs, files in os.walk(directory):
        subdirs.sort()
        for name in sorted(files):
            match = _TEMPORARY.match(name)
            if match is not None and _OURS.match(match.group("name")):
                found.append(Path(root, name))
    return found


def recover(journal: Journal, lock_timeout: float) -> list[Path]:
    """``complete`` under the locks of every directory it renames in (a writer may be at work there)."""
    directories = sorted({journal.path.parent, *(r.final.parent for r in journal.renames)})
    handles: list[int] = []
    try:
        for directory in directories:
            handles.extend(lock_directory(directory, lock_timeout))
        if not journal.path.exists():
            return []  # completed meanwhile
        return complete(find(journal.path.parent) or journal)
    finally:
        for fd in handles:
            os.close(fd)


def remove_temporary(path: Path, lock_timeout: float) -> bool:
    """Remove a temporary file left by a killed command, under its directory's lock (a running command's own
    temporary files are gone once it releases the lock); False when it is gone already or a journal needs it."""
    handles = lock_directory(path.parent, lock_timeout)
    try:
        journal = find(path.parent)
        if journal is not None and any(r.temporary == path for r in journal.renames):
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        except OSError as e:
            raise write_error(e, path, "remove") from e
        return True
    finally:
        for fd in handles:
            os.close(fd)
