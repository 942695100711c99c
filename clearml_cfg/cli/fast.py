"""Commands answered without building the Typer application: `--version`, and `get`, `show`, `check`, `export`
and `add-user` with plain options.

Importing Typer costs more than everything `get` does with the server's sixteen default files, an eighth of
`show --effective`, a third of what add-user adds to its bcrypt hash; scripts call these more than anything else.
A command line here is read by a strict grammar that accepts a subset of what Typer accepts and reads it the same
way, and ends the same way: the same guard (``cli.guarded``) turns errors into messages, exit codes and --json
error documents (tests/cli/test_fast.py compares the two readings, and the two outcomes, on generated command
lines). Anything else (`--help`, `--password`, `-qc DIR`, `--`, an unknown option, an old spelling such as
`export -f`, a value outside a fixed set, a missing argument) goes to Typer, which explains it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any, TextIO, cast

from .. import __version__


class Grammar:
    """A command's options as Typer declares them (in the command's cli module): flags, options that take one
    value (and how Typer converts it), and the one argument. (A plain class: a NamedTuple costs more to make.)"""

    __slots__ = ("argument", "flags", "optional", "required", "run", "valued")

    def __init__(
        self,
        argument: str | None,  # None: the command takes no argument
        flags: dict[str, str],
        valued: dict[str, tuple[str, Callable[[str], Any]]],
        run: str,  # module:function that does the command's work, without Typer
        *,
        optional: bool = False,  # the argument may be left out
        required: tuple[str, ...] = (),  # options that must be given
    ) -> None:
        self.argument = argument
        self.flags = flags
        self.valued = valued
        self.run = run
        self.optional = optional
        self.required = required


def _choice(module: str, name: str) -> Callable[[str], str]:
    """A value of the fixed set ``module.name`` (what ``options.Choice`` takes, case-sensitive), looked up when a
    command line gives one; any other value is Typer's to refuse."""

    def convert(value: str) -> str:
        if value not in getattr(import_module(f"clearml_cfg.{module}"), name):
            raise ValueError(value)
        return value

    return convert


_SHARED_FLAGS = {"--json": "json_output", "--show-secrets": "show_secrets", "--quiet": "quiet", "-q": "quiet"}
_Valued = dict[str, tuple[str, Callable[[str], Any]]]
_CONFIG_DIR: _Valued = {"--config-dir": ("config_dir", str), "-c": ("config_dir", str)}
_WRITES = {"--dry-run": "dry_run", "-n": "dry_run", "--no-backup": "no_backup"}
# the server's view: get --effective and show --effective
_EFFECTIVE_FLAGS = {"--effective": "effective", "-e": "effective", "--ignore-bad-env": "ignore_bad_env"}
_EFFECTIVE_VALUED: _Valued = {
    "--component": ("component", _choice("views.effective", "COMPONENTS")),
    "--defaults": ("defaults", str),
}
GRAMMARS = {
    "get": Grammar(
        "key",
        {**_SHARED_FLAGS, **_EFFECTIVE_FLAGS},
        {"--default": ("default", str), **_CONFIG_DIR, **_EFFECTIVE_VALUED},
        "get:print_value",
    ),
    "show": Grammar(
        "namespace",
        {**_SHARED_FLAGS, **_EFFECTIVE_FLAGS, "--origin": "origin", "--changed": "changed"},
        {**_CONFIG_DIR, **_EFFECTIVE_VALUED},
        "show:show",
        optional=True,
    ),
    "add-user": Grammar(
        "username",
        {
            **{**_SHARED_FLAGS, **_WRITES, "--guest": "guest", "--plaintext": "plaintext"},
            **{"--password-stdin": "password_stdin", "--generate": "generate", "--create": "create"},
            **{"--force": "force", "-f": "force"},
        },
        {"--name": ("name", str), "--company": ("company", str), "--rounds": ("rounds", int), **_CONFIG_DIR},
        "add_user:add",
    ),
    "check": Grammar(
        None,
        {**_SHARED_FLAGS, **_WRITES, "--strict": "strict", "--fix": "fix"},
        {**_CONFIG_DIR, "--defaults": ("defaults", str)},
        "checking:check_files",
    ),
    "export": Grammar(
        None,
        {**_SHARED_FLAGS, "--fileserver-configs": "fileserver_configs"},
        {
            "--format": ("fmt", _choice("features.export", "FORMATS")),
            "--component": ("component", _choice("features.export", "COMPONENTS")),
            **{"--name": ("name", str), "--namespace": ("namespace", str)},
            **{"--output": ("output", Path), "-o": ("output", Path), **_CONFIG_DIR},
        },
        "exporting:export_files",
        required=("fmt",),
    ),
}


def answer(arguments: list[str]) -> int | None:
    """The exit code of a command answered here, or None: the command is for the Typer application."""
    if arguments in (["--version"], ["-V"]):
        print(f"clearml-cfg {__version__}")
        return 0
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return None  # shell completion is Typer's
    options = read(arguments)
    if options is None:
        return None
    from . import guarded

    module, function = GRAMMARS[arguments[0]].run.split(":")
    run = getattr(import_module(f"{__package__}.{module}"), function)
    return guarded(arguments, lambda: _as_typer_calls(run, options))


def _as_typer_calls(run: Callable[..., object], options: dict[str, Any]) -> object:
    """``run(**options)``, with what Typer's own call of a command makes of Ctrl-D and of a closed pipe."""
    from ..errors import ExitCode

    try:
        return run(**options)
    except EOFError:
        sys.stderr.write("\n")
        sys.stderr.flush()
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper  # only now: the pipe is closed, time no longer counts

        sys.stdout = cast(TextIO, PacifyFlushWrapper(sys.stdout))
        sys.stderr = cast(TextIO, PacifyFlushWrapper(sys.stderr))
        sys.exit(1)


def read(arguments: list[str]) -> dict[str, Any] | None:
    """The parameters Typer would pass to the command for this command line, or None when it is not read here."""
    if not arguments or arguments[0] not in GRAMMARS or any(_undecodable(a) for a in arguments):
        return None
    grammar = GRAMMARS[arguments[0]]
    options: dict[str, Any] = {}
    rest = arguments[1:]
    while rest:
        token = rest.pop(0)
        name, given = token.split("=", 1) if token.startswith("--") and "=" in token else (token, None)
        if name in grammar.flags and given is None:
            options[grammar.flags[name]] = True
        elif name in grammar.valued:
            if given is None:
                if not rest or rest[0].startswith("-"):
                    return None
                given = rest.pop(0)
            parameter, convert = grammar.valued[name]
            try:
                options[parameter] = convert(given)
            except ValueError:
                return None  # Typer says what is wrong with it
        elif token.startswith("-") or grammar.argument is None or grammar.argument in options:
            return None
        else:
            options[grammar.argument] = token
    if grammar.argument is not None and not grammar.optional and grammar.argument not in options:
        return None
    return options if all(name in options for name in grammar.required) else None


def _undecodable(argument: str) -> bool:
    """Bytes that are not UTF-8 (decoded with surrogate escapes): the Typer path says what is wrong."""
    return any("\udc80" <= c <= "\udcff" for c in argument)
