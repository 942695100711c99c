"""The server's view: show --effective (its output), explain, env."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..console import Console
from ..errors import NotSet, UsageError
from ..features.explain import MISSING, explain, removed_by
from ..hocon import KeyPath, format_path
from ..model.env_names import ENV_PREFIXES, env_key, env_name, miscased_prefix
from ..model.keys import lookup, parse_key
from ..model.schema import masked
from ..model.values import ValueType, parse_value, to_json
from ..views.effective import Effective, changed_only, compute, describe_value, origin_below, removed_defaults
from ..views.environment import EnvOverride, env_text, parse_env_value
from ..views.unread import unread_keys
from .options import Component, ConfigDir, Defaults, IgnoreBadEnv, Json, Quiet, ShowSecrets, component_for, make_options


def compute_effective(
    config_dir: str | None,
    component: str | None,
    defaults: str | None,
    ignore_bad_env: bool,
    path: KeyPath,
    *,
    quiet: bool = False,
) -> Effective:
    options = make_options(config_dir, quiet=quiet)
    return compute(
        options.dirs,
        options.env,
        component=component_for(component, path),
        defaults_dir=Path(defaults) if defaults else None,
        ignore_bad_env=ignore_bad_env,
    )


def report_context(console: Console, effective: Effective) -> None:
    if effective.defaults_note:
        console.note(effective.defaults_note)
    for warning in effective.warnings:
        console.warn(warning)
    for _, warning in unread_keys(effective):
        console.warn(warning)


def _under(path: KeyPath, key: KeyPath) -> bool:
    return tuple(key[: len(path)]) == tuple(path)


def show_effective(
    console: Console,
    effective: Effective,
    path: KeyPath,
    *,
    origin: bool,
    changed: bool,
    json_output: bool,
    show_secrets: bool,
) -> None:
    def hide(value: Any, where: KeyPath) -> Any:
        return value if show_secrets else masked(value, where)

    tree = changed_only(effective) if changed else effective.tree
    removed = [(key, hide(value, key)) for key, value in removed_defaults(effective) if _under(path, key)]
    if not changed:
        removed = []
    try:
        part = lookup(tree, path) if path else tree
    except KeyError:
        if not removed:
            raise NotSet(
                f"{format_path(path)} is not in the server's "
                + ("changed settings" if changed else "effective configuration"),
                "clearml-cfg explain KEY tells which layers set a key",
            ) from None
        part = {}
    if not origin:
        shown = hide(part, path)
        if json_output:
            document = shown
            if changed:
                document = {
                    "changed": shown,
                    "removed": [{"key": format_path(key), "default": value} for key, value in removed],
                }
            console.data(to_json(document))
            return
        from ..hocon.render import render_fields, render_value

        text = render_fields(shown) if isinstance(shown, dict) else render_value(shown)
        text += "".join(f"# removed: {format_path(key)} (default {describe_value(value)})\n" for key, value in removed)
        console.data_hocon(text or "# nothing\n")
        return
    rows = []
    leaves = [] if changed and part == {} else effective.leaves(part, origin_below(effective.origins, path), ())
    for relative, value, where in leaves:
        full = (*path, *relative)
        rows.append((full, hide(value, full), effective.label(where), where, False))
    for key, value in removed:
        remover = removed_by(effective, key)
        rows.append((key, value, effective.label(remover), remover, True))
    if json_output:
        console.data(
            to_json(
                [
                    {
                        "key": format_path(full),
                        "value": None if gone else shown,
                        "origin": label,
                        "file": str(where.file) if where and where.file else None,
                        "line": where.line if where else None,
                        "variable": where.variable if where else None,
                        **({"removed": gone, "default": shown if gone else None} if changed else {}),
                    }
                    for full, shown, label, where, gone in rows
                ]
            )
        )
        return
    console.table(
        ["KEY", "VALUE", "ORIGIN"],
        [
            [format_path(full), f"(removed; default {describe_value(shown)})" if gone else describe_value(shown), label]
            for full, shown, label, _, gone in rows
        ],
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
        return describe_value(value if show_secrets else masked(value, path))

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
        _reverse(console, key, json_output)
        return
    path = parse_key(key)
    name = env_name(path)
    if value is None:
        console.data(to_json({"key": format_path(path), "name": name}) if json_output else name)
        return
    intended, _ = parse_value(value, value_type)
    text = env_text(intended, name, ".".join(str(s) for s in path))
    check = parse_env_value(EnvOverride(name, ".".join(str(s) for s in path), text))
    try:
        read_back = lookup(check, path)
    except KeyError:
        read_back = MISSING
    from ..hocon import strict_equal

    if read_back is MISSING or not strict_equal(read_back, intended):
        raise UsageError(
            f"{value!r} cannot be passed through {name} so that the server reads it back", "use clearml-cfg set"
        )
    shell_line = f"{name}={shlex.quote(text)}"
    compose_line = f"{name}: {json.dumps(text.replace('$', '$$'), ensure_ascii=False)}"
    if json_output:
        console.data(
            to_json(
                {"key": format_path(path), "name": name, "value": text, "shell": shell_line, "compose": compose_line}
            )
        )
    elif shell:
        console.data(shell_line)
    elif compose:
        console.data(compose_line)
    else:
        console.data(f"# shell\nexport {shell_line}\n# docker-compose, under environment:\n{compose_line}")


def _reverse(console: Console, name: str, json_output: bool) -> None:
    prefix = miscased_prefix(name)
    if prefix is not None:
        raise UsageError(
            f"the server ignores {name}: the prefix must be exactly {prefix}",
            f"rename it to {prefix}{name[len(prefix) :]}",
        )
    if name in ENV_PREFIXES:
        raise UsageError(
            f"{name} alone sets an empty key: the server cannot parse it and fails to start", f"unset {name}"
        )
    key = env_key(name)
    if key is None:
        raise UsageError(f"{name} is not an override: those start with CLEARML__ or TRAINS__")
    console.data(to_json({"name": name, "key": key}) if json_output else key)


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"explain": explain_command, "env": env_command}
    for name, function in commands.items():
        if name in names:
            app.command(name)(function)
