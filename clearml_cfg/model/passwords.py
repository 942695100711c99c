"""The rules every new password must meet, and the strong passwords ``--generate`` makes.

Where a password comes from (a prompt, stdin, argv) is the command line's business: ``cli/prompts.py``.
bcrypt is not imported here: only the code that hashes or checks pays for it.
"""

from __future__ import annotations

from ..errors import UsageError
from .login import not_sendable

#: bcrypt uses only the first 72 bytes of a password (bcrypt 4 truncates silently, bcrypt 5 refuses longer ones)
MAX_BYTES = 72
#: characters of a generated password: 18 random bytes as URL-safe base64, 144 bits, nothing a shell must quote
GENERATED_BYTES = 18


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
    if not_sendable(password) is not None:
        raise UsageError(
            "the password has a character above U+00FF: the web app cannot send it and the server reads a login as "
            "latin-1, so this password could never log in",
            "choose a password of Latin-1 characters (ASCII, accented Latin letters), or let --generate make one",
        )
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
