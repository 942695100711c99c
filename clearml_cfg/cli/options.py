"""Options shared by the commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

# re-exported: declared in .context, where the commands answered without Typer (fast.py) find them too
from .context import lock_timeout as lock_timeout
from .context import make_options as make_options

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
NoBackup = Annotated[bool, typer.Option("--no-backup", help="Do not keep the previous content as NAME.conf.bak.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (and data asked for).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ShowSecrets = Annotated[
    bool, typer.Option("--show-secrets", help="Print passwords, secrets and keys instead of ********.")
]


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
