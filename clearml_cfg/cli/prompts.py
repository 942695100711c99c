"""Everything the command line reads from a person or a pipe: hidden prompts, one line of stdin, a password from
the one source the user named.

Secrets never come from argv unless the user insists (DESIGN.md, "A CI contract"): on a terminal a hidden prompt
asks (twice for a new password); scripts pipe one line into stdin; ``--generate`` makes one. Without a terminal
nothing prompts: a command that needs input and has none fails with a usage error that names the option to use.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import NamedTuple

from ..errors import UsageError
from ..model.passwords import generate

ARGV_WARNING = (
    "--password puts the password in the process list and the shell history, where other users can read it; "
    "prefer the prompt or --password-stdin"
)


class Obtained(NamedTuple):
    """A password, and how it was obtained (a generated one is printed once; argv earns a warning)."""

    password: str
    generated: bool = False
    warnings: tuple[str, ...] = ()


def interactive() -> bool:
    """Whether a person can be asked: stdin is a terminal."""
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty and isatty())


def read_stdin_line(option: str, *, what: str = "the password", empty: str | None = None) -> str:
    """The first line of stdin without its line ending; every other character (spaces included) is kept.

    ``what`` names the input in messages; ``empty`` is the message and hint when stdin has nothing (a default
    that fits a password otherwise)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        raw: bytes = buffer.readline()
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{option}: {what} on stdin is not UTF-8 text", f"send {what} encoded as UTF-8") from None
    else:
        line = sys.stdin.readline()
    if not line:
        if empty is not None:
            raise UsageError(f"{option}: standard input is empty", empty)
        raise UsageError(f"{option}: stdin is empty", f'send the password as one line, e.g. echo "$PW" | ... {option}')
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def read_value(label: str, option: str, example: str) -> str:
    """A value for ``option``: a prompt that does not echo on a terminal, else one line of stdin.

    ``example`` shows how a script sends it, for the message when stdin is empty."""
    if interactive():
        try:
            return getpass.getpass(f"{label}: ")
        except EOFError:
            raise UsageError("no value was entered", "type the value at the prompt") from None
    return read_stdin_line(option, what="the value", empty=f"send the value as one line, e.g. {example}")


def prompt(label: str, *, confirm: bool) -> str:
    """Ask on the terminal without echo; with ``confirm``, ask again and insist that both agree."""
    try:
        first = getpass.getpass(f"{label}: ")
        if confirm:
            second = getpass.getpass(f"{label} (again): ")
            if first != second:
                raise UsageError("the two passwords differ", "run the command again and type the same password twice")
    except EOFError:
        raise UsageError("no password was entered", "type a password at the prompt, or use --password-stdin") from None
    return first


def obtain(
    *,
    label: str,
    stdin: bool = False,
    stdin_option: str = "--password-stdin",
    generate_one: bool = False,
    argv: str | None = None,
    confirm: bool = True,
    before_prompt: Callable[[], None] | None = None,
) -> Obtained:
    """The password from the one source the user named, else from a prompt on a terminal.

    ``stdin_option`` names the option that reads stdin in messages (``--password-stdin``, or ``--stdin`` for
    hash-password). No source and no terminal is a usage error that names it: scripts must never hang on a prompt.
    ``before_prompt`` runs the checks that can fail without a password, so that nobody types one in vain.
    """
    named = [
        name
        for name, given in ((stdin_option, stdin), ("--generate", generate_one), ("--password", argv is not None))
        if given
    ]
    if len(named) > 1:
        raise UsageError(f"{' and '.join(named)} both give the password", "use only one of them")
    if argv is not None:
        return Obtained(argv, warnings=(ARGV_WARNING,))
    if stdin:
        return Obtained(read_stdin_line(stdin_option))
    if generate_one:
        return Obtained(generate(), generated=True)
    if not interactive():
        raise UsageError(
            "no password given, and stdin is not a terminal to ask on",
            f'pipe it in with {stdin_option}, e.g. echo "$PW" | clearml-cfg ... {stdin_option}',
        )
    if before_prompt is not None:
        before_prompt()
    return Obtained(prompt(label, confirm=confirm))
