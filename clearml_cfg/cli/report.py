"""How a write command reports what it did."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..console import Console
from ..errors import Message
from ..features.common import Outcome
from ..io.transaction import Change
from ..model.layout import KNOWN_NAMESPACES
from ..model.values import to_json

# Which server reads which file (both read hosts, logging and secure from /opt/clearml/config)
_READERS = {"fileserver": ("fileserver",), "hosts": ("apiserver", "fileserver"), "logging": ("apiserver", "fileserver")}
_READERS["secure"] = ("apiserver", "fileserver")


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it lies below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def _readers(changes: list[Change]) -> list[str]:
    found: list[str] = []
    for change in changes:
        # services/tasks.conf belongs to `services`: the first known name walking up from the file
        names = [change.path.stem, *(parent.name for parent in change.path.parents)]
        namespace = next((n for n in names if n in KNOWN_NAMESPACES), "apiserver")
        for reader in _READERS.get(namespace, ("apiserver",)):
            if reader not in found:
                found.append(reader)
    return found


def report(
    console: Console,
    outcome: Outcome,
    *,
    dry_run: bool,
    json_output: bool,
    extra: Mapping[str, Any] | None = None,
    restart: str | None = None,
    diffs: bool = True,
) -> None:
    """Diffs, warnings and notes on stderr, then one line per file; with --json one document on stdout.

    ``extra``: more fields for the JSON document (a command's own data). ``restart``: what to do to apply the
    change, instead of restarting the servers that read the changed files. ``diffs``: False when the command
    showed them already (before asking for confirmation).
    """
    for change in outcome.changes if diffs else []:
        console.diff(shown_path(change.path), change.before, change.after, prefix=change.prefix)
    for warning in outcome.warnings:
        console.warn(warning)
    for note in [*outcome.remarks, *outcome.notes]:
        console.note(note)
    if json_output:
        console.data(
            to_json(
                {
                    "changed": [
                        {
                            "path": str(c.path),
                            "target": str(c.target),
                            "created": c.created,
                            "written": c.written,
                            "backup": str(c.backup) if c.backup else None,
                        }
                        for c in outcome.changes
                    ],
                    "dry_run": dry_run,
                    "warnings": [Message.full(warning) for warning in outcome.warnings],
                    **(extra or {}),
                }
            )
        )
    if not outcome.changes:
        if not outcome.notes:
            console.info("unchanged: the files already say so")
        return
    for change in outcome.changes:
        where = shown_path(change.path)
        if dry_run:
            console.info(f"would {'create' if change.created else 'update'} {where} (dry run: nothing written)")
        elif change.created:
            console.info(f"created {where}")
        else:
            backup = f" (backup: {change.backup.name})" if change.backup else ""
            link = f" via its link to {change.target}" if change.target != change.path else ""
            console.info(f"updated {where}{link}{backup}")
    if not dry_run:
        if restart is not None:
            console.info(restart)
            return
        readers = " and ".join(_readers(outcome.changes))
        console.info(f"restart {readers} to apply: the server reads its configuration at start-up")
