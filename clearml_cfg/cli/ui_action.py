"""ui-action add / list / remove: custom UI context-menu actions (ClearML Enterprise)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..console import Console
from ..model.schema import UI_ACTION_METHODS, UI_ACTION_OBJECTS
from ..model.values import to_json
from . import prompts
from .command import Group, add_commands
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

HELP = (
    "Context-menu actions of the web app (ClearML Enterprise).\n\n"
    "The actions are services.conf `organization.ui_actions`; the open-source server ignores them. Each action "
    "sends an HTTP request from the browser when it is clicked on a project, task, model, dataview or queue; ${id} "
    "in its url becomes the object's id. Without a subcommand: the list, with the options of "
    "list (clearml-cfg ui-action [OBJECT] [-c DIR] [--json]).\n\n"
    "Example: clearml-cfg ui-action add task 'Run CI' --url 'https://ci.example.com/run/${id}' --method POST\n\n"
    "Example: clearml-cfg ui-action list --json"
)
#: Options of the subcommands that take a value: their value is not a subcommand's name
_VALUED = ("-c", "--config-dir", "-u", "--url", "-m", "--method", "--tooltip", "--payload", "-H", "--header")


class _ListByDefault(Group):
    """`ui-action` alone is `ui-action list`, options and OBJECT included (`ui-action task -c DIR --json`); a
    subcommand's options may also come before its name (`ui-action -c DIR add ...`).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        position = _command_position(args, self.commands)
        if position is None:
            if not args or not all(arg in ("-h", "--help") for arg in args):  # the group's own help stays
                args = ["list", *args]
        elif position:
            args = [args[position], *args[:position], *args[position + 1 :]]
        return super().parse_args(ctx, args)


def _command_position(args: list[str], commands: object) -> int | None:
    """Where the subcommand's name is, skipping options and their values; None when there is none."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return None
        if arg.startswith("-"):
            index += 2 if arg in _VALUED else 1
            continue
        return index if isinstance(commands, dict) and arg in commands else None
    return None


ObjectArgument = Annotated[
    str,
    typer.Argument(
        metavar="OBJECT",
        click_type=Choice(UI_ACTION_OBJECTS, case_sensitive=False),
        help="project, task, model, dataview or queue.",
        show_default=False,
    ),
]
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The menu item's label.", show_default=False)]


def register(app: typer.Typer, names: list[str]) -> None:
    if "ui-action" not in names:
        return
    group = typer.Typer(
        name="ui-action",
        help=HELP,
        cls=_ListByDefault,
        invoke_without_command=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    group.callback()(group_callback)
    add_commands(group, ["add", "list", "remove"], {"add": add_command, "list": list_command, "remove": remove_command})
    app.add_typer(group)


def group_callback(ctx: typer.Context) -> None:
    """Custom context-menu actions of the web app (ClearML Enterprise); the list when no subcommand is named."""
    if ctx.invoked_subcommand is None:  # _ListByDefault routes a bare call to list; kept for callers without it
        list_command()


def add_command(
    kind: ObjectArgument,
    name: NameArgument,
    url: Annotated[
        str,
        typer.Option(
            "--url",
            "-u",
            metavar="URL",
            help="The request's url; ${id} becomes the object's id (quote it for the shell: '...${id}').",
            show_default=False,
        ),
    ],
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            "-m",
            metavar="METHOD",
            click_type=Choice(UI_ACTION_METHODS, case_sensitive=False),
            help="The request method. Default: GET, or POST when --payload is given.",
            show_default=False,
        ),
    ] = None,
    tooltip: Annotated[
        str | None, typer.Option("--tooltip", metavar="TEXT", help="Shown on hover.", show_default=False)
    ] = None,
    payload: Annotated[
        str | None,
        typer.Option("--payload", metavar="TEXT", help="The request body (any text, e.g. JSON).", show_default=False),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            metavar="'NAME: VALUE'",
            help="A request header; repeat for several.",
            show_default=False,
        ),
    ] = None,
    headers_stdin: Annotated[
        bool,
        typer.Option(
            "--headers-stdin",
            help="Read request headers from standard input, one 'NAME: VALUE' per line, so that a token or an "
            "Authorization header stays out of the process list and the shell history.",
        ),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the action of the same name instead of refusing.")
    ] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Add a context-menu action for OBJECT (ClearML Enterprise only).

    OBJECT is project, task, model, dataview or queue. Writes services.conf `organization.ui_actions.OBJECT`, keeping
    the list's layout and comments. The url keeps ${id} literally (the web app replaces it). A second action with the
    same NAME needs --replace.

    Example: clearml-cfg ui-action add task 'Run CI' --url 'https://ci.example.com/run/${id}' --method POST

    Example: echo "Authorization: Bearer $TOKEN" | clearml-cfg ui-action add task 'Run CI' --url URL --headers-stdin
    """
    from ..features import ui_action as ui_actions

    console = Console(quiet=quiet, show_secrets=show_secrets)
    kind = ui_actions.check_object(kind)
    typed = header or []
    piped = prompts.read_stdin_lines("--headers-stdin", what="request headers") if headers_stdin else []
    entry, notes = ui_actions.build(
        name, url=url, method=method, tooltip=tooltip, payload=payload, headers=typed + piped
    )
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    outcome = ui_actions.add(options, kind, entry, replace=replace)
    outcome.warnings.extend(_secrets_on_the_command_line(typed, url))
    outcome.notes[:0] = notes
    outcome.notes.append(ui_actions.ENTERPRISE)
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"notes": outcome.notes})


def _secrets_on_the_command_line(headers: list[str], url: str) -> list[str]:
    """Warnings for credentials given as arguments: headers that carry them, a password in the url."""
    from ..features.ui_action import parse_header
    from ..model.schema import is_secret, url_passwords

    warnings = [
        prompts.argv_secret_warning(f"the {name} header", "--headers-stdin reads headers from standard input instead")
        for name, _ in map(parse_header, headers)
        if is_secret(("headers", name))
    ]
    if any(url_passwords(url)):
        warnings.append(
            prompts.argv_secret_warning(
                "a password in the url",
                "and every browser that shows the menu gets it too: send it as an Authorization header with "
                "--headers-stdin instead",
            )
        )
    return warnings


def list_command(
    kind: Annotated[
        str | None,
        typer.Argument(
            metavar="[OBJECT]",
            click_type=Choice(UI_ACTION_OBJECTS, case_sensitive=False),
            help="Only this object type: project, task, model, dataview or queue.",
            show_default=False,
        ),
    ] = None,
    config_dir: ConfigDir = None,
    quiet: Quiet = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """List the context-menu actions of the web app (ClearML Enterprise only).

    Header values that carry credentials (Authorization, Cookie, *token*, *key*, ...) and passwords inside urls print as
    ******** unless --show-secrets.

    Example: clearml-cfg ui-action list task --json
    """
    from ..features import ui_action as ui_actions
    from ..model.schema import masked

    console = Console(quiet=quiet)
    options = make_options(config_dir, quiet=quiet)
    found = ui_actions.listing(options, kind)
    if not show_secrets:  # an Authorization header, a password in a url
        for action in found.actions:
            action.entry = masked(action.entry, (*ui_actions.list_path(action.kind), action.index))
    if json_output:
        console.data(
            to_json(
                {
                    "actions": [
                        {"object": a.kind, "index": a.index, **_plain(a.entry), "origin": a.origin}
                        for a in found.actions
                    ],
                    "warnings": found.warnings,
                    "notes": [ui_actions.ENTERPRISE],
                }
            )
        )
    elif found.actions:
        console.table(
            ["OBJECT", "NAME", "METHOD", "URL", "ORIGIN"],
            [
                [a.kind, _text(a.name), _text(a.get("action", "method")), _text(a.get("action", "url")), a.origin]
                for a in found.actions
            ],
            keys=2,  # an action is its object type and its name
        )
    else:
        where = f" for {kind}" if kind else ""
        console.info(f"no custom UI actions{where} (add one with clearml-cfg ui-action add)")
    for warning in found.warnings:
        console.warn(warning)
    console.note(ui_actions.ENTERPRISE)


def remove_command(
    kind: ObjectArgument,
    name: NameArgument,
    missing_ok: MissingOk = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Remove the context-menu action NAME of OBJECT (ClearML Enterprise only).

    Exit 1 when there is no such action, unless --missing-ok.

    Example: clearml-cfg ui-action remove task 'Run CI'
    """
    from ..features import ui_action as ui_actions

    console = Console(quiet=quiet, show_secrets=show_secrets)
    kind = ui_actions.check_object(kind)
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, force=force, quiet=quiet)
    outcome = ui_actions.remove(options, kind, name, missing_ok=missing_ok)
    outcome.notes.append(ui_actions.ENTERPRISE)
    report(console, outcome, dry_run=dry_run, json_output=json_output, extra={"notes": outcome.notes})


def _plain(entry: Any) -> dict[str, Any]:
    return dict(entry) if isinstance(entry, dict) else {"value": entry}


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else repr(value)
