"""Options shared by the commands, declared once."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer import _click as click
from typer._types import TyperChoice

from ..errors import UsageError
from ..model.values import ValueType
from .context import lock_timeout as lock_timeout  # declared without Typer, for fast.py; imported from here too
from .context import make_options as make_options


class Choice(TyperChoice[str]):
    """A fixed set of values: listed in --help, offered by shell completion, and checked: a value outside it is
    a usage error that suggests the closest one."""

    def __init__(self, choices: Sequence[str], *, case_sensitive: bool = True) -> None:
        super().__init__(choices, case_sensitive=case_sensitive)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        choices = [str(choice) for choice in self.choices]
        matched = [c for c in choices if c == value or (not self.case_sensitive and c.lower() == str(value).lower())]
        if matched:
            return matched[0]
        name = max(param.opts, key=len) if param is not None and param.opts else "the value"
        if param is not None and param.param_type_name == "argument":
            name = (param.metavar or param.name or "VALUE").strip("[].")
        close = difflib.get_close_matches(str(value), choices, n=1)
        suggestion = f"did you mean {close[0]}? " if close else ""
        where = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
        raise UsageError(f"{name} {value!r} is not one of {', '.join(choices)}", f"{suggestion}use one of them{where}")


VALUE_TYPES = Choice([t.value for t in ValueType], case_sensitive=False)  # --type: how VALUE is read

ConfigDir = Annotated[
    str | None,
    typer.Option(
        "--config-dir",
        "-c",
        metavar="DIR",
        help="Config directory; several joined with ':', later ones win. Default: $CLEARML_CONFIG_DIR, else "
        "$TRAINS_CONFIG_DIR, else /opt/trains/config then /opt/clearml/config.",
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
Create = Annotated[
    bool,
    typer.Option(
        "--create",
        help="Create the config directory if it does not exist (else refused: a mistyped --config-dir must not start "
        "a new one).",
    ),
]
NoBackup = Annotated[bool, typer.Option("--no-backup", help="Do not keep the previous content as NAME.conf.bak.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (and data asked for).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
MissingOk = Annotated[bool, typer.Option("--missing-ok", help="Succeed (exit 0) when there is nothing to remove.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")]
ShowSecrets = Annotated[
    bool, typer.Option("--show-secrets", help="Print passwords, secrets and keys instead of ********.")
]


Component = Annotated[
    str | None,
    typer.Option(
        "--component",
        metavar="SERVER",
        click_type=Choice(["apiserver", "fileserver"]),
        help="Whose view: the API server's loader (apiserver), or the file server's (fileserver: only "
        "/opt/clearml/config, no -key rule). Default: fileserver for fileserver.* keys, else apiserver.",
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
