"""cors: CORS of the API server and of the file server."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from ..console import Console
from ..hocon import format_path
from ..model.values import to_json
from .options import ConfigDir, DryRun, Force, Json, NoBackup, Quiet, make_options
from .report import report
from .tables import shown


class Service(str, Enum):
    api = "api"
    files = "files"
    both = "both"


def register(app: typer.Typer, names: list[str]) -> None:
    if "cors" in names:
        app.command("cors")(cors_command)


def cors_command(
    origin: Annotated[
        list[str] | None,
        typer.Option(
            "--origin",
            "-o",
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
    service: Annotated[
        Service,
        typer.Option(
            "--service",
            "-s",
            help="Which server: api (apiserver.conf), files (fileserver.conf) or both.",
            case_sensitive=False,
        ),
    ] = Service.both,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Show or change CORS of the API server (apiserver.conf `cors`) and of the file server (fileserver.conf `cors`).

    Each server passes its own section to flask-cors; the file server never reads apiserver.conf (the ClearML docs
    say otherwise), so --service both, the default, writes both files. Without --origin or --credentials: each
    server's effective CORS settings with where they come from. '*' with credentials is a warning: browsers refuse
    it, so the server echoes any request's origin instead.

    Example: clearml-cfg cors --origin https://app.clearml.example.com --credentials
    """
    from ..features import cors

    console = Console(quiet=quiet)
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, force=force, quiet=quiet)
    if not origin and credentials is None:
        current = cors.state(options, service.value)
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
            titles = {server.name: server for server in cors.SERVICES["both"]}
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
    outcome = cors.configure(options, origins=origin or [], credentials=credentials, service=service.value)
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"notes": outcome.notes})
