"""add-user, passwd, remove-user, list-users, verify-password, hash-password, password-mode: web-login users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from ..console import Console
from ..features.users import (
    PASSWORD_MODES,
    UserInfo,
    UsersReport,
    change_password,
    list_users,
    login_check,
    prepare_change,
    remove_user,
    set_password_mode,
    verify_password,
)
from ..model.logins import DEFAULT_ROUNDS, check_rounds, hash_password
from ..model.values import to_json
from . import prompts
from .add_user import add, finish
from .command import Alias, add_commands
from .options import (
    Choice,
    ConfigDir,
    Create,
    DryRun,
    Force,
    Json,
    MissingOk,
    NoBackup,
    Quiet,
    ShowSecrets,
    make_options,
)
from .report import report

Username = Annotated[
    str, typer.Argument(metavar="USERNAME", help="The name typed at the web login (no ':').", show_default=False)
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts and CI).")
]
Generate = Annotated[
    bool, typer.Option("--generate", help="Make a strong random password and print it once on stdout.")
]
PasswordText = Annotated[
    str | None,
    typer.Option(
        "--password",
        metavar="TEXT",
        help="The password itself. Other users can see it in the process list: prefer the prompt or --password-stdin.",
        show_default=False,
    ),
]
Rounds = Annotated[
    int | None,
    typer.Option(
        "--rounds",
        metavar="N",
        help=f"bcrypt cost, 4-31 (default {DEFAULT_ROUNDS}); each step doubles the time to hash and to log in.",
        show_default=False,
    ),
]


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {
        "add-user": add_user_command,
        "passwd": passwd_command,
        "remove-user": remove_user_command,
        "list-users": list_users_command,
        "verify-password": verify_password_command,
        "hash-password": hash_password_command,
        "password-mode": password_mode_command,
    }
    add_commands(app, names, commands, hash_password=[Alias(("--stdin",), "--password-stdin")])


def add_user_command(
    username: Username,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="Full name the web app shows (default: USERNAME).", show_default=False
        ),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company", metavar="ID", help="Company ID (default: the server's default company).", show_default=False
        ),
    ] = None,
    guest: Annotated[bool, typer.Option("--guest", help="Mark the user as a guest (is_guest: true).")] = False,
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    password: PasswordText = None,
    plaintext: Annotated[
        bool,
        typer.Option("--plaintext", help="Store the password as plain text (only in a file that has no hashes)."),
    ] = False,
    rounds: Rounds = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Add a web-login user, with a bcrypt-hashed password.

    The user goes to apiserver.conf auth.fixed_users (or the file that holds the list), keeping every comment; the diff
    is shown with passwords masked. The password comes from a hidden prompt (asked twice), from one line of stdin with
    --password-stdin, or is made by --generate. Fixed users are enabled if they were not. A file of plain-text passwords
    is switched to hashes: the other users' passwords are hashed too, so they log in as before (--plaintext keeps plain
    text).

    Example: echo "$PW" | clearml-cfg add-user jane --name "Jane Doe" --password-stdin
    """
    add(
        username,
        name,
        company,
        guest,
        password_stdin,
        generate,
        password,
        plaintext,
        rounds,
        config_dir,
        dry_run,
        force,
        no_backup,
        create,
        quiet=quiet,
        show_secrets=show_secrets,
        json_output=json_output,
    )


def passwd_command(
    username: Username,
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    password: PasswordText = None,
    rounds: Rounds = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Change a web-login user's password.

    The password is stored in the file's mode (a bcrypt hash, or plain text) and the diff is shown with passwords
    masked. Exit 1 when there is no such user, before any password is asked for. The password comes from the same
    sources as for add-user.

    Example: clearml-cfg passwd jane --generate
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    obtained = prompts.obtain(
        label=f"New password for {username}",
        stdin=password_stdin,
        generate_one=generate,
        argv=password,
        check_first=lambda: prepare_change(options, username, rounds=rounds),
    )
    for warning in obtained.warnings:
        console.warn(warning)
    outcome = change_password(options, username, obtained.password, rounds=rounds, progress=console.progress)
    finish(console, outcome, obtained, username, dry_run=dry_run, json_output=json_output)


def remove_user_command(
    username: Username,
    missing_ok: MissingOk = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Remove a web-login user.

    Every entry of USERNAME goes, and the diff is shown. Exit 1 when there is no such user, unless --missing-ok. With
    apiserver.auth.delete_missing_autocreated_users true (the default), the server deletes the user at its next start.

    Example: clearml-cfg remove-user jane
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    outcome = remove_user(options, username, missing_ok=missing_ok)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def password_mode_command(
    mode: Annotated[
        str,
        typer.Argument(
            metavar="MODE",
            click_type=Choice(PASSWORD_MODES),
            help="hashed: bcrypt every plain-text password; plain: only when no password is hashed yet.",
            show_default=False,
        ),
    ],
    rounds: Rounds = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Convert the web-login users between plain-text and hashed passwords.

    hashed: every plain-text password is replaced by its bcrypt hash and pass_hashed becomes true, so each user logs in
    as before; a hash pasted in the wrong form is stored right. plain is refused while any password is a hash: a hash
    cannot be turned back into its password (give new ones with passwd). The diff is shown with passwords masked.

    Example: clearml-cfg password-mode hashed
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    outcome = set_password_mode(options, mode, rounds=rounds, progress=console.progress)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _rows(users: list[UserInfo]) -> list[list[str]]:
    return [
        [_cell(u.username), _cell(u.name), _cell(u.company), u.password, "; ".join(u.problems) or "-"] for u in users
    ]


HEADERS = ["USERNAME", "NAME", "COMPANY", "PASSWORD", "PROBLEMS"]


def _summary(found: UsersReport) -> str:
    enabled = "enabled" if found.in_use else "not enabled"
    mode = "bcrypt hashes" if found.hashed else "plain-text passwords"
    where = ", ".join(found.defined_in) or "no file"
    return f"{len(found.users)} fixed user(s), {enabled}, {mode}; the list is defined in {where}"


def list_users_command(
    config_dir: ConfigDir = None,
    json_output: Json = False,
    quiet: Quiet = False,
) -> None:
    """List the web-login users as the server reads them.

    Each with name, company, password kind and problems. The password kind is bcrypt, plain or broken (the server fails
    that login); problems are what would stop a login: unquoted numbers, a pasted b'...' wrapper, raw $2b$ hashes,
    unknown keys, a missing name, duplicate usernames. Never prints a password or a hash. A table on a terminal, aligned
    text when piped.

    Example: clearml-cfg list-users --json
    """
    options = make_options(config_dir, quiet=quiet)
    console = Console(quiet=quiet)
    found = list_users(options)
    if json_output:
        console.data(
            to_json(
                {
                    "enabled": found.enabled,
                    "pass_hashed": found.pass_hashed,
                    "defined_in": found.defined_in,
                    "users": [
                        {
                            "username": u.username,
                            "name": u.name,
                            "company": u.company,
                            "is_guest": u.is_guest,
                            "password": u.password,
                            "problems": u.problems,
                        }
                        for u in found.users
                    ],
                    "problems": found.problems,
                    "notes": found.notes,
                }
            )
        )
        return
    console.info(_summary(found))
    if found.users:
        rows = _rows(found.users)
        console.table(HEADERS, rows, styles=["red" if row[3] == "broken" else "" for row in rows])
    for problem in found.problems:
        console.warn(problem)
    for note in found.notes:
        console.note(note)


def verify_password_command(
    username: Username,
    password_stdin: PasswordStdin = False,
    config_dir: ConfigDir = None,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Check a password exactly as the server's login would.

    Exit 0 on a match, 1 on a mismatch or an unknown user; a one-line reason goes to stderr. Plain mode compares strings
    (an unquoted number never matches); hashed mode base64-decodes the stored value and checks it with bcrypt.

    Example: echo "$PW" | clearml-cfg verify-password jane --password-stdin
    """
    options = make_options(config_dir, quiet=quiet)
    console = Console(quiet=quiet)
    check = login_check(options, username)
    obtained = prompts.obtain(label=f"Password of {username}", stdin=password_stdin, confirm=False)
    for warning in check.warnings:
        console.warn(warning)
    for note in check.notes:
        console.note(note)
    reason = verify_password(check, obtained.password)
    console.info(reason)
    if json_output:
        console.data(
            to_json(
                {
                    "username": username,
                    "match": True,
                    "reason": reason,
                    "warnings": check.warnings,
                    "notes": check.notes,
                }
            )
        )


def hash_password_command(
    password_stdin: PasswordStdin = False,
    rounds: Rounds = None,
    json_output: Json = False,
) -> None:
    """Print a password's bcrypt hash, as pass_hashed: true wants it.

    The value apiserver.conf stores is base64 of a bcrypt hash, ready to paste: only it goes to stdout, without a b'...'
    wrapper (with --json: {"hash", "rounds"}). Prompts twice on a terminal.

    Example: clearml-cfg hash-password --rounds 12

    Example: echo "$PW" | clearml-cfg hash-password --password-stdin
    """
    cost = DEFAULT_ROUNDS if rounds is None else rounds
    obtained = prompts.obtain(label="Password to hash", stdin=password_stdin, check_first=lambda: check_rounds(cost))
    value = hash_password(obtained.password, cost)
    Console().data(to_json({"hash": value, "rounds": cost}) if json_output else value)
