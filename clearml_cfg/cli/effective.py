"""The server's view on the command line: computing it for a command, and the output of show --effective and
get --effective. No Typer here: ``fast.py`` runs these commands without building the application."""

from __future__ import annotations

from ..console import Console
from ..features.show import context, effective_view, shown
from ..hocon import KeyPath, format_path
from ..model.values import as_hocon, show_value, to_json
from ..views.effective import Effective
from .context import make_options


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
    return effective_view(options, path, component=component, defaults=defaults, ignore_bad_env=ignore_bad_env)


def report_context(console: Console, effective: Effective) -> None:
    """The warnings about the view as a whole."""
    for warning in context(effective):
        console.warn(warning)


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
    found = shown(effective, path, origin=origin, changed=changed, show_secrets=show_secrets)
    names_a_default = any(row.origin is not None and row.origin.kind == "default" for row in found.rows)
    if effective.defaults_note and (names_a_default or found.removed):  # says what "default" stands for
        console.note(effective.defaults_note)
    if json_output:
        console.data(to_json(found.as_json(origin=origin)))
    elif not origin:
        text = as_hocon(found.tree)
        text += "".join(
            f"# removed: {format_path(key)} (default {show_value(value)})\n" for key, value in found.removed
        )
        console.data_hocon(text or "# nothing\n")
    else:
        console.table(
            ["KEY", "VALUE", "ORIGIN"],
            [
                [
                    format_path(row.key),
                    f"(removed; default {show_value(row.value)})" if row.removed else show_value(row.value),
                    row.label,
                ]
                for row in found.rows
            ],
        )
