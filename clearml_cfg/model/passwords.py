"""The rules every new password must meet, the strong passwords ``--generate`` makes, and how the server stores
one (base64 of a bcrypt hash).

Where a password comes from (a prompt, stdin, argv) is the command line's business: ``cli/prompts.py``.
bcrypt is imported only to hash: only the code that hashes or checks pays for it.
"""

from __future__ import annotations

from ..errors import UsageError
from .login import not_sendable

#: bcrypt uses only the first 72 bytes of a password (bcrypt 4 truncates silently, bcrypt 5 refuses longer ones)
MAX_BYTES = 72
#: characters of a generated password: 18 random bytes as URL-safe base64, 144 bits, nothing a shell must quote
GENERATED_BYTES = 18
#: bcrypt's cost: the default, and the range bcrypt takes
DEFAULT_ROUNDS = 12
MIN_ROUNDS, MAX_ROUNDS = 4, 31


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


def check_rounds(rounds: int) -> None:
    if not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
        raise UsageError(
            f"--rounds {rounds} is outside bcrypt's range {MIN_ROUNDS}-{MAX_ROUNDS}",
            f"each step doubles the time; the default {DEFAULT_ROUNDS} takes about a quarter of a second",
        )


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """What the server stores with ``pass_hashed: true``: base64 of a bcrypt hash, as ASCII text."""
    check_new_password(password)  # before bcrypt sees it: bcrypt 4 would truncate, bcrypt 5 would raise
    check_rounds(rounds)
    import base64

    import bcrypt

    return base64.b64encode(bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds))).decode("ascii")


class Hashing:
    """A hash of ``password`` at cost ``rounds``, computed in a thread of its own: bcrypt releases the GIL, so the
    command reads and edits the file meanwhile at no extra time. bcrypt is imported first, in the calling thread:
    imported in the new one, it would wait for the GIL behind all that the calling thread does meanwhile."""

    def __init__(self, password: str, rounds: int) -> None:
        import threading

        import bcrypt  # noqa: F401 -- see above

        check_new_password(password)
        check_rounds(rounds)
        self._of = (password, rounds)
        self._outcome: tuple[str | None, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def of(self, password: str, rounds: int) -> bool:
        """Whether this is the hash of ``password`` at cost ``rounds``."""
        return self._of == (password, rounds)

    def _run(self) -> None:
        try:
            self._outcome = (hash_password(*self._of), None)
        except BaseException as e:  # handed to the thread that asks for the result
            self._outcome = (None, e)

    def result(self) -> str:
        self._thread.join()
        value, error = self._outcome
        if error is not None:
            raise error
        assert value is not None
        return value
