"""subdomain: putting the server behind a load balancer, on subdomains of one domain."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..console import Console
from ..errors import UsageError
from ..hocon import format_path
from ..model.values import to_json
from .command import add_commands
from .options import ConfigDir, Create, DryRun, Force, Json, NoBackup, Quiet, make_options
from .report import report
from .tables import shown


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"subdomain": subdomain_command})


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
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Serve ClearML on subdomains behind a load balancer.

    The web app on app.DOMAIN, the API on api.DOMAIN, the files on files.DOMAIN. Sets apiserver.conf `auth.cookies {
    httponly: true, secure: true, domain: ".DOMAIN", max_age }`, then prints the three host names with their ports (web
    app 8080, API 8008, files 8081) and the load balancer's listeners and target groups. Refuses a DOMAIN that is not a
    host name; warns when app.DOMAIN is two levels below the registrable domain, which a free Cloudflare certificate
    does not cover. Without DOMAIN: the cookie settings as the server will use them, with where each comes from.

    Example: clearml-cfg subdomain clearml.example.com

    Example: clearml-cfg subdomain --json
    """
    from ..features import subdomain

    console = Console(quiet=quiet)
    if domain is None:
        if no_secure or max_age is not None:
            raise UsageError("--no-secure and --max-age need a DOMAIN", "e.g. clearml-cfg subdomain example.com")
        options = make_options(config_dir, quiet=quiet)
        state = subdomain.subdomain_state(options)
        hosts = subdomain.hosts(state.domain, secure=state.secure) if state.domain else []
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
    checked = subdomain.check_domain(domain)
    seconds = subdomain.max_age_seconds(max_age) if max_age is not None else None
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    outcome = subdomain.configure_subdomain(options, checked, secure=not no_secure, max_age=seconds)
    hosts = subdomain.hosts(checked, secure=not no_secure)
    outcome.notes.extend(subdomain.load_balancer_notes(secure=not no_secure))
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"domain": checked, "hosts": hosts})
    if not json_output:
        _hosts_table(console, hosts)


def _hosts_table(console: Console, hosts: list[dict[str, Any]]) -> None:
    console.data("# hosts behind the load balancer")
    console.table(
        ["HOST", "SERVICE", "LISTENER", "TARGET GROUP", "TARGET"],
        [[h["host"], h["service"], h["listener"], h["target_group"], h["target"]] for h in hosts],
    )
