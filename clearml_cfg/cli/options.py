"""Options shared by the commands, declared once."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ..errors import UsageError
from ..features.common import Options
from ..io.locking import DEFAULT_LOCK_TIMEOUT
from ..model.layout import config_dirs

ConfigDir = Annotated[
    str | None,
    typer.Option(
        "--config-dir",
        "-c",
        metavar="DIR",
        help="Config directory (several joined with ':', later ones win). "
        "Default: $CLEARML_CONFIG_DIR, else $TRAINS_CONFIG_DIR, else /opt/trains/config:/opt/clearml/config.",
        show_default=False,
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Show the diff, write nothing.")]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        "-f",
        help="Write even what clearml-cfg check would call an error (a misspelt key, a value the server cannot use).",
    ),
]
NoBackup = Annotated[bool, typer.Option("--no-backup", help="Do not keep the previous content as NAME.conf.bak.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (and data asked for).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ShowSecrets = Annotated[
    bool, typer.Option("--show-secrets", help="Print passwords, secrets and keys instead of ********.")
]


def lock_timeout(env: dict[str, str]) -> float:
    raw = env.get("CLEARML_CFG_LOCK_TIMEOUT")
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    hint = f"set it to a number of seconds, e.g. CLEARML_CFG_LOCK_TIMEOUT=30 (unset: {DEFAULT_LOCK_TIMEOUT:g})"
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"CLEARML_CFG_LOCK_TIMEOUT={raw!r} is not a number of seconds", hint) from None
    if not value >= 0:  # also NaN
        raise UsageError(f"CLEARML_CFG_LOCK_TIMEOUT={raw!r} must be zero or more seconds", hint)
    return value


def make_options(
    config_dir: str | None, *, dry_run: bool = False, backup: bool = True, force: bool = False, quiet: bool = False
) -> Options:
    """The options every command works with; warns (on stderr) about a directory list the server reads oddly."""
    env = dict(os.environ)
    dirs = config_dirs(config_dir, env)
    if dirs.warnings and not quiet:
        from ..console import Console

        for warning in dirs.warnings:
            Console().warn(warning)
    return Options(
        dirs=dirs,
        env=env,
        dry_run=dry_run,
        backup=backup,
        force=force,
        lock_timeout=lock_timeout(env),
    )


Component = Annotated[
    str | None,
    typer.Option(
        "--component",
        metavar="apiserver|fileserver",
        help="Whose view: the API server's loader, or the file server's (only /opt/clearml/config, no -key rule). "
        "Default: fileserver for fileserver.* keys, else apiserver.",
        show_default=False,
    ),
]
Defaults = Annotated[
    str | None,
    typer.Option(
        "--defaults",
        metavar="DIR",
        help="Layer a server's default folder (e.g. clearml-server/apiserver/config/default) instead of the documented "
        "defaults clearml-cfg knows. Inside the apiserver container the image's own folder is used by itself.",
        show_default=False,
    ),
]
IgnoreBadEnv = Annotated[
    bool,
    typer.Option(
        "--ignore-bad-env", help="Skip CLEARML__/TRAINS__ variables the server could not parse (it would not start)."
    ),
]
