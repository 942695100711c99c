"""Every error a user can meet: a one-line message, a hint that says the fix, and the exit code for scripts.

Domain code raises these; only ``cli`` turns them into output and an exit code (DESIGN.md, "Errors in one place").
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    NO = 1  # the answer is no: key not set, password does not match, check found errors
    USAGE = 2  # bad usage or bad value, refused as unsafe
    UNREADABLE = 3  # a configuration file cannot be read or parsed; nothing was written
    UNWRITABLE = 4  # cannot write: permission, read-only file system, lock not obtained in time
    INTERNAL = 70  # a bug in clearml-cfg (EX_SOFTWARE); files are left as they were, writes being atomic
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as a shell reports it)


class Message(str):
    """A warning or note for the user, with what to do about it: a string (it prints, compares and goes into JSON
    as its text) that also carries a ``hint``, so that no one has to parse the hint back out of the text."""

    hint: str | None

    def __new__(cls, text: str, hint: str | None = None) -> Message:
        message = super().__new__(cls, text)
        message.hint = hint
        return message

    @staticmethod
    def full(text: str) -> str:
        """The text as one string with its hint on a line of its own (for JSON output)."""
        hint = text.hint if isinstance(text, Message) else None
        return f"{text}\nhint: {hint}" if hint else str(text)


class CfgError(Exception):
    exit_code: ExitCode = ExitCode.USAGE
    code: str = "usage"  # a stable name for scripts (`--json` error documents); finer than the exit code

    def __init__(self, message: str, hint: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # shown between the message and the hint, e.g. a source line with a caret


class NotSet(CfgError):
    """What was asked for is not there: a key, a user, an action (exit 1)."""

    exit_code = ExitCode.NO
    code = "not-found"


class NoMatch(CfgError):
    """A password does not match, or the server could not check it (exit 1)."""

    exit_code = ExitCode.NO
    code = "no-match"


class UsageError(CfgError):
    """Bad usage, an invalid value, or an edit refused as unsafe (exit 2)."""

    exit_code = ExitCode.USAGE


class InvalidValue(UsageError):
    """A value the server cannot use (exit 2); ``code`` is the finding `check` reports for it in a file."""

    def __init__(self, message: str, hint: str | None = None, *, code: str) -> None:
        super().__init__(message, hint)
        self.code = code


class IncludeDecides(UsageError):
    """An edit of a section that a file's `include` sets (exit 2): the server follows the include, the files'
    view and every edit do not, so the edit would not do what it says."""

    code = "include-decides"


class NoConfigDir(UsageError):
    """A config directory named by --config-dir or a variable does not exist (exit 2): most often a typing
    mistake, which must not read as "nothing is set" nor start a new directory. ``check`` reports the same rule
    as its finding ``config-dir-missing``."""

    code = "config-dir-missing"


class ConfigReadError(CfgError):
    """A configuration file cannot be read or parsed (exit 3).

    Besides the message, it says what and where, for code that reports it another way (`check` makes a finding
    of it): ``code`` is the finding's code, ``path``/``line``/``column`` the place when known, and ``reason`` the
    message without the place.
    """

    exit_code = ExitCode.UNREADABLE

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        detail: str | None = None,
        code: str = "unreadable-file",
        path: Path | None = None,
        line: int | None = None,
        column: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, hint, detail=detail)
        self.code = code
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason if reason is not None else message


class WriteError(CfgError):
    """A file cannot be written, or the lock cannot be taken (exit 4)."""

    exit_code = ExitCode.UNWRITABLE
    code = "cannot-write"


class InternalError(CfgError):
    """A bug in clearml-cfg (exit 70): files are left as they were, writes being atomic."""

    exit_code = ExitCode.INTERNAL
    code = "internal"


class Declined(CfgError):
    """The user answered no to a question (exit 1): nothing was done."""

    exit_code = ExitCode.NO
    code = "declined"


class Interrupted(CfgError):
    """Ctrl-C at a prompt (exit 130): nothing was done."""

    exit_code = ExitCode.INTERRUPTED
    code = "interrupted"


class ChangedOnDisk(WriteError):
    """A file changed on disk after the command read it: another program's edit, refused rather than overwritten
    (exit 4). ``before`` is the text read, ``now`` the text on disk (None: the file is gone or unreadable), and
    ``prefix`` the key path the file's content lands under (for masking the diff; None: not a config file)."""

    code = "changed-on-disk"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        path: Path,
        before: str,
        now: str | None,
        prefix: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.path = path
        self.before = before
        self.now = now
        self.prefix = prefix
