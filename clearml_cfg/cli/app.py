"""The Typer application, for every command line that ``fast.py`` does not answer itself.

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
from ..errors import ExitCode, UsageError
from . import guarded
from .command import Group

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
    "password-mode": "users",
    "watchdog": "watchdog",
    "cors": "cors",
    "ui-action": "ui_action",
    "subdomain": "subdomain",
    "expose": "expose",
    "edit": "edit",
    "restore": "restore",
    "diff": "diff",
    "secure": "secure",
}
HELP = (
    "Manage the configuration of a self-hosted ClearML Server without losing a comment or a byte.\n\n"
    "Every edit shows its diff, is verified before it is written, and keeps a backup. "
    "Exit codes: 0 done, 1 the answer is no (not set, no match, errors found), 2 bad usage or value, "
    "3 a config file cannot be read, 4 cannot write.\n\n"
    "Example: CLEARML_CONFIG_DIR=./clearml-config clearml-cfg init\n\n"
    "Example: clearml-cfg explain apiserver.auth.cookies.secure"
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
        cls=Group,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # help is plain text, laid out by cli/helptext: no markup to swallow `[a, b]`
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


def run(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(arguments)
    return guarded(arguments, lambda: _invoke(arguments, command))


def _invoke(arguments: list[str], command: str | None) -> object:
    """The Typer application on ``arguments``; its own exits and usage errors become exit codes and CfgErrors."""
    try:
        return build_app(command)(args=arguments, prog_name="clearml-cfg", standalone_mode=False)
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        return ExitCode.INTERRUPTED
    except typer.TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(e.format_message() + "\n")
            return ExitCode.USAGE
        raise _usage_error(e, arguments, command) from None


def _usage_error(error: typer.TyperException, arguments: list[str], command: str | None) -> UsageError:
    """Click's usage error as ours (exit 2): its message, and a hint that names the --help of the command at
    fault. (Click's other errors come from parameter types this tool does not use.)"""
    from typer._click.exceptions import NoSuchOption

    context = getattr(error, "ctx", None)
    where = context.command_path if context is not None else "clearml-cfg"
    hint = f"see '{where} --help'"
    if isinstance(error, NoSuchOption):
        message = f"no such option: {error.option_name}"
        if error.possibilities:
            hint = f"did you mean {' or '.join(sorted(error.possibilities))}? {hint}"
        hint = _dash_value_hint(arguments, error.option_name, command) or hint
        return UsageError(message, hint)
    typed = next((a for a in arguments if not a.startswith("-")), "")
    if command is None and typed and typed not in COMMANDS:
        close = difflib.get_close_matches(typed, list(COMMANDS), n=1)
        hint = f"did you mean 'clearml-cfg {close[0]}'? {hint}" if close else hint
    message = error.format_message().rstrip(".")
    return UsageError(message[:1].lower() + message[1:], hint)


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
