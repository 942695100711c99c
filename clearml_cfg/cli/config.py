"""init, get, set, unset, show: the generic commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from ..console import Console
from ..errors import UsageError
from ..features.config import holds_secret, init_dir, set_value, unset_value
from ..model.keys import format_key, parse_key
from ..model.values import ValueType, parse_value
from . import prompts
from .command import add_commands
from .get import print_value
from .options import (
    VALUE_TYPES,
    Component,
    ConfigDir,
    Create,
    Defaults,
    DryRun,
    Force,
    IgnoreBadEnv,
    Json,
    MissingOk,
    NoBackup,
    Quiet,
    ShowSecrets,
    make_options,
)
from .report import report
from .show import show

Effective = Annotated[
    bool,
    typer.Option("--effective", "-e", help="The server's view: its defaults, every file, and CLEARML__ variables."),
]

KeyArgument = Annotated[
    str,
    typer.Argument(
        metavar="KEY",
        help="Full key as the server sees it, file name first: apiserver.auth.cookies.domain; a part that holds "
        'a dot in quotes (apiserver.cors."x.y"), list elements by index (users[0].name).',
        show_default=False,
    ),
]


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {
        "init": init_command,
        "get": get_command,
        "set": set_command,
        "unset": unset_command,
        "show": show_command,
    }
    add_commands(app, names, commands)


def init_command(
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace existing starter files (keeps backups).")
    ] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Create the config directory with commented starter files.

    The starter files, apiserver.conf, services.conf and fileserver.conf, only explain; they change none of the server's
    defaults. Existing files are kept unless --force. Running it again is a no-op.

    Example: CLEARML_CONFIG_DIR=./clearml-config clearml-cfg init
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=True, force=force, quiet=quiet)
    console = Console(quiet=quiet)
    outcome = init_dir(options)
    report(console, outcome, dry_run=dry_run, json_output=json_output)
    if not outcome.changes and not quiet and not json_output:
        console.info(f"{options.dirs.write_dir} is ready")


def get_command(
    key: KeyArgument,
    default: Annotated[
        str | None, typer.Option("--default", metavar="VALUE", help="Print VALUE (exit 0) when KEY is not set.")
    ] = None,
    effective: Effective = False,
    config_dir: ConfigDir = None,
    component: Component = None,
    defaults: Defaults = None,
    ignore_bad_env: IgnoreBadEnv = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
    quiet: Quiet = False,
) -> None:
    """Print the value of KEY in the configuration files.

    All config directories are merged as the server merges them. Strings print raw, objects and lists as HOCON (or JSON
    with --json). Exit 1 when KEY is not set. --effective: the value the server computes (defaults, files, then
    CLEARML__ variables).

    Example: clearml-cfg get apiserver.auth.cookies.max_age --effective

    Example: clearml-cfg get services.tasks --json
    """
    print_value(
        key,
        default,
        effective,
        config_dir,
        component,
        defaults,
        ignore_bad_env,
        json_output=json_output,
        show_secrets=show_secrets,
        quiet=quiet,
    )


def set_command(
    key: KeyArgument,
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="[VALUE]", help="The value; see --type. Omit it with --value-stdin.", show_default=False
        ),
    ] = None,
    value_stdin: Annotated[
        bool,
        typer.Option(
            "--value-stdin",
            help="Read VALUE from the first line of standard input (its line ending dropped), so that a secret "
            "stays out of the process list and the shell history. On a terminal: a prompt that does not echo.",
        ),
    ] = False,
    value_type: Annotated[
        ValueType,
        typer.Option(
            "--type",
            "-t",
            metavar="TYPE",
            click_type=VALUE_TYPES,
            help="How to read VALUE. auto: as the server reads a CLEARML__ variable (true is a boolean, 7200 a "
            "number, [a, b] a list, {a: 1} an object, anything else text); string: always text (007 stays 007); "
            "int, float, bool, json, hocon: exactly that, or exit 2.",
        ),
    ] = ValueType.auto,
    force: Force = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Set KEY to VALUE in the file that holds it; shows the diff.

    Every comment and blank line stays; only the value changes. The write obeys the rules of clearml-cfg check: an
    edit check would call an error (a value the server cannot use, a misspelt key, a key outside the sections the
    server reads, a login it breaks) is exit 2 and nothing is written, unless --force; a warning it adds is shown
    after the diff.

    A secret (a password, a key) given as VALUE is visible to other users in the process list and stays in the shell
    history: --value-stdin reads it from standard input instead.

    Example: clearml-cfg set apiserver.auth.cookies.domain .clearml.example.com

    Example: printf '%s\\n' "$SECRET" | clearml-cfg set secure.http.session_secret.apiserver --value-stdin
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    path = parse_key(key)
    if value_stdin:
        if value is not None:
            raise UsageError("VALUE and --value-stdin both give the value", "pass only one of them")
        value = prompts.read_value(
            format_key(path),
            "--value-stdin",
            "printf '%s\\n' \"$VALUE\" | clearml-cfg set KEY --value-stdin",
        )
    elif value is None:
        raise UsageError(
            "missing VALUE", f"clearml-cfg set {key} VALUE, or --value-stdin to read it from standard input"
        )
    parsed, note = parse_value(value, value_type)
    outcome = set_value(options, path, parsed)
    if not value_stdin and holds_secret(path, parsed):
        outcome.warnings.append(prompts.argv_secret_warning(f"the value of {format_key(path)}"))
    if note:
        outcome.remarks.append(note)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def unset_command(
    key: KeyArgument,
    missing_ok: MissingOk = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Remove KEY from every configuration file that sets it; shows the diff.

    Its lines go, with the comment lines right above it that belong to it (a comment block that is its own), and nothing
    else. Exit 1 when KEY is not set, unless --missing-ok.

    Example: clearml-cfg unset apiserver.auth.cookies.domain
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    outcome = unset_value(options, parse_key(key), missing_ok)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def show_command(
    namespace: Annotated[
        str | None,
        typer.Argument(metavar="[NAMESPACE]", help="Show only this part, e.g. apiserver.auth.", show_default=False),
    ] = None,
    effective: Effective = False,
    origin: Annotated[
        bool, typer.Option("--origin", help="With each value, where it comes from (implies --effective).")
    ] = False,
    changed: Annotated[
        bool, typer.Option("--changed", help="Only what differs from the defaults (implies --effective).")
    ] = False,
    config_dir: ConfigDir = None,
    component: Component = None,
    defaults: Defaults = None,
    ignore_bad_env: IgnoreBadEnv = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
    quiet: Quiet = False,
) -> None:
    """Print the configuration, merged as the server merges it.

    HOCON (or JSON with --json) of what the files set; --effective shows the configuration exactly as the server
    computes it: its defaults, then each config directory, then TRAINS__/CLEARML__ variables; --origin adds where each
    value comes from (default, apiserver.conf:14, env CLEARML__...), --changed keeps what differs from the defaults.
    Secrets print as ******** unless --show-secrets. Highlighted on a terminal, plain when piped.

    Example: clearml-cfg show apiserver.auth --effective --origin
    """
    show(
        namespace,
        effective,
        origin,
        changed,
        config_dir,
        component,
        defaults,
        ignore_bad_env,
        json_output=json_output,
        show_secrets=show_secrets,
        quiet=quiet,
    )
