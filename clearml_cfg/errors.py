"""Every error a user can meet: a one-line message, a hint that says the fix, and the exit code for scripts.

Domain code raises these; only ``cli`` turns them into output and an exit code (DESIGN.md, "Errors in one place").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NO = 1  # the answer is no: key not set, password does not match, check found errors
    USAGE = 2  # bad usage or bad value, refused as unsafe
    UNREADABLE = 3  # a configuration file cannot be read or parsed; nothing was written
    UNWRITABLE = 4  # cannot write: permission, read-only file system, lock not obtained in time
    INTERNAL = 70  # a bug in clearml-cfg (EX_SOFTWARE); files are left as they were, writes being atomic


class CfgError(Exception):
    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # shown between the message and the hint, e.g. a source line with a caret


class NotSet(CfgError):
    """A key asked for is not set (exit 1)."""

    exit_code = ExitCode.NO


class NoMatch(CfgError):
    """A password does not match, or the server could not check it (exit 1)."""

    exit_code = ExitCode.NO


class UsageError(CfgError):
    """Bad usage, an invalid value, or an edit refused as unsafe (exit 2)."""

    exit_code = ExitCode.USAGE


class ConfigReadError(CfgError):
    """A configuration file cannot be read or parsed (exit 3)."""

    exit_code = ExitCode.UNREADABLE


class WriteError(CfgError):
    """A file cannot be written, or the lock cannot be taken (exit 4)."""

    exit_code = ExitCode.UNWRITABLE
