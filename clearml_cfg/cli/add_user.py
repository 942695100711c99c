"""`add-user`: the command's work. No Typer here: ``fast.py`` runs it without building the application."""

from __future__ import annotations

from ..console import Console
from ..features.common import Outcome
from ..features.users import add_user, prepare_add
from . import prompts
from .context import make_options
from .report import report


def add(
    username: str,
    name: str | None = None,
    company: str | None = None,
    guest: bool = False,
    password_stdin: bool = False,
    generate: bool = False,
    password: str | None = None,
    plaintext: bool = False,
    rounds: int | None = None,
    config_dir: str | None = None,
    dry_run: bool = False,
    no_backup: bool = False,
    quiet: bool = False,
    show_secrets: bool = False,
    json_output: bool = False,
) -> None:
    """Add a web-login user (see cli/users.py for the options)."""
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    obtained = prompts.obtain(
        label=f"New password for {username}",
        stdin=password_stdin,
        generate_one=generate,
        argv=password,
        before_prompt=lambda: prepare_add(
            options, username, name=name, company=company, plaintext=plaintext, rounds=rounds
        ),
    )
    for warning in obtained.warnings:
        console.warn(warning)
    outcome = add_user(
        options,
        username,
        obtained.password,
        name=name,
        company=company,
        guest=guest,
        plaintext=plaintext,
        rounds=rounds,
        progress=console.progress,
    )
    finish(console, outcome, obtained, username, dry_run=dry_run, json_output=json_output)


def finish(
    console: Console,
    outcome: Outcome,
    obtained: prompts.Obtained,
    username: str,
    *,
    dry_run: bool,
    json_output: bool,
) -> None:
    """Report the change; a generated password goes to stdout once (inside the JSON document with --json)."""
    extra = {"password": obtained.password} if obtained.generated else None
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra=extra)
    if obtained.generated and not json_output:
        stored = " (dry run: it was not stored)" if dry_run else "; it is shown only this once"
        console.note(f"the generated password of {username!r} follows on stdout{stored}")
        console.data(obtained.password)
