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
from dataclasses import dataclass, field

from ..errors import UsageError
from ..model.passwords import generate

ARGV_WARNING = (
    "--password puts the password in the process list and the shell history, where other users can read it; "
    "prefer the prompt or --password-stdin"
)


def argv_secret_warning(what: str, instead: str = "--value-stdin reads it from standard input instead") -> str:
    """The warning for a secret given on the command line (the user insisted: it is used, and said)."""
    return (
        f"{what} was on the command line: other users can see it in the process list, and it stays in the shell "
        f"history; {instead}"
    )


@dataclass
class Obtained:
    """A password, and how it was obtained (a generated one is printed once; argv earns a warning)."""

    password: str
    generated: bool = False
    warnings: list[str] = field(default_factory=list)


def interactive() -> bool:
    """Whether a person can be asked: stdin is a terminal."""
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty and isatty())


#: The longest line a --*-stdin option reads: far more than any password or value, far less than a pipe can send.
MAX_STDIN_LINE = 1024 * 1024


def read_stdin_line(
    option: str, *, what: str = "the password", empty: str | None = None, limit: int = MAX_STDIN_LINE
) -> str:
    """The first line of stdin without its line ending; every other character (spaces included) is kept.

    ``what`` names the input in messages; ``empty`` is the message and hint when stdin has nothing (a default
    that fits a password otherwise). At most ``limit`` bytes are read: `cat /dev/zero | ...` is refused, not
    read until memory runs out."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        raw: bytes = buffer.readline(limit + 1)
        if len(raw) > limit:
            raise _too_long(option, what, limit, f"send {what} on one line of at most {limit // 1024:,} KB")
        line = _decoded(raw, option, what)
    else:
        line = sys.stdin.readline(limit + 1)
        if len(line) > limit:
            raise _too_long(option, what, limit, f"send {what} on one line of at most {limit // 1024:,} KB")
    if not line:
        if empty is not None:
            raise UsageError(f"{option}: standard input is empty", empty)
        raise UsageError(f"{option}: stdin is empty", f'send the password as one line, e.g. echo "$PW" | ... {option}')
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def read_stdin_lines(option: str, *, what: str, limit: int = MAX_STDIN_LINE) -> list[str]:
    """Every line of stdin (their line endings dropped, blank lines skipped), at most ``limit`` bytes in all."""
    buffer = getattr(sys.stdin, "buffer", None)
    raw = buffer.read(limit + 1) if buffer is not None else sys.stdin.read(limit + 1).encode("utf-8")
    if len(raw) > limit:
        raise _too_long(option, what, limit, f"send {what} one per line, at most {limit // 1024:,} KB in all")
    return [line for line in _decoded(raw, option, what).splitlines() if line.strip()]


def _decoded(raw: bytes, option: str, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{option}: {what} on stdin is not UTF-8 text", f"send {what} encoded as UTF-8") from None


def _too_long(option: str, what: str, limit: int, hint: str) -> UsageError:
    return UsageError(f"{option}: standard input holds more than {limit // 1024:,} KB: that is not {what}", hint)


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
    """Ask on the terminal without echo; with ``confirm``, ask again and insist that both agree.

    An empty answer is refused at once, before any second question. Ctrl-C is left to app.run (exit 130)."""
    try:
        first = getpass.getpass(f"{label}: ")
        if not first:
            raise UsageError("no password was typed", "run the command again and type the password")
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
    generate_one: bool = False,
    argv: str | None = None,
    confirm: bool = True,
    check_first: Callable[[], None] | None = None,
) -> Obtained:
    """The password from the one source the user named, else from a prompt on a terminal.

    No source and no terminal is a usage error that names --password-stdin: scripts must never hang on a prompt.
    ``check_first`` runs the checks that can fail without a password before a person is asked for one, so that
    nobody types one in vain, and before the "no password" error, so that the error is the one that matters
    (``passwd nobody`` is "no such user", exit 1, with or without a terminal). A password given by an option
    needs no early check: the command checks everything under its lock, reading the files once.
    """
    named = [
        name
        for name, given in (("--password-stdin", stdin), ("--generate", generate_one), ("--password", argv is not None))
        if given
    ]
    if len(named) > 1:
        raise UsageError(f"{' and '.join(named)} both give the password", "use only one of them")
    if check_first is not None and not named:
        check_first()
    if argv is not None:
        return Obtained(argv, warnings=[ARGV_WARNING])
    if stdin:
        return Obtained(read_stdin_line("--password-stdin"))
    if generate_one:
        return Obtained(generate(), generated=True)
    if not interactive():
        raise UsageError(
            "no password given, and stdin is not a terminal to ask on",
            'pipe it in with --password-stdin, e.g. echo "$PW" | clearml-cfg ... --password-stdin',
        )
    return Obtained(prompt(label, confirm=confirm))


def choose(question: str, choices: dict[str, str], *, default: str, on_end: str) -> str:
    """One of ``choices`` (a letter and what it does), asked on the terminal until the answer is one of them.

    An empty answer is ``default``; the end of input (Ctrl-D) is ``on_end``, the choice that changes nothing."""
    menu = ", ".join(f"[{letter}] {what}" for letter, what in choices.items())
    while True:
        sys.stderr.write(f"{question} {menu} ({default}): ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stderr.write("\n")
            return on_end
        answer = line.strip().lower()
        if not answer:
            return default
        found = [letter for letter, what in choices.items() if answer in (letter, what.lower(), what.split()[0])]
        if found:
            return found[0]
        sys.stderr.write(f"answer one of {', '.join(choices)}\n")


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (stderr, so that stdout keeps only data); no is the default."""
    sys.stderr.write(f"{question} [y/N]: ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except UnicodeDecodeError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")
