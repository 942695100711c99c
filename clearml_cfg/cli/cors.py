"""cors: CORS of the API server and of the file server."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from ..console import Console
from ..hocon import format_path
from ..model.values import to_json
from .command import Alias, add_commands
from .options import Choice, ConfigDir, Create, DryRun, Force, Json, NoBackup, Quiet, make_options
from .report import report
from .tables import shown


class Component(str, Enum):
    all = "all"
    apiserver = "apiserver"
    fileserver = "fileserver"


OLD_SPELLINGS = [
    Alias(("-o", "--origin"), "--allow-origin"),
    Alias(("-s", "--service"), "--component", values={"api": "apiserver", "files": "fileserver", "both": "all"}),
]


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"cors": cors_command}, cors=OLD_SPELLINGS)


def cors_command(
    origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            metavar="URL",
            help="An allowed origin: '*' or scheme://host[:port]. Repeat for several (written as a list).",
            show_default=False,
        ),
    ] = None,
    credentials: Annotated[
        bool | None,
        typer.Option(
            "--credentials/--no-credentials",
            help="supports_credentials: let browsers send cookies with cross-origin requests.",
            show_default=False,
        ),
    ] = None,
    component: Annotated[
        Component,
        typer.Option(
            "--component",
            metavar="SERVER",
            click_type=Choice([c.value for c in Component]),
            help="Which server: apiserver (apiserver.conf), fileserver (fileserver.conf) or all.",
        ),
    ] = Component.all,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Show or change CORS of the API server and the file server.

    Each server passes its own section to flask-cors: the API server apiserver.conf `cors`, the file server
    fileserver.conf `cors`. The file server never reads apiserver.conf (the ClearML docs say otherwise), so --component
    all, the default, writes both files. Without --allow-origin or --credentials: each server's effective CORS settings
    with where they come from. '*' with credentials is a warning: browsers refuse it, so the server echoes any request's
    origin instead.

    Example: clearml-cfg cors --allow-origin https://app.clearml.example.com --credentials
    """
    from ..features import cors

    console = Console(quiet=quiet)
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    if not origin and credentials is None:
        current = cors.state(options, component.value)
        if json_output:
            console.data(
                to_json(
                    {
                        "settings": [row.as_json() for found in current.rows.values() for row in found],
                        "warnings": current.warnings,
                        "notes": current.notes,
                    }
                )
            )
        else:
            titles = {server.name: server for server in cors.COMPONENTS["all"]}
            for index, (name, found) in enumerate(current.rows.items()):
                server = titles[name]
                if index:
                    console.data("")
                console.data(f"# {server.title} (port {server.port}): {server.file}, key cors")
                console.table(["KEY", "VALUE", "ORIGIN"], [[format_path(r.key), shown(r), r.label] for r in found])
        for warning in current.warnings:
            console.warn(warning)
        for note in current.notes:
            console.note(note)
        return
    outcome = cors.configure(options, origins=origin or [], credentials=credentials, component=component.value)
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"notes": outcome.notes})
