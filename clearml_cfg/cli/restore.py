"""restore: put a file's backup back (and again, to go forward); --list the backups."""

from __future__ import annotations

from typing import Annotated

import typer

from ..console import Console
from ..errors import UsageError
from ..features import restore
from ..model.values import to_json
from .command import add_commands
from .options import ConfigDir, DryRun, Json, NoBackup, Quiet, ShowSecrets, make_options
from .report import report, shown_path


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"restore": restore_command})


def restore_command(
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="[FILE]",
            help="A file of the config directory: apiserver, services/tasks.conf, ...",
            show_default=False,
        ),
    ] = None,
    list_backups: Annotated[
        bool, typer.Option("--list", help="List the files that have a backup, when it was made, and how far it is.")
    ] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    json_output: Json = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Undo the last change of a file: put NAME.conf.bak back, showing the difference first.

    The content it replaces becomes the new backup (unless --no-backup), so a second restore goes forward again.
    Refused when there is no backup; a warning when the file was changed by something else after its backup was
    made (restoring undoes that too). --list shows every backup, when it was made and how many lines a restore
    would change.

    Example: clearml-cfg restore services
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    if list_backups:
        if file is not None:
            raise UsageError("--list takes no FILE", "clearml-cfg restore --list lists every backup")
        _list(console, restore.backups(options.dirs), json_output)
        return
    if file is None:
        raise UsageError("name the file to restore", "e.g. clearml-cfg restore apiserver; --list shows the backups")
    plan = restore.plan_restore(options.dirs, file)
    for warning in plan.warnings:
        console.warn(warning)
    shown = shown_path(plan.file.path)
    console.diff(shown, plan.before, plan.restored, prefix=plan.file.prefix)  # before anything is written
    outcome = restore.restore(options, plan)
    report(console, outcome, dry_run=dry_run, json_output=json_output, diffs=False)


def _list(console: Console, found: list[restore.Backup], json_output: bool) -> None:
    if json_output:
        console.data(to_json([b.as_json() for b in found]))
        return
    if not found:
        console.info("no backups: clearml-cfg keeps NAME.conf.bak when it changes a file")
        return
    console.table(
        ["FILE", "BACKUP MADE", "A RESTORE CHANGES"],
        [
            [
                shown_path(b.file) + ("" if b.exists else " (gone)"),
                b.when,
                "nothing (the file holds it)" if not b.added + b.removed else f"+{b.added} -{b.removed} lines",
            ]
            for b in found
        ],
    )
