"""secure: the server's public default secrets, replaced; and what else leaves the server open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..console import Console
from ..errors import Message, UsageError
from ..features.secure import SecretState, State
from ..hocon import format_path
from ..model.keys import MISSING
from ..model.schema import MASK
from ..model.values import show_value, to_json
from .command import add_commands
from .options import ConfigDir, Create, DryRun, Json, NoBackup, Quiet, ShowSecrets, make_options
from .report import report


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"secure": secure_command})


def secure_command(
    keys: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[KEY]...",
            help="With --rotate: only these secrets, or the sections that hold them (secure.credentials.fileserver).",
            show_default=False,
        ),
    ] = None,
    rotate: Annotated[
        bool,
        typer.Option("--rotate", help="Write fresh random values for the secrets into secure.conf (owner-only)."),
    ] = False,
    agent_env: Annotated[
        Path | None,
        typer.Option(
            "--agent-env",
            metavar="FILE",
            help="Also write a new key pair for the services agent to this docker-compose .env file (mode 600): "
            "CLEARML_AGENT_ACCESS_KEY and CLEARML_AGENT_SECRET_KEY; its other lines stay.",
            show_default=False,
        ),
    ] = None,
    compose: Annotated[
        str | None,
        typer.Option(
            "--compose",
            metavar="FILE",
            help="The server's docker-compose.yml (or its directory): also show whether a database port is published.",
            show_default=False,
        ),
    ] = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Replace the server's public default secrets, and show what else leaves the server open.

    clearml-server ships public values for its session and token secrets and its system users' keys: with the
    public token secret anyone can sign a token for any user. Without --rotate: each secret with where its value
    comes from and whether it is still public, then Web Login, the file server's authentication and (with
    --compose) the database ports, each with the command that closes it. --rotate writes fresh random values, in
    the format of the server's own keys, into secure.conf of the config directory (mode 600, diff masked, backup
    kept); a secret a CLEARML__SECURE__ variable sets is left alone and the variable named. Restart apiserver and
    fileserver afterwards: browsers are logged out and issued tokens stop working.

    Example: clearml-cfg secure --rotate --agent-env /opt/clearml/.env
    """
    from ..features import secure

    console = Console(quiet=quiet, show_secrets=show_secrets)
    if keys and not rotate:
        raise UsageError("KEY names the secrets to rotate: it needs --rotate", f"clearml-cfg secure --rotate {keys[0]}")
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, quiet=quiet)
    if not rotate and agent_env is None:
        from ..features.expose import find_compose

        _show(console, secure.state(options, find_compose(compose) if compose else None), json_output, show_secrets)
        return
    if compose:
        raise UsageError("--compose only adds the database ports to the state shown", "leave it out with --rotate")
    rotation = secure.rotate(options, secure.chosen(keys or []) if rotate else [], agent_env)
    report(
        console,
        rotation.outcome,
        dry_run=dry_run,
        json_output=json_output,
        extra={
            "rotated": [format_path(path) for path in rotation.rotated],
            "kept": [{"key": format_path(path), "variable": variable} for path, variable in rotation.kept],
            "agent_env": str(agent_env) if agent_env is not None else None,
        },
        restart=secure.restart_advice(rotation),
    )


def _show(console: Console, state: State, json_output: bool, show_secrets: bool) -> None:
    if json_output:
        console.data(
            to_json(
                {
                    "secrets": [row.as_json(show_secrets=show_secrets) for row in state.secrets],
                    "exposures": [exposure.as_json() for exposure in state.exposures],
                    "warnings": [Message.full(w) for w in state.warnings],
                    "notes": state.notes,
                }
            )
        )
    else:
        console.data("# the server's secrets")
        console.table(
            ["KEY", "VALUE", "STATUS", "ORIGIN"],
            [[format_path(row.secret.path), _value(row, show_secrets), row.status, row.label] for row in state.secrets],
        )
        console.data("")
        console.data("# what else leaves the server open")
        console.table(["WHAT", "STATE", "ORIGIN"], [[e.name, e.state, e.origin] for e in state.exposures])
    for warning in state.warnings:
        console.warn(warning)
    for note in state.notes:
        console.note(note)


def _value(row: SecretState, show_secrets: bool) -> str:
    if row.value is MISSING:
        return "(built in)"
    if row.value in (None, ""):
        return show_value(row.value)
    return show_value(row.value) if show_secrets else MASK
