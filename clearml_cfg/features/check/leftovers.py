"""What a killed clearml-cfg leaves: an edit of several files made only in part (its journal), and temporary
files. The server ignores both, but files that disagree (apiserver.conf changed, fileserver.conf not) are a
configuration no one asked for."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ...io.journal import Journal, find, recover, remove_temporary, temporary_files
from .model import Context, Finding, Fix, Severity


def check_leftovers(context: Context) -> Iterator[Finding]:
    journals = [journal for directory in _directories(context) if (journal := find(directory)) is not None]
    for journal in journals:
        yield _interrupted(journal)
    listed = {rename.temporary for journal in journals for rename in journal.renames}
    for directory in _directories(context):
        for path in temporary_files(directory):
            if path not in listed:
                yield Finding(
                    "stale-temporary-file",
                    Severity.WARNING,
                    f"{path.name} is a temporary file left by a clearml-cfg that was stopped while writing "
                    "(the server ignores it)",
                    f"remove it (--fix does): rm {path}",
                    path,
                    fix=Fix(f"remove {path}", path, action=_remover(path)),
                )


def _directories(context: Context) -> list[Path]:
    """The config directories, and the real directories of their files (where a linked file is written)."""
    found = [d for d in context.dirs.dirs if d.is_dir()]
    found.extend(Path(os.path.realpath(loaded.path)).parent for loaded in context.files)
    return list(dict.fromkeys(Path(os.path.realpath(d)) for d in found))


def _interrupted(journal: Journal) -> Finding:
    done = _names(r.final for r in journal.done)
    pending = _names(r.final for r in journal.pending)
    if pending:
        message = (
            f"an edit by clearml-cfg was stopped halfway: {done or 'no file'} changed, {pending} not yet; the "
            "files disagree, and every write is refused until the edit is complete"
        )
        severity = Severity.ERROR
    else:
        message = "an edit by clearml-cfg was stopped after it was complete, and left its journal"
        severity = Severity.WARNING
    return Finding(
        "interrupted-edit",
        severity,
        message,
        f"complete it (--fix does: the new content of each file is ready beside it), or remove {journal.path}",
        journal.path,
        fix=Fix(f"complete the interrupted edit ({journal.path})", journal.path, action=_completer(journal)),
    )


def _names(paths: Iterable[Path]) -> str:
    """The configuration files among ``paths`` (their backups are renamed too, but say nothing)."""
    return ", ".join(str(p) for p in paths if not p.name.endswith(".bak"))


def _completer(journal: Journal) -> Callable[[float], str]:
    def complete(lock_timeout: float) -> str:
        completed = recover(journal, lock_timeout)
        names = _names(completed)
        return f"completed the interrupted edit{f' of {names}' if names else ''}"

    return complete


def _remover(path: Path) -> Callable[[float], str]:
    def remove(lock_timeout: float) -> str:
        return f"removed {path}" if remove_temporary(path, lock_timeout) else f"{path} was removed already"

    return remove
