"""`export`: the command's work. No Typer here: ``fast.py`` runs it without building the application."""

from __future__ import annotations

from pathlib import Path

from ..console import Console, is_terminal
from ..errors import Message
from ..features.export import DEFAULT_NAME, export
from ..io.transaction import write_output
from ..model.values import to_json
from .context import make_options


def export_files(
    fmt: str,
    component: str = "all",
    name: str = DEFAULT_NAME,
    namespace: str | None = None,
    output: Path | None = None,
    fileserver_configs: bool = False,
    config_dir: str | None = None,
    show_secrets: bool = False,
    quiet: bool = False,
    json_output: bool = False,
) -> None:
    """`export` (see cli/export.py for the options)."""
    options = make_options(config_dir, quiet=quiet)
    console = Console(quiet=quiet)
    mask = output is None and not show_secrets and is_terminal(console.out)
    exported = export(
        options.dirs,
        options.env,
        fmt,
        component=component,
        name=name,
        namespace=namespace,
        fileserver_configs=fileserver_configs,
        mask=mask,
    )
    notes = [note.replace("FILE", str(output)) if output else note for note in exported.notes]
    for warning in exported.warnings:
        console.warn(warning)
    if output is not None:
        write_output(output, exported.text, private=exported.secret)
        console.info(f"wrote {output}" + (" (readable by you only: it holds secrets)" if exported.secret else ""))
    if json_output:
        document = {
            "format": fmt,
            "output": None if output is None else str(output),
            "text": exported.text if output is None else None,
            "secret": exported.secret,
            "warnings": [Message.full(warning) for warning in exported.warnings],
            "notes": notes,
        }
        console.data(to_json(document))
    elif output is None:
        console.data(exported.text)
    for note in notes:
        console.note(note)
