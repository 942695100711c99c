"""`get`: the value of one key, on stdout. No Typer here: ``fast.py`` runs it without building the application."""

from __future__ import annotations

from ..console import Console
from ..errors import NotSet
from ..features.config import get_value
from ..model.keys import format_key, lookup, parse_key
from ..model.schema import masked
from ..model.values import format_value, to_json
from .context import make_options


def print_value(
    key: str,
    default: str | None = None,
    effective: bool = False,
    config_dir: str | None = None,
    component: str | None = None,
    defaults: str | None = None,
    ignore_bad_env: bool = False,
    json_output: bool = False,
    show_secrets: bool = False,
    quiet: bool = False,
) -> None:
    """`get`: the value the files (or, ``effective``, the server) give KEY, on stdout."""
    path = parse_key(key)
    console = Console(quiet=quiet)
    try:
        if effective:
            from .effective import compute_effective

            view = compute_effective(config_dir, component, defaults, ignore_bad_env, path, quiet=quiet)
            for warning in view.warnings:
                console.warn(warning)
            try:
                value = lookup(view.tree, path)
            except KeyError:
                raise NotSet(f"{format_key(path)} is not set in the server's effective configuration") from None
        else:
            value = get_value(make_options(config_dir, quiet=quiet), path)
    except NotSet as e:
        if default is None:
            raise NotSet(e.message, "--default VALUE prints a fallback instead") from None
        value = default
    shown = value if show_secrets else masked(value, path)
    console.data(to_json(shown) if json_output else format_value(shown))
