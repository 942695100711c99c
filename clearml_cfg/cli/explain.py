"""The server's view on the command line: explain and env (show --effective and get --effective: effective.py)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import typer

from ..console import Console
from ..errors import UsageError
from ..features.config import holds_secret
from ..features.env import assignment, key_of, variable_for, written_in
from ..features.explain import explain
from ..hocon import format_path
from ..model.keys import MISSING, parse_key
from ..model.schema import masked
from ..model.values import ValueType, parse_value, show_value, to_json
from . import prompts
from .command import Alias, add_commands
from .effective import compute_effective
from .options import (
    VALUE_TYPES,
    Choice,
    Component,
    ConfigDir,
    Defaults,
    IgnoreBadEnv,
    Json,
    Quiet,
    ShowSecrets,
    make_options,
)

# --- explain -----------------------------------------------------------------------------------------------


def explain_command(
    key: Annotated[
        str, typer.Argument(metavar="KEY", help="Full key, e.g. apiserver.cors.origins.", show_default=False)
    ],
    config_dir: ConfigDir = None,
    component: Component = None,
    defaults: Defaults = None,
    ignore_bad_env: IgnoreBadEnv = False,
    json_output: Json = False,
    show_secrets: ShowSecrets = False,
    quiet: Quiet = False,
) -> None:
    """Why KEY has its effective value: every layer that sets it.

    Which layer wins, and why. Layers: the defaults, each config file in the server's order, then TRAINS__/CLEARML__
    variables. Warns about what will not work: a key no server code reads (with the closest real one), a misspelt
    variable prefix, a value the server cannot parse, CORS set for the wrong server. Exit 1 when KEY is not set at all.

    Example: clearml-cfg explain apiserver.auth.cookies.domain
    """
    path = parse_key(key)
    console = Console(quiet=quiet)
    effective = compute_effective(config_dir, component, defaults, ignore_bad_env, path, quiet=quiet)
    result = explain(effective, path)

    def show(value: Any) -> str:
        if value is MISSING:
            return "(removed)"
        return show_value(value if show_secrets else masked(value, path))

    if json_output:
        console.data(
            to_json(
                {
                    "key": format_path(path),
                    "component": result.component,
                    "set": result.is_set,
                    "value": None
                    if not result.is_set
                    else (result.value if show_secrets else masked(result.value, path)),
                    "origin": result.origin,
                    "steps": [
                        {
                            "origin": step.label,
                            "action": step.action,
                            "value": None
                            if step.value is MISSING
                            else (step.value if show_secrets else masked(step.value, path)),
                            "removes": step.value is MISSING,
                            "reason": step.reason,
                            "wins": step.wins,
                            "merged": step.merged,
                        }
                        for step in result.steps
                    ],
                    "warnings": result.warnings,
                    "notes": [note for note in (result.defaults_note, *result.notes) if note],
                }
            )
        )
    else:
        headline = f"{format_path(path)} = {show(result.value)}" if result.is_set else f"{format_path(path)} is not set"
        console.data(headline + (f"  ({result.component})" if result.component != "apiserver" else ""))
        if result.steps:
            console.table(
                ["", "ORIGIN", "VALUE", "WHY"],
                [
                    [
                        "*" if step.wins else "+" if step.merged else " ",
                        step.label,
                        show(step.value),
                        step.reason or step.action,
                    ]
                    for step in result.steps
                ],
                keys=2,  # the winner's mark and the layer
            )
            if any(step.merged for step in result.steps):
                console.note(
                    "+: the object is merged from these rows, key by key (explain a key inside it for one value)"
                )
        if result.defaults_note and any(step.origin.kind == "default" for step in result.steps):
            console.note(result.defaults_note)
        for note in result.notes:
            console.note(note)
        for warning in result.warnings:
            console.warn(warning)
    if not result.is_set:
        raise typer.Exit(1)


# --- env ---------------------------------------------------------------------------------------------------


class EnvFormat(str, Enum):
    both = "both"
    shell = "shell"
    compose = "compose"


def env_command(
    key: Annotated[
        str,
        typer.Argument(metavar="KEY", help="Full key, or with --reverse a variable name.", show_default=False),
    ],
    value: Annotated[
        str | None, typer.Argument(metavar="[VALUE]", help="Also print the assignment.", show_default=False)
    ] = None,
    value_stdin: Annotated[
        bool,
        typer.Option(
            "--value-stdin",
            help="Read VALUE from the first line of standard input, so that a secret stays out of the process list "
            "and the shell history. On a terminal: a prompt that does not echo.",
        ),
    ] = False,
    value_type: Annotated[
        ValueType,
        typer.Option("--type", "-t", metavar="TYPE", click_type=VALUE_TYPES, help="How to read VALUE (as for set)."),
    ] = ValueType.auto,
    reverse: Annotated[
        bool, typer.Option("--reverse", "-r", help="KEY is a variable name: print the key it sets.")
    ] = False,
    output_format: Annotated[
        EnvFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            click_type=Choice([f.value for f in EnvFormat]),
            help="With VALUE: the assignment for a shell (shell), for a docker-compose environment: block "
            "(compose), or both.",
        ),
    ] = EnvFormat.both,
    config_dir: ConfigDir = None,
    json_output: Json = False,
    quiet: Quiet = False,
) -> None:
    """The CLEARML__ variable that sets KEY, and its assignment.

    With VALUE: the assignment for a shell and for a docker-compose environment: block. The value is written so that the
    server reads back exactly VALUE. Keys with capitals, quoted parts or list indexes cannot be set by a variable: that
    is refused (exit 2). A secret given as VALUE is visible to other users in the process list: --value-stdin reads it
    instead. A note names the lines of the configuration files that set KEY: the variable overrides them. With
    --reverse: the key a variable sets.

    Example: clearml-cfg env apiserver.auth.cookies.domain .clearml.example.com

    Example: printf '%s\\n' "$PW" | clearml-cfg env hosts.mongo.backend.password --value-stdin --format shell

    Example: clearml-cfg env --reverse CLEARML__APISERVER__AUTH__COOKIES__DOMAIN
    """
    console = Console(quiet=quiet)
    if value_stdin:
        if value is not None:
            raise UsageError("VALUE and --value-stdin both give the value", "pass only one of them")
        value = prompts.read_value(
            key, "--value-stdin", "printf '%s\\n' \"$VALUE\" | clearml-cfg env KEY --value-stdin"
        )
    if reverse:
        found = key_of(key)
        console.data(to_json({"name": key, "key": found}) if json_output else found)
        return
    path = parse_key(key)
    places = written_in(make_options(config_dir, quiet=quiet), path)
    notes = [
        f"{', '.join(places)} {'sets' if len(places) == 1 else 'set'} {format_path(path)} too: the variable "
        f"overrides {'it' if len(places) == 1 else 'them'} (the server applies variables last)"
    ][: bool(places)]
    for note in notes:
        console.note(note)
    if value is None:
        name = variable_for(path)
        console.data(to_json({"key": format_path(path), "name": name, "notes": notes}) if json_output else name)
        return
    intended, _ = parse_value(value, value_type)
    result = assignment(path, intended, value)
    if not value_stdin and holds_secret(path, intended):
        console.warn(prompts.argv_secret_warning(f"the value of {format_path(path)}"))
    if json_output:
        console.data(to_json({**result.as_json(), "notes": notes}))
    elif output_format is EnvFormat.shell:
        console.data(result.shell)
    elif output_format is EnvFormat.compose:
        console.data(result.compose)
    else:
        lines = (
            f"# shell\nexport {result.shell}"
            if result.exportable
            else f"# shell: no shell variable can be named {result.name}; pass it to the server's command with env\n"
            f"{result.shell} COMMAND"
        )
        console.data(f"{lines}\n# docker-compose, under environment:\n{result.compose}")


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"explain": explain_command, "env": env_command}
    add_commands(
        app,
        names,
        commands,
        env=[Alias(("--shell",), "--format", sets="shell"), Alias(("--compose",), "--format", sets="compose")],
    )
