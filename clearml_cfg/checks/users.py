"""Web-login users (apiserver.auth.fixed_users) as the server's login will meet them, per file and line."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import Any

from ..effective import Effective, lookup
from ..hocon import Document, Unresolved
from ..hocon.paths import Path, format_path
from ..passwords import MAX_BYTES
from ..schema import USER_KEYS_OPTIONAL, USER_KEYS_REQUIRED
from ..users import FIXED, duplicate_usernames, password_kind, repaired_hash
from .model import Context, Finding, Fix, LoadedFile, Severity


def _effective(effective: Effective | None, key: str, default: Any) -> Any:
    if effective is None:
        return default
    try:
        return lookup(effective.tree, (*FIXED, key))
    except KeyError:
        return default


def _users_in(loaded: LoadedFile) -> tuple[Path, list[Any]] | None:
    """The users list this file writes, and where it is inside the file."""
    prefix = loaded.file.prefix
    if tuple(FIXED[: len(prefix)]) != prefix:
        return None
    inner = (*FIXED[len(prefix) :], "users")
    try:
        users = lookup(loaded.tree, inner)
    except KeyError:
        return None
    return (inner, users) if isinstance(users, list) else None


def check_users(context: Context, effective: Effective | None) -> Iterator[Finding]:
    enabled = _effective(effective, "enabled", False)
    pass_hashed = _effective(effective, "pass_hashed", False)
    merged_users = _effective(effective, "users", [])
    hashed = pass_hashed if isinstance(pass_hashed, bool) else None
    if isinstance(merged_users, list) and merged_users and enabled is not True:
        yield _file_level(
            context,
            "fixed-users-not-enabled",
            Severity.WARNING,
            f"{len(merged_users)} fixed user(s) are listed but {format_path((*FIXED, 'enabled'))} is "
            f"{'missing' if enabled is False else repr(enabled)}: the server ignores the list",
            "clearml-cfg set apiserver.auth.fixed_users.enabled true",
        )
    if not isinstance(pass_hashed, bool):
        yield _file_level(
            context,
            "fixed-users-invalid-mode",
            Severity.ERROR,
            f"{format_path((*FIXED, 'pass_hashed'))} is {pass_hashed!r}, not true or false",
            "clearml-cfg set apiserver.auth.fixed_users.pass_hashed true (or false)",
        )
    duplicates = duplicate_usernames(merged_users) if isinstance(merged_users, list) else {}
    for loaded in context.files:
        found = _users_in(loaded)
        if found is None:
            continue
        inner, users = found
        for index, entry in enumerate(users):
            yield from _entry(context, loaded, (*inner, index), entry, hashed, duplicates)
        yield from _readable_plain_text(loaded, users, hashed)


def _file_level(context: Context, code: str, severity: Severity, message: str, hint: str) -> Finding:
    for loaded in context.files:
        prefix = loaded.file.prefix
        if tuple(FIXED[: len(prefix)]) == prefix and FIXED[len(prefix) :] in loaded.document:
            return context.finding_at(loaded, FIXED[len(prefix) :], code, severity, message, hint)
    return Finding(code, severity, message, hint)


def _entry(
    context: Context, loaded: LoadedFile, at: Path, entry: Any, hashed: bool | None, duplicates: dict[str, int]
) -> Iterator[Finding]:
    where = format_path((*FIXED, "users", at[-1]))
    if not isinstance(entry, dict):
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-invalid-entry",
            Severity.ERROR,
            f"{where} is not an object",
            "write { username, password, name }",
        )
        return
    missing = [key for key in USER_KEYS_REQUIRED if key not in entry]
    if missing:
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-missing-key",
            Severity.ERROR,
            f"{where} has no {', '.join(missing)}: the server fails every fixed-user login",
            f"add {', '.join(missing)} to the entry",
        )
    for key in entry:
        if key not in USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL:
            yield context.finding_at(
                loaded,
                (*at, key),
                "fixed-user-unknown-key",
                Severity.ERROR,
                f"{where} has the key {key!r}, which the server rejects: every fixed-user login fails",
                f"remove it (an entry takes {', '.join(USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL)})",
            )
    username = entry.get("username")
    if isinstance(username, (int, float)) and not isinstance(username, bool):
        yield context.finding_at(
            loaded,
            (*at, "username"),
            "fixed-user-unquoted-username",
            Severity.ERROR,
            f"{where}.username is the number {username}: it never equals a typed username",
            "quote it (--fix does)",
            _quote_fix(loaded, (*at, "username"), username),
        )
    if isinstance(username, str) and username in duplicates:
        yield context.finding_at(
            loaded,
            (*at, "username"),
            "fixed-user-duplicate",
            Severity.ERROR,
            f"{username!r} is listed {duplicates[username]} times: the server then creates no fixed user at all",
            "remove the extra entries (clearml-cfg remove-user, or by hand)",
        )
    if "password" in entry and hashed is not None and not isinstance(entry["password"], Unresolved):
        yield from _password(context, loaded, (*at, "password"), where, entry["password"], hashed)


def _password(
    context: Context, loaded: LoadedFile, at: Path, where: str, value: Any, hashed: bool
) -> Iterator[Finding]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-unquoted-password",
            Severity.ERROR,
            f"{where}.password is a number (unquoted): the login compares strings, so it never matches",
            "quote it (--fix does)" if not hashed else f"set a new password: clearml-cfg passwd {where}",
            _quote_fix(loaded, at, value) if not hashed else None,
        )
        return
    kind, problems = password_kind(value, hashed)
    if hashed and kind == "broken":
        repaired = repaired_hash(value)
        fix = None
        if repaired is not None:

            def write(document: Document, at: Path = at, repaired: str = repaired) -> None:
                document.set(at, repaired)

            fix = Fix(f"store {where}.password as base64 of its bcrypt hash", loaded.path, edit=write)
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-bad-hash",
            Severity.ERROR,
            f"{where}: {problems[0]}",
            "--fix repairs it" if fix else "set a new password: clearml-cfg passwd USERNAME",
            fix,
        )
    elif not hashed and problems and "looks like" in problems[0]:
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-hash-in-plain-mode",
            Severity.WARNING,
            f"{where}: {problems[0]}",
            "set apiserver.auth.fixed_users.pass_hashed true if every password is hashed",
        )
    if isinstance(value, str) and not hashed and len(value.encode("utf-8")) > MAX_BYTES:
        yield context.finding_at(
            loaded,
            at,
            "fixed-user-password-too-long",
            Severity.WARNING,
            f"{where}.password is over {MAX_BYTES} bytes: it cannot be hashed (bcrypt uses {MAX_BYTES} bytes at most)",
            "choose a shorter password before switching to hashed passwords",
        )


def _quote_fix(loaded: LoadedFile, at: Path, value: Any) -> Fix:
    text = loaded.document.value_text(at) or str(value)  # `007` as written, not the 7 the server read

    def write(document: Document, at: Path = at, text: str = text) -> None:
        document.set(at, text)

    return Fix(f"quote {format_path(at)} as {text!r}", loaded.path, edit=write)


def _readable_plain_text(loaded: LoadedFile, users: list[Any], hashed: bool | None) -> Iterator[Finding]:
    if hashed is not False or not any(isinstance(u, dict) and "password" in u for u in users):
        return
    try:
        mode = stat.S_IMODE(os.stat(loaded.path).st_mode)
    except OSError:
        return
    if mode & 0o004:
        yield Finding(
            "fixed-user-plain-world-readable",
            Severity.WARNING,
            f"{loaded.file.relative} holds plain-text passwords and every user of this machine can read it "
            f"(mode {mode:o})",
            "hash them (clearml-cfg add-user migrates the file), and chmod 600 it (--fix does)",
            loaded.path,
            fix=Fix(f"chmod 600 {loaded.path}", loaded.path, mode=mode & ~0o077),
        )
