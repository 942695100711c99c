"""expose: opening (and closing) the databases' ports in docker-compose.yml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ..console import Console
from ..errors import Declined, UsageError
from ..features.expose import SERVICE_PORTS
from ..model.values import to_json
from .command import Alias, add_commands
from .options import Choice, DryRun, Json, Quiet, Yes, lock_timeout
from .report import report, shown_path


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"expose": expose_command}, expose=[Alias(("-f",), "--compose")])


def expose_command(
    services: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SERVICE]...",
            click_type=Choice(list(SERVICE_PORTS)),
            help="elasticsearch, mongo and/or redis.",
            show_default=False,
        ),
    ] = None,
    compose: Annotated[
        str | None,
        typer.Option(
            "--compose",
            metavar="FILE",
            help="The server's docker-compose.yml (or its directory). "
            "Default: ./docker-compose.yml, else /opt/clearml/docker-compose.yml.",
            show_default=False,
        ),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Stop publishing the ports instead.")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    no_backup: Annotated[
        bool, typer.Option("--no-backup", help="Do not keep the previous content as docker-compose.yml.bak.")
    ] = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Publish (or stop publishing) the databases' ports.

    Adds `ports: ["9200:9200"]` in the server's docker-compose.yml to elasticsearch (9200), mongo (27017) or redis
    (6379), keeping every comment and the layout of the file, with a backup; exposing an exposed service changes
    nothing. The databases have no password in the standard set-up: the diff and a caution come first, then on a
    terminal a question (answering no is exit 1, nothing written); without a terminal it needs --yes (exit 2). --remove
    asks nothing. Without SERVICE: which ports are published. Restart the server afterwards (docker-compose down,
    docker-compose up -d).

    Example: clearml-cfg expose elasticsearch mongo --compose /opt/clearml/docker-compose.yml
    """
    from ..features import expose

    console = Console(quiet=quiet)
    path = expose.find_compose(compose)
    if not services:
        if remove:
            raise UsageError("--remove needs the SERVICE(s) to close", "e.g. clearml-cfg expose --remove mongo")
        found = expose.published(path)
        if json_output:
            console.data(to_json({"compose": str(path), "services": [r.as_json() for r in found]}))
            return
        console.table(
            ["SERVICE", "PORT", "PUBLISHED", "ORIGIN"],
            [
                [
                    r.service,
                    str(r.port),
                    ", ".join(str(e) for e in r.entries) if r.entries else r.status.replace("not published", "no"),
                    f"{path}:{r.line}" if r.line else "-",
                ]
                for r in found
            ],
        )
        return
    plan = expose.plan_expose(path, services, remove=remove)
    asked = plan.changed and not plan.remove and not dry_run and not yes
    if asked:  # the question comes after the diff it is about
        _confirm(console, [r.service for r in plan.results if r.status == "added"], path, plan.before, plan.after)
    outcome = expose.apply_expose(
        plan, dry_run=dry_run, backup=not no_backup, lock_timeout=lock_timeout(dict(os.environ))
    )
    for result in plan.results:
        entries = ", ".join(str(e) for e in result.entries)
        what = {
            "added": f"publishes {entries}",
            "already published": f"already publishes {entries}: nothing to do",
            "removed": f"no longer publishes {entries}",
            "not published": "publishes no port: nothing to do",
        }[result.status]
        if dry_run and result.status in ("added", "removed"):
            what = f"would {'publish' if result.status == 'added' else 'stop publishing'} {entries}"
        outcome.notes.append(f"{result.service} (port {result.port}) {what}")
    if plan.changed and not plan.remove and not asked:  # asking showed it already
        outcome.warnings.append(expose.CAUTION)
    down, up = expose.restart_commands(path)
    report(
        console,
        outcome,
        dry_run=dry_run,
        json_output=json_output,
        extra={"compose": str(path), "services": [r.as_json() for r in plan.results]},
        restart=f"restart the server to apply: {down} && {up}",
        diffs=not asked,
    )


def _confirm(console: Console, services: list[str], path: Any, before: str, after: str) -> None:
    """Show the diff and the caution, then ask on a terminal; without one, refuse unless --yes was given (nothing may
    prompt in CI). No is exit 1, nothing written.
    """
    from ..features import expose
    from . import prompts  # only when there is something to ask

    console.diff(shown_path(Path(os.path.abspath(path))), before, after)
    console.warn(expose.CAUTION)
    if not prompts.interactive():
        raise UsageError(
            f"publishing {', '.join(services)} needs confirmation, and there is no terminal to ask on",
            "pass --yes if you mean it (the databases have no password in the standard set-up)",
        )
    if not prompts.confirm(f"Publish the port of {', '.join(services)} in {path}?"):
        raise Declined(f"not confirmed: {path} is unchanged", "pass --yes to publish without the question")
