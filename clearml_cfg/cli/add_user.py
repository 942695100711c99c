"""`add-user`: the command's work. No Typer here: ``fast.py`` runs it without building the application.

The bcrypt hash is the slow part, and needs only the password: it starts as soon as the password is read, and
the rest of the command (loading most of the tool, reading and editing the file) happens meanwhile.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ..console import Console
from ..errors import UsageError
from ..model.passwords import DEFAULT_ROUNDS, Hashing
from . import prompts
from .context import make_options, read_settings

if TYPE_CHECKING:
    from ..features.base import Options, Outcome


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
    force: bool = False,
    no_backup: bool = False,
    create: bool = False,
    quiet: bool = False,
    show_secrets: bool = False,
    json_output: bool = False,
) -> None:
    """Add a web-login user (see cli/users.py for the options)."""
    settings = read_settings(config_dir, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)

    @functools.cache
    def options() -> Options:  # the feature modules load after the hash has started, unless a prompt comes first
        return make_options(
            config_dir,
            dry_run=dry_run,
            backup=not no_backup,
            create=create,
            force=force,
            quiet=quiet,
            settings=settings,
        )

    def check_first() -> None:
        from ..features.users import prepare_add

        prepare_add(options(), username, name=name, company=company, plaintext=plaintext, rounds=rounds)

    obtained = prompts.obtain(
        label=f"New password for {username}",
        stdin=password_stdin,
        generate_one=generate,
        argv=password,
        check_first=check_first,
    )
    hashing = None if plaintext else _hashing(obtained.password, rounds)
    from ..features.users import add_user

    for warning in obtained.warnings:
        console.warn(warning)
    outcome = add_user(
        options(),
        username,
        obtained.password,
        name=name,
        company=company,
        guest=guest,
        plaintext=plaintext,
        rounds=rounds,
        progress=console.progress,
        hashing=hashing,
    )
    finish(console, outcome, obtained, username, dry_run=dry_run, json_output=json_output)


def _hashing(password: str, rounds: int | None) -> Hashing | None:
    """The hash, started now; a password or cost that add_user refuses is left for it to refuse, in its order."""
    try:
        return Hashing(password, DEFAULT_ROUNDS if rounds is None else rounds)
    except UsageError:
        return None


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
    from .report import report

    extra = {"password": obtained.password} if obtained.generated else None
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra=extra)
    if obtained.generated and not json_output:
        stored = " (dry run: it was not stored)" if dry_run else "; it is shown only this once"
        console.note(f"the generated password of {username!r} follows on stdout{stored}")
        console.data(obtained.password)
