"""check: what would break the server, before it does."""

from __future__ import annotations

from typing import Annotated

import typer

from .checking import check_files
from .command import add_commands
from .options import ConfigDir, Defaults, DryRun, Json, NoBackup, Quiet, ShowSecrets


def check_command(
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what is mechanical, show the diff, and check again.")
    ] = False,
    config_dir: ConfigDir = None,
    defaults: Defaults = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    json_output: Json = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Find what would break the server, or be ignored by it.

    Reads every config directory and the environment as the server does and reports each problem with its file:line (or
    the variable), a stable code, why it matters and the fix. Exit 0: no errors (warnings alone pass, or fail with
    --strict); 1: errors; 3: a file cannot be parsed. --fix repairs what is mechanical in the files and checks again;
    with --dry-run it shows the diff of every pass and writes nothing.

    Example: clearml-cfg check --fix
    """
    code = check_files(
        strict,
        fix,
        config_dir,
        defaults,
        dry_run,
        no_backup,
        json_output=json_output,
        quiet=quiet,
        show_secrets=show_secrets,
    )
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"check": check_command})
