"""The command line. Typer wiring only: parsing options, reading what a person types (prompts.py), calling
``features``, printing through ``console``. No configuration knowledge lives here.

``main`` answers the commonest command lines without Typer (``fast.py``) and hands the rest to the Typer
application (``app.py``); either way ``guarded`` is the one place where errors become messages and exit codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def main(argv: list[str] | None = None) -> int:
    """Entry point of `clearml-cfg` and `python -m clearml_cfg`; returns the exit code."""
    from .fast import answer

    arguments = list(sys.argv[1:] if argv is None else argv)
    code = answer(arguments)
    if code is not None:
        return code
    from .app import run

    return run(arguments)


def guarded(command: Callable[[], object]) -> int:
    """Run a command; an int it returns is the exit code. A CfgError becomes `error:` and `hint:` on stderr and
    its exit code; a bug says so in two lines rather than a traceback (unless CLEARML_CFG_DEBUG asks for it)."""
    from ..console import Console
    from ..errors import CfgError, ExitCode

    try:
        result = command()
    except CfgError as e:
        Console().error(e)
        return int(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        return 130
    except BrokenPipeError:
        return 0  # `clearml-cfg show | head` closed the pipe: nothing left to say
    except Exception as e:
        if os.environ.get("CLEARML_CFG_DEBUG"):
            raise
        Console().error(
            CfgError(
                f"internal error: {type(e).__name__}: {e}",
                "this is a bug in clearml-cfg; no file was left half-written. "
                "CLEARML_CFG_DEBUG=1 shows the traceback for a report",
            )
        )
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else 0
