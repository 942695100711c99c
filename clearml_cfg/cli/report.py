"""How a write command reports what it did."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..console import Console
from ..errors import Message
from ..features.common import Outcome
from ..model.values import to_json


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it lies below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return relative if not relative.startswith("..") else str(path)


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
        readers = " and ".join(outcome.servers_to_restart)
        console.info(f"restart {readers} to apply: the server reads its configuration at start-up")
