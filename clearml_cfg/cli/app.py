"""The Typer application and the one place where errors become messages and exit codes.

Only the command being run is registered (and only its module imported): building every command's click
objects on each start would cost more as the tool grows. `--help`, completion and unknown commands get all.
"""

from __future__ import annotations

import difflib
import os
import sys
from importlib import import_module
from typing import Annotated

import typer

from .. import __version__
from ..console import Console
from ..errors import CfgError, ExitCode
from . import guarded

# command name -> the cli module that registers it
COMMANDS: dict[str, str] = {
    "init": "config",
    "get": "config",
    "set": "config",
    "unset": "config",
    "show": "config",
    "explain": "explain",
    "env": "explain",
    "export": "export",
    "import": "export",
    "check": "check",
    "add-user": "users",
    "passwd": "users",
    "remove-user": "users",
    "list-users": "users",
    "verify-password": "users",
    "hash-password": "users",
    "watchdog": "watchdog",
    "cors": "cors",
    "ui-action": "ui_action",
    "subdomain": "subdomain",
    "expose": "expose",
}
HELP = (
    "Manage the configuration of a self-hosted ClearML Server without losing a comment or a byte.\n\n"
    "Every edit shows its diff, is verified before it is written, and keeps a backup. "
    "Exit codes: 0 done, 1 the answer is no (not set, no match, errors found), 2 bad usage or value, "
    "3 a config file cannot be read, 4 cannot write."
)


def _version(value: bool) -> None:
    if value:
        print(f"clearml-cfg {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Manage the configuration of a self-hosted ClearML Server without losing a comment or a byte."""


def build_app(command: str | None = None) -> typer.Typer:
    """The application with ``command`` only, or with every command when ``command`` is None."""
    app = typer.Typer(
        name="clearml-cfg",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    names = [command] if command in COMMANDS else list(COMMANDS)
    for module_name in dict.fromkeys(COMMANDS[name] for name in names):
        module = import_module(f"{__package__}.{module_name}")
        module.register(app, names)
    return app


def _command_in(arguments: list[str]) -> str | None:
    if any(name.endswith("_COMPLETE") for name in os.environ) or not arguments:
        return None
    first = next((a for a in arguments if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def _undecodable(arguments: list[str]) -> CfgError | None:
    """An argument that is not UTF-8 (decoded by Python with surrogate escapes) cannot go into a config file.

    The argument itself is not repeated: it may be a password.
    """
    for position, argument in enumerate(arguments, start=1):
        bad = next((ord(c) - 0xDC00 for c in argument if 0xDC80 <= ord(c) <= 0xDCFF), None)
        if bad is None:
            continue
        previous = arguments[position - 2] if position > 1 else ""
        which = f"the value of {previous}" if previous.startswith("-") else f"argument {position}"
        byte = "" if "password" in previous else f" (byte 0x{bad:02x})"  # nothing of a password's content
        return CfgError(
            f"{which} is not valid UTF-8 text{byte}",
            "configuration files are UTF-8: check the terminal's locale (LANG/LC_ALL) or the script's encoding",
        )
    return None


def run(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(arguments)
    undecodable = _undecodable(arguments)
    if undecodable is not None:
        Console().error(undecodable)
        return int(undecodable.exit_code)
    return guarded(lambda: _invoke(arguments, command))


def _invoke(arguments: list[str], command: str | None) -> object:
    """The Typer application on ``arguments``; its own exits and usage errors become exit codes here."""
    try:
        result = build_app(command)(args=arguments, prog_name="clearml-cfg", standalone_mode=False)
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return 130
    except typer.TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(e.format_message() + "\n")
            return int(ExitCode.USAGE)
        message = e.format_message().rstrip(".")
        where = f"clearml-cfg {command}" if command else "clearml-cfg"
        hint = f"see '{where} --help'"
        if command is None and message.startswith("No such command"):
            typed = next((a for a in arguments if not a.startswith("-")), "")
            close = difflib.get_close_matches(typed, list(COMMANDS), n=1)
            hint = f"did you mean 'clearml-cfg {close[0]}'? " + hint if close else hint
        elif message.startswith("No such option: "):
            hint = _dash_value_hint(arguments, message.removeprefix("No such option: "), command) or hint
        Console().error(CfgError(message[:1].lower() + message[1:], hint))
        return int(getattr(e, "exit_code", ExitCode.USAGE))
    return result


def _dash_value_hint(arguments: list[str], option: str, command: str | None) -> str | None:
    """``set KEY -5``: a value that starts with '-' reads as an option; say how to pass it (after ``--``)."""
    if option not in arguments or "--" in arguments:
        return None
    looks_like_a_number = len(option) > 1 and (option[1].isdigit() or option[1] == ".")
    if not (looks_like_a_number or command == "set"):
        return None
    import shlex

    rest = [shlex.quote(a) for a in arguments if a != option]
    return f"a value that starts with '-' goes after '--': clearml-cfg {' '.join(rest)} -- {shlex.quote(option)}"
