"""diff: compare two configurations key by key (exit 0 the same, 1 different)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ..console import Console
from ..errors import Message
from ..features import diff
from ..hocon import format_path
from ..model.values import show_value, to_json
from .command import add_commands
from .options import Json, Quiet, ShowSecrets

_MARKS = {"changed": "~", "added": "+", "removed": "-"}
_SERVERS = {"apiserver": "the API server", "fileserver": "the file server"}


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"diff": diff_command})


def diff_command(
    a: Annotated[
        str,
        typer.Argument(
            metavar="A",
            help="Config directories (DIR, or DIR1:DIR2 as for -c), a Helm values file (values.yaml), or an env file "
            "of CLEARML__ lines; a directory and env files combine: DIR:overrides.env.",
            show_default=False,
        ),
    ],
    b: Annotated[str, typer.Argument(metavar="B", help="The other configuration, named the same way.")],
    effective: Annotated[
        bool,
        typer.Option(
            "--effective",
            "-e",
            help="Compare what the servers compute, their defaults included (default: what A and B set).",
        ),
    ] = False,
    json_output: Json = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
) -> None:
    """Compare two configurations key by key: added, removed and changed keys, with each side's value and origin.

    A and B are config directories, Helm values files (apiserver.additionalConfigs and each server's extraEnvs)
    or env files, compared as each server reads them. Secrets are masked unless --show-secrets. Exit 0 when they
    are the same, 1 when they differ.

    Example: clearml-cfg diff ./staging-config ./production-config
    """
    console = Console(quiet=quiet, show_secrets=show_secrets)
    comparison = diff.compare(a, b, dict(os.environ), effective=effective, show_secrets=show_secrets)
    for warning in comparison.warnings:
        console.warn(warning)
    if json_output:
        console.data(
            to_json(
                {
                    "a": a,
                    "b": b,
                    "effective": effective,
                    "equal": comparison.equal,
                    "differences": [d.as_json() for d in comparison.differences],
                    "warnings": [Message.full(w) for w in comparison.warnings],
                }
            )
        )
    else:
        for difference in comparison.differences:
            console.data("\n".join(_lines(difference)))
    console.info(_summary(comparison))
    if not comparison.equal:
        raise typer.Exit(1)


def _lines(difference: diff.Difference) -> list[str]:
    head = f"{_MARKS[difference.change]} {format_path(difference.key)}"
    if not difference.all_readers:
        head += f"  (as {' and '.join(_SERVERS[s] for s in difference.servers)} reads it)"
    lines = [head]
    for letter, found in (("A", difference.a), ("B", difference.b)):
        if found is not None:
            lines.append(f"    {letter}: {show_value(found.value)}  # {found.origin}")
    return lines


def _summary(comparison: diff.Comparison) -> str:
    what = "the servers compute" if comparison.effective else "they set"
    if comparison.equal:
        return f"A and B are the same configuration ({what})"
    counts = {change: 0 for change in _MARKS}
    for difference in comparison.differences:
        counts[difference.change] += 1
    keys = len({d.key for d in comparison.differences})
    shown = ", ".join(f"{n} {change}" for change, n in counts.items() if n)
    return f"A and B differ in {keys} key{'s' if keys != 1 else ''} ({what}): {shown}"
