"""Where a password comes from, and the rules every new password must meet.

Secrets never come from argv unless the user insists (DESIGN.md, "A CI contract"): on a terminal a hidden prompt
asks twice; scripts pipe one line into stdin; ``--generate`` makes one. Without a terminal nothing prompts.
bcrypt is not imported here: only the code that hashes or checks pays for it.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UsageError

#: bcrypt uses only the first 72 bytes of a password (bcrypt 4 truncates silently, bcrypt 5 refuses longer ones)
MAX_BYTES = 72
#: characters of a generated password: 18 random bytes as URL-safe base64, 144 bits, nothing a shell must quote
GENERATED_BYTES = 18
ARGV_WARNING = (
    "--password puts the password in the process list and the shell history, where other users can read it; "
    "prefer the prompt or --password-stdin"
)


@dataclass
class Obtained:
    """A password, and how it was obtained (a generated one is printed once; argv earns a warning)."""

    password: str
    generated: bool = False
    warnings: list[str] = field(default_factory=list)


def check_utf8(what: str, text: str, *, secret: bool = False) -> None:
    """Refuse text that is not UTF-8: bytes that are not UTF-8 in argv reach Python as lone surrogates, which no
    file can hold (the server reads its files as UTF-8). ``secret``: say nothing about where the bad byte is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        code = ord(text[e.start])
        escaped = 0xDC80 <= code <= 0xDCFF  # Python's stand-in for the byte code - 0xDC00
        where = f" (byte 0x{code - 0xDC00:02x} at character {e.start + 1})" if escaped and not secret else ""
        raise UsageError(
            f"{what} is not valid UTF-8 text{where}",
            "type it again in a UTF-8 terminal (check LANG/LC_ALL); the server reads its files as UTF-8",
        ) from None


def check_new_password(password: str) -> None:
    """Refuse a password the server could not check: not UTF-8, empty, or longer than bcrypt can hash (72 bytes in
    UTF-8).

    Checked before bcrypt ever sees it, so that bcrypt 4's silent truncation and bcrypt 5's ValueError never matter.
    """
    check_utf8("the password", password, secret=True)
    if not password:
        raise UsageError("the password is empty", "choose a password, or let --generate make one")
    size = len(password.encode("utf-8"))
    if size > MAX_BYTES:
        raise UsageError(
            f"the password is {size} bytes long in UTF-8; bcrypt uses only the first {MAX_BYTES}",
            f"choose a password of at most {MAX_BYTES} bytes (non-ASCII letters take 2-4 bytes each), "
            "or let --generate make one",
        )


def generate() -> str:
    import secrets  # imports hmac, hashlib and random: only --generate pays for them

    return secrets.token_urlsafe(GENERATED_BYTES)


def interactive() -> bool:
    """Whether a person can be asked: stdin is a terminal."""
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty and isatty())


def read_stdin_line(option: str) -> str:
    """The first line of stdin without its line ending; every other character (spaces included) is kept."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        raw: bytes = buffer.readline()
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                f"{option}: the password on stdin is not UTF-8 text", "send the password encoded as UTF-8"
            ) from None
    else:
        line = sys.stdin.readline()
    if not line:
        raise UsageError(f"{option}: stdin is empty", f'send the password as one line, e.g. echo "$PW" | ... {option}')
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


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
        return Obtained(argv, warnings=[ARGV_WARNING])
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
