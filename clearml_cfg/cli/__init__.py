"""The command line. Typer wiring only: parsing options, reading what a person types (prompts.py), calling
``features``, printing through ``console``. No configuration knowledge lives here.

``main`` answers the commonest command lines without Typer (``fast.py``) and hands the rest to the Typer
application (``app.py``); either way ``guarded`` is the one place where errors become messages and exit codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..console import Console
    from ..errors import CfgError


def main(argv: list[str] | None = None) -> int:
    """Entry point of `clearml-cfg` and `python -m clearml_cfg`; returns the exit code."""
    from .fast import answer

    arguments = list(sys.argv[1:] if argv is None else argv)
    code = answer(arguments)
    if code is not None:
        return code
    from .app import run

    return run(arguments)


def guarded(arguments: list[str], command: Callable[[], object]) -> int:
    """Run a command for ``arguments``; an int it returns is the exit code.

    A CfgError becomes `error:` and `hint:` on stderr (and with --json, a JSON document on stdout) and its exit
    code; Ctrl-C is exit 130; a bug says so in two lines rather than a traceback (unless CLEARML_CFG_DEBUG asks
    for it). An argument that is not UTF-8 is refused before the command runs."""
    from ..console import Console
    from ..errors import CfgError, ExitCode, InternalError, Interrupted
    from ..hocon.deep import with_room
    from ..hocon.parser import MAX_DEPTH, MAX_KEY_DEPTH

    console = Console()
    json_output = "--json" in (arguments[: arguments.index("--")] if "--" in arguments else arguments)
    undecodable = _undecodable(arguments)
    if undecodable is not None:
        return _fail(console, undecodable, json_output)
    try:
        # Room for documents nested as deep as they may be (1,000-part keys): every layer walks trees recursively
        # (merging, masking, JSON), and a RecursionError would be a crash, not a message.
        result = with_room(MAX_KEY_DEPTH + MAX_DEPTH, command)
    except CfgError as e:
        return _fail(console, e, json_output)
    except KeyboardInterrupt:
        result = ExitCode.INTERRUPTED
    except BrokenPipeError:
        return 0  # `clearml-cfg show | head` closed the pipe: nothing left to say
    except Exception as e:  # a bug: say so in two lines rather than a traceback, unless asked for it
        if os.environ.get("CLEARML_CFG_DEBUG"):
            raise
        bug = InternalError(
            f"internal error: {type(e).__name__}: {e}",
            "this is a bug in clearml-cfg; no file was left half-written. "
            "CLEARML_CFG_DEBUG=1 shows the traceback for a report",
        )
        return _fail(console, bug, json_output)
    if result == ExitCode.INTERRUPTED:
        sys.stderr.write("\n")  # the shell's prompt goes on a line of its own, not after ours
        if json_output:
            _json_error(console, Interrupted("interrupted"))
    return int(result) if isinstance(result, int) else 0


def _undecodable(arguments: list[str]) -> CfgError | None:
    """An argument that is not UTF-8 (decoded by Python with surrogate escapes) cannot go into a config file.

    The argument itself is not repeated: it may be a password.
    """
    from ..errors import CfgError

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


def _fail(console: Console, error: CfgError, json_output: bool) -> int:
    """The error on stderr (and, with --json, as a JSON document on stdout); its exit code."""
    console.error(error)
    if json_output:
        _json_error(console, error)
    return int(error.exit_code)


def _json_error(console: Console, error: CfgError) -> None:
    from ..model.values import to_json

    document = {"message": error.message, "hint": error.hint, "exit_code": int(error.exit_code), "code": error.code}
    console.data(to_json({"error": document}))
