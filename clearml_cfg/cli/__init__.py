"""The command line. Typer wiring only: parsing options, reading what a person types (prompts.py), calling
``features``, printing through ``console``. No configuration knowledge lives here."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Entry point of `clearml-cfg` and `python -m clearml_cfg`; returns the exit code."""
    from .app import run

    return run(argv)
