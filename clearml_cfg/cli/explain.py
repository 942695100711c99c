"""The server's view on the command line: explain, env, and the output of show --effective / get --effective."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from ..console import Console
from ..features.env import assignment, key_of, variable_for
from ..features.explain import explain
from ..hocon import format_path
from ..model.keys import MISSING, parse_key
from ..model.schema import masked
from ..model.values import ValueType, parse_value, show_value, to_json
from .effective import compute_effective
from .options import Component, ConfigDir, Defaults, IgnoreBadEnv, Json, Quiet, ShowSecrets

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
    """Why KEY has its effective value: every layer that sets it, which one wins and why, and what will not work.

    Layers: the defaults, each config file in the server's order, then TRAINS__/CLEARML__ variables. Warns about a
    key no server code reads (with the closest real one), a misspelt variable prefix, a value the server cannot
    parse, CORS set for the wrong server. Exit 1 when KEY is not set at all.

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


def env_command(
    key: Annotated[
        str,
        typer.Argument(metavar="KEY", help="Full key, or with --reverse a variable name.", show_default=False),
    ],
    value: Annotated[
        str | None, typer.Argument(metavar="[VALUE]", help="Also print the assignment.", show_default=False)
    ] = None,
    value_type: Annotated[
        ValueType, typer.Option("--type", "-t", help="How to read VALUE (as for set).", case_sensitive=False)
    ] = ValueType.auto,
    reverse: Annotated[
        bool, typer.Option("--reverse", "-r", help="KEY is a variable name: print the key it sets.")
    ] = False,
    shell: Annotated[bool, typer.Option("--shell", help="Print only the shell assignment.")] = False,
    compose: Annotated[
        bool, typer.Option("--compose", help="Print only the docker-compose `environment:` line.")
    ] = False,
    json_output: Json = False,
) -> None:
    """The CLEARML__ environment variable that sets KEY, and with VALUE the assignment quoted for a shell and for
    a docker-compose `environment:` block (the value written so that the server reads back exactly VALUE).

    Keys with capitals, quoted parts or list indexes cannot be set by a variable: that is refused (exit 2).

    Example: clearml-cfg env apiserver.auth.cookies.domain .clearml.example.com
    """
    console = Console()
    if reverse:
        found = key_of(key)
        console.data(to_json({"name": key, "key": found}) if json_output else found)
        return
    path = parse_key(key)
    if value is None:
        name = variable_for(path)
        console.data(to_json({"key": format_path(path), "name": name}) if json_output else name)
        return
    intended, _ = parse_value(value, value_type)
    result = assignment(path, intended, value)
    if json_output:
        console.data(to_json(result.as_json()))
    elif shell:
        console.data(result.shell)
    elif compose:
        console.data(result.compose)
    else:
        console.data(f"# shell\nexport {result.shell}\n# docker-compose, under environment:\n{result.compose}")


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"explain": explain_command, "env": env_command}
    for name, function in commands.items():
        if name in names:
            app.command(name)(function)
