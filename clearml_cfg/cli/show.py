"""`show`: what the files set, or (--effective) what the server computes. No Typer here: ``fast.py`` runs it
without building the application."""

from __future__ import annotations

from ..console import Console
from ..features.config import show_tree
from ..model.keys import format_key, parse_key
from ..model.schema import masked
from ..model.values import as_hocon, format_value, to_json
from .context import make_options


def show(
    namespace: str | None = None,
    effective: bool = False,
    origin: bool = False,
    changed: bool = False,
    config_dir: str | None = None,
    component: str | None = None,
    defaults: str | None = None,
    ignore_bad_env: bool = False,
    json_output: bool = False,
    show_secrets: bool = False,
    quiet: bool = False,
) -> None:
    """`show` (see cli/config.py for the options)."""
    console = Console(quiet=quiet)
    path = parse_key(namespace) if namespace else ()
    if effective or origin or changed:
        from .effective import compute_effective, report_context, show_effective

        view = compute_effective(config_dir, component, defaults, ignore_bad_env, path, quiet=quiet)
        report_context(console, view)
        show_effective(
            console, view, path, origin=origin, changed=changed, json_output=json_output, show_secrets=show_secrets
        )
        return
    options = make_options(config_dir, quiet=quiet)
    tree = show_tree(options, path)
    shown = tree if show_secrets else masked(tree, path)
    if json_output:
        console.data(to_json(shown))
        return
    if isinstance(shown, dict):
        text = as_hocon(shown)
        if not text:
            text = f"# nothing is set{' under ' + format_key(path) if path else ''} in {options.dirs.describe()}\n"
        console.data_hocon(text)
    else:
        console.data_hocon(format_value(shown))
