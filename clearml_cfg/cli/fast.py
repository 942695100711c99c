"""Commands answered without building the Typer application: `--version`, and `get KEY` with plain options.

Importing Typer costs more than everything `get` does with the server's sixteen default files, and scripts call
`get` more than anything else. A command line here is read by a strict grammar that accepts a subset of what
Typer accepts and reads it the same way (tests/cli/test_fast.py compares the two on generated command lines);
anything else (`--help`, `--effective`, `-qc DIR`, `--`, an unknown option, a missing KEY) goes to Typer, which
explains it.
"""

from __future__ import annotations

import os
from typing import Any

from .. import __version__

# `get`'s options as Typer declares them (cli/config.py): flags, and options that take one value
_FLAGS = {"--json": "json_output", "--show-secrets": "show_secrets", "--quiet": "quiet", "-q": "quiet"}
_VALUED = {"--default": "default", "--config-dir": "config_dir", "-c": "config_dir"}


def answer(arguments: list[str]) -> int | None:
    """The exit code of a command answered here, or None: the command is for the Typer application."""
    if arguments in (["--version"], ["-V"]):
        print(f"clearml-cfg {__version__}")
        return 0
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return None  # shell completion is Typer's
    options = read_get(arguments)
    if options is None:
        return None
    from . import guarded
    from .get import print_value

    return guarded(lambda: print_value(**options))


def read_get(arguments: list[str]) -> dict[str, Any] | None:
    """The parameters Typer would pass to `get` for this command line, or None when it is not one read here."""
    if not arguments or arguments[0] != "get" or any(_undecodable(a) for a in arguments):
        return None
    options: dict[str, Any] = {}
    rest = arguments[1:]
    while rest:
        token = rest.pop(0)
        name, given = token.split("=", 1) if token.startswith("--") and "=" in token else (token, None)
        if name in _FLAGS and given is None:
            options[_FLAGS[name]] = True
        elif name in _VALUED:
            if given is None:
                if not rest or rest[0].startswith("-"):
                    return None
                given = rest.pop(0)
            options[_VALUED[name]] = given
        elif token.startswith("-") or "key" in options:
            return None
        else:
            options["key"] = token
    return options if "key" in options else None


def _undecodable(argument: str) -> bool:
    """Bytes that are not UTF-8 (decoded with surrogate escapes): the Typer path says what is wrong."""
    return any("\udc80" <= c <= "\udcff" for c in argument)
