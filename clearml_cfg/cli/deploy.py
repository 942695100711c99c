"""subdomain and expose: putting the server behind a load balancer, and opening the databases' ports."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..console import Console, to_json
from ..errors import UsageError
from ..hocon.paths import format_path
from .features import shown
from .options import ConfigDir, DryRun, Json, NoBackup, Quiet, lock_timeout, make_options
from .report import report, shown_path


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"subdomain": subdomain_command, "expose": expose_command}
    for name, function in commands.items():
        if name in names:
            app.command(name)(function)


# --- subdomain --------------------------------------------------------------------------------------------------


def subdomain_command(
    domain: Annotated[
        str | None,
        typer.Argument(
            metavar="[DOMAIN]",
            help="The domain under which app., api. and files. live, e.g. clearml.example.com.",
            show_default=False,
        ),
    ] = None,
    no_secure: Annotated[
        bool, typer.Option("--no-secure", help="Cookies also over plain HTTP (no TLS in front of the server).")
    ] = False,
    max_age: Annotated[
        str | None,
        typer.Option(
            "--max-age",
            metavar="SECONDS",
            help="How long the login cookie lives: seconds, or 30d, 12h... Default: kept (the server's 99999999999).",
            show_default=False,
        ),
    ] = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Serve ClearML on app.DOMAIN, api.DOMAIN and files.DOMAIN behind a load balancer.

    Sets apiserver.conf `auth.cookies { httponly: true, secure: true, domain: ".DOMAIN", max_age }`, then prints
    the three host names with their ports (web app 8080, API 8008, files 8081) and the load balancer's listeners
    and target groups. Refuses a DOMAIN that is not a host name; warns when app.DOMAIN is two levels below the
    registrable domain, which a free Cloudflare certificate does not cover. Without DOMAIN: the cookie settings
    as the server will use them, with where each comes from.

    Example: clearml-cfg subdomain clearml.example.com
    """
    from .. import deploy

    console = Console(quiet=quiet)
    if domain is None:
        if no_secure or max_age is not None:
            raise UsageError("--no-secure and --max-age need a DOMAIN", "e.g. clearml-cfg subdomain example.com")
        options = make_options(config_dir, quiet=quiet)
        state = deploy.subdomain_state(options)
        hosts = deploy.hosts(state.domain, secure=state.secure) if state.domain else []
        if json_output:
            console.data(
                to_json(
                    {
                        "settings": [row.as_json() for row in state.rows],
                        "domain": state.domain,
                        "hosts": hosts,
                        "warnings": state.warnings,
                    }
                )
            )
        else:
            console.data("# the login cookie (apiserver.conf auth.cookies)")
            console.table(["KEY", "VALUE", "ORIGIN"], [[format_path(r.key), shown(r), r.label] for r in state.rows])
            if hosts:
                console.data("")
                _hosts_table(console, hosts)
        for warning in state.warnings:
            console.warn(warning)
        for note in state.notes:
            console.note(note)
        return
    checked = deploy.check_domain(domain)
    seconds = deploy.max_age_seconds(max_age) if max_age is not None else None
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, quiet=quiet)
    outcome = deploy.configure_subdomain(options, checked, secure=not no_secure, max_age=seconds)
    hosts = deploy.hosts(checked, secure=not no_secure)
    outcome.notes.extend(deploy.load_balancer_notes(secure=not no_secure))
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"domain": checked, "hosts": hosts})
    if not json_output:
        _hosts_table(console, hosts)


def _hosts_table(console: Console, hosts: list[dict[str, Any]]) -> None:
    console.data("# hosts behind the load balancer")
    console.table(
        ["HOST", "SERVICE", "LISTENER", "TARGET GROUP", "TARGET"],
        [[h["host"], h["service"], h["listener"], h["target_group"], h["target"]] for h in hosts],
    )


# --- expose -----------------------------------------------------------------------------------------------------


def expose_command(
    services: Annotated[
        list[str] | None,
        typer.Argument(metavar="[SERVICE]...", help="elasticsearch, mongo and/or redis.", show_default=False),
    ] = None,
    compose: Annotated[
        str | None,
        typer.Option(
            "--compose",
            "-f",
            metavar="FILE",
            help="The server's docker-compose.yml (or its directory). "
            "Default: ./docker-compose.yml, else /opt/clearml/docker-compose.yml.",
            show_default=False,
        ),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Stop publishing the ports instead.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")
    ] = False,
    dry_run: DryRun = False,
    no_backup: Annotated[
        bool, typer.Option("--no-backup", help="Do not keep the previous content as docker-compose.yml.bak.")
    ] = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Publish the ports of elasticsearch (9200), mongo (27017) or redis (6379) in docker-compose.yml, or remove them.

    Adds `ports: ["9200:9200"]` (and so on) to each service, keeping every comment and the layout of the file, with
    a backup; exposing an exposed service changes nothing. The databases have no password in the standard set-up:
    on a terminal it asks first, without one it needs --yes. Without SERVICE: which ports are published. Restart
    the server afterwards (docker-compose down, docker-compose up -d).

    Example: clearml-cfg expose elasticsearch mongo --compose /opt/clearml/docker-compose.yml
    """
    from .. import deploy

    console = Console(quiet=quiet)
    path = deploy.find_compose(compose)
    if not services:
        if remove:
            raise UsageError("--remove needs the SERVICE(s) to close", "e.g. clearml-cfg expose --remove mongo")
        found = deploy.published(path)
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
    plan = deploy.plan_expose(path, services, remove=remove)
    asked = plan.changed and not plan.remove and not dry_run and not yes
    if asked:  # the question comes after the diff it is about
        _confirm(console, [r.service for r in plan.results if r.status == "added"], path, plan.before, plan.after)
    outcome = deploy.apply_expose(
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
        outcome.warnings.append(deploy.CAUTION)
    down, up = deploy.restart_commands(path)
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
    """Show the diff, then ask on a terminal; without one, refuse unless --yes was given (nothing may prompt in CI)."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"publishing {', '.join(services)} needs confirmation, and there is no terminal to ask on",
            "pass --yes if you mean it (the databases have no password in the standard set-up)",
        )
    from .. import deploy

    console.diff(shown_path(Path(os.path.abspath(path))), before, after)
    console.warn(deploy.CAUTION)
    if not typer.confirm(f"Publish the port of {', '.join(services)} in {path}?", default=False, err=True):
        console.info(f"nothing written: {path} is unchanged")
        raise typer.Exit(1)
