"""Web-login users (apiserver.auth.fixed_users) as the server's login will meet them, per file and line."""

from __future__ import annotations

import difflib
import os
import shlex
import stat
from collections.abc import Iterator
from typing import Any

from ...hocon import KeyPath, Unresolved, format_path
from ...model.keys import lookup
from ...model.login import not_sendable, truthy
from ...model.logins import duplicate_usernames, hashable, looks_hashed, password_kind, repaired_hash, truth_problem
from ...model.passwords import MAX_BYTES
from ...model.schema import FIXED_USERS as FIXED
from ...model.schema import FIXED_USERS_LIST as USERS
from ...model.schema import USER_KEYS_OPTIONAL, USER_KEYS_REQUIRED
from ...model.values import show_value
from ...views.effective import Effective
from .model import Context, Finding, Fix, LoadedEnv, LoadedFile, Severity, Source
from .sections import CLOSE_IN_COMPLETE, FIXED_USERS_KEYS


def _effective(effective: Effective | None, key: str, default: Any) -> Any:
    if effective is None:
        return default
    try:
        return lookup(effective.tree, (*FIXED, key))
    except KeyError:
        return default


def _users_in(source: Source) -> tuple[KeyPath, list[Any]] | None:
    """The users list this file or variable writes, and its key as written there."""
    inner = source.written(USERS)
    if inner is None:
        return None
    users = source.value(inner)
    return (inner, users) if isinstance(users, list) else None


def _site(context: Context, effective: Effective | None, path: KeyPath) -> tuple[Source, KeyPath] | None:
    """Where the value the server uses at ``path`` is written (the last source writing it, when the merged view
    could not be computed); None for a default."""
    if effective is not None:
        return context.site(effective, path)
    for source in reversed(context.sources):
        inner = source.written(path)
        if inner is not None:
            return source, inner
    return None


def check_users(context: Context, effective: Effective | None) -> Iterator[Finding]:
    enabled = _effective(effective, "enabled", False)
    pass_hashed = _effective(effective, "pass_hashed", False)
    merged_users = _effective(effective, "users", [])
    hashed = truthy(pass_hashed)  # as the server tests it
    if isinstance(merged_users, list) and merged_users and not truthy(enabled):
        yield _not_enabled(context, effective, enabled, len(merged_users))
    for key, value in (("enabled", enabled), ("pass_hashed", pass_hashed)):
        if not isinstance(value, bool):
            yield _invalid_mode(context, effective, key, value)
    duplicates = duplicate_usernames(merged_users) if isinstance(merged_users, list) else {}
    computed = _computed_passwords(merged_users)
    for source in context.sources:
        yield from _block_keys(source)
        found = _users_in(source)
        if found is None:
            continue
        inner, users = found
        for index, entry in enumerate(users):
            username = entry.get("username") if isinstance(entry, dict) else None
            if isinstance(entry, dict) and isinstance(username, str) and isinstance(entry.get("password"), Unresolved):
                entry = {**entry, "password": computed.get(username, entry["password"])}
            yield from _entry(source, (*inner, index), entry, hashed, duplicates)
        if isinstance(source, LoadedFile):
            yield from _readable_plain_text(source, users, hashed)


def _computed_passwords(users: Any) -> dict[Any, Any]:
    """Each user's password as the server computes it (a `password: ${pw}` is checked by what it gives), by
    username; a username listed twice has no single password to check this way."""
    if not isinstance(users, list):
        return {}
    twice = duplicate_usernames(users)
    return {
        u["username"]: u["password"]
        for u in users
        if isinstance(u, dict) and isinstance(u.get("username"), str) and "password" in u and u["username"] not in twice
    }


_SET_MODE = "clearml-cfg set apiserver.auth.fixed_users.pass_hashed true (or false)"
_ENABLE = "clearml-cfg set apiserver.auth.fixed_users.enabled true"


def _set_hint(site: tuple[Source, KeyPath], value: str, hint: str) -> str:
    """For a value set by a variable, the hint names the variable (`set` edits files, which it would hide)."""
    source = site[0]
    if isinstance(source, LoadedEnv):
        if site[1] == tuple(source.override.key.split(".")):
            return f"set {source.variable}={value} (a variable: it wins over the files)"
        return f"change {source.variable} (a variable: it wins over the files)"
    return hint


def _at(
    context: Context, effective: Effective | None, paths: list[KeyPath], code: str, message: str, hint: str, value: str
) -> Finding:
    """A finding at the first of ``paths`` that some file or variable writes."""
    severity = Severity.ERROR if code == "fixed-users-invalid-mode" else Severity.WARNING
    for path in paths:
        site = _site(context, effective, path)
        if site is not None:
            return site[0].finding(site[1], code, severity, message, _set_hint(site, value, hint))
    return Finding(code, severity, message, hint)


def _not_enabled(context: Context, effective: Effective | None, enabled: Any, count: int) -> Finding:
    path = (*FIXED, "enabled")
    written = _site(context, effective, path) is not None
    state = f"is {show_value(enabled)}" if written else "is not set (false by default)"
    return _at(
        context,
        effective,
        [path, USERS],
        "fixed-users-not-enabled",
        f"{count} fixed user(s) are listed but {format_path(path)} {state}: the server ignores the list",
        _ENABLE,
        "true",
    )


def _invalid_mode(context: Context, effective: Effective | None, key: str, value: Any) -> Finding:
    path = (*FIXED, key)
    return _at(
        context,
        effective,
        [path],
        "fixed-users-invalid-mode",
        truth_problem(path, value) or "",
        _SET_MODE if key == "pass_hashed" else _ENABLE + " (or false)",
        "true",
    )


def _block_keys(source: Source) -> Iterator[Finding]:
    """Keys of the fixed_users block the server never reads: a typo there silently changes who can log in."""
    for key in source.keys_under(FIXED):
        if len(key) != len(FIXED) + 1 or not isinstance(key[-1], str) or key[-1] in FIXED_USERS_KEYS:
            continue
        inner = source.written(key)
        if inner is None:
            continue
        close = difflib.get_close_matches(key[-1], FIXED_USERS_KEYS, n=1, cutoff=CLOSE_IN_COMPLETE)
        yield source.finding(
            inner,
            "fixed-users-unknown-key",
            Severity.ERROR,
            f"{format_path(FIXED)} does not take {key[-1]!r}: the server ignores it, so the web login does not "
            "work as configured",
            f"did you mean {format_path((*FIXED, close[0]))}?"
            if close
            else f"{format_path(FIXED)} takes {', '.join(FIXED_USERS_KEYS)}",
        )


def _entry(source: Source, at: KeyPath, entry: Any, hashed: bool, duplicates: dict[Any, int]) -> Iterator[Finding]:
    where = format_path((*USERS, at[-1]))
    if not isinstance(entry, dict):
        yield source.finding(
            at,
            "fixed-user-invalid-entry",
            Severity.ERROR,
            f"{where} is {show_value(entry)}, not an object: the server fails every fixed-user login",
            "write { username, password, name }",
        )
        return
    missing = [key for key in USER_KEYS_REQUIRED if key not in entry]
    if missing:
        yield source.finding(
            at,
            "fixed-user-missing-key",
            Severity.ERROR,
            f"{where} has no {', '.join(missing)}: the server fails every fixed-user login",
            f"add {', '.join(missing)} to the entry",
        )
    for key in entry:
        if key not in USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL:
            yield source.finding(
                (*at, key),
                "fixed-user-unknown-key",
                Severity.ERROR,
                f"{where} has the key {key!r}, which the server rejects: every fixed-user login fails",
                f"remove it (an entry takes {', '.join(USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL)})",
            )
    username = entry.get("username")
    if isinstance(username, (int, float)) and not isinstance(username, bool):
        yield source.finding(
            (*at, "username"),
            "fixed-user-unquoted-username",
            Severity.ERROR,
            f"{where}.username is the number {username}: it never equals a typed username",
            _quote_hint(source),
            _quote_fix(source, (*at, "username"), username),
        )
    if hashable(username) and username in duplicates:
        yield source.finding(
            (*at, "username"),
            "fixed-user-duplicate",
            Severity.ERROR,
            f"{username!r} is listed {duplicates[username]} times: the server then creates no fixed user at all",
            "remove the extra entries (clearml-cfg remove-user, or by hand)",
        )
    yield from _cannot_log_in(source, at, where, entry)
    if "password" in entry and not isinstance(entry["password"], Unresolved):
        yield from _password(source, (*at, "password"), where, entry["password"], hashed, username)


def _cannot_log_in(source: Source, at: KeyPath, where: str, entry: dict[str, Any]) -> Iterator[Finding]:
    """One user who can never log in: a username the login cannot carry, or details the server cannot store."""
    username = entry.get("username")
    if isinstance(username, str) and (":" in username or not_sendable(username)):
        what = (
            "contains ':', where the server splits a login"
            if ":" in username
            else (f"has {not_sendable(username)}, above U+00FF, which a login cannot carry")
        )
        yield source.finding(
            (*at, "username"),
            "fixed-user-cannot-log-in",
            Severity.ERROR,
            f"{where}.username {what}: this user can never log in",
            "choose another username (clearml-cfg remove-user, then add-user)",
        )
    for key in ("name", "company"):
        if key in entry and not isinstance(entry[key], (str, Unresolved)):
            yield source.finding(
                (*at, key),
                "fixed-user-cannot-log-in",
                Severity.ERROR,
                f"{where}.{key} is {show_value(entry[key])}, not a string: the server fails to create this user at "
                "start-up, so it cannot log in",
                f'quote it: {key}: "..."',
            )


def _new_password_hint(source: Source, username: Any) -> str:
    """How to give this user a new password: passwd edits files; a variable needs a new hash written into it."""
    if isinstance(source, LoadedEnv):
        return f"hash a new password (clearml-cfg hash-password) and write it into {source.variable}"
    if isinstance(username, str) and username:
        return f"set a new password: clearml-cfg passwd {shlex.quote(username)}"
    return "quote the username, then set a new password: clearml-cfg passwd USERNAME"


_TO_HASHED = "clearml-cfg password-mode hashed"


def _plain_in_hashed_hint(source: Source, value: Any, username: Any) -> str:
    """A password that is no hash at all in a file of hashes is most likely plain text from before the switch
    (`set pass_hashed true` alone): hashing it as the text it is gives the login back."""
    if isinstance(source, LoadedFile) and isinstance(value, str) and value:
        return f"hash the plain-text passwords: {_TO_HASHED} (or {_new_password_hint(source, username)})"
    return _new_password_hint(source, username)


def _password(source: Source, at: KeyPath, where: str, value: Any, hashed: bool, username: Any) -> Iterator[Finding]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        yield source.finding(
            at,
            "fixed-user-unquoted-password",
            Severity.ERROR,
            f"{where}.password is a number (unquoted): the login compares strings, so it never matches",
            _quote_hint(source) if not hashed else _new_password_hint(source, username),
            _quote_fix(source, at, value) if not hashed else None,
        )
        return
    kind, problems = password_kind(value, hashed)
    if hashed and kind == "broken":
        repaired = repaired_hash(value)
        fix = None
        if repaired is not None and isinstance(source, LoadedFile):
            fix = Fix.setting(f"store {where}.password as base64 of its bcrypt hash", source.path, at, repaired)
        yield source.finding(
            at,
            "fixed-user-bad-hash",
            Severity.ERROR,
            f"{where}: {problems[0]}",
            "--fix repairs it" if fix else _plain_in_hashed_hint(source, value, username),
            fix,
        )
    elif not hashed and isinstance(value, str) and not_sendable(value):
        yield source.finding(
            at,
            "fixed-user-cannot-log-in",
            Severity.ERROR,
            f"{where}.password has a character above U+00FF, which a login cannot carry: it never matches",
            _new_password_hint(source, username),
        )
    elif not hashed and isinstance(value, str) and looks_hashed(value):
        yield source.finding(
            at,
            "fixed-user-hash-in-plain-mode",
            Severity.ERROR,
            f"{where}: {problems[0]}",
            f"a hash needs pass_hashed: true ({_TO_HASHED} sets it, keeping the hashes and hashing any plain-text "
            "password)"
            if isinstance(source, LoadedFile)
            else "set pass_hashed true if every password is hashed",
        )
    if isinstance(value, str) and not hashed and len(value.encode("utf-8")) > MAX_BYTES:
        yield source.finding(
            at,
            "fixed-user-password-too-long",
            Severity.WARNING,
            f"{where}.password is over {MAX_BYTES} bytes: it cannot be hashed (bcrypt uses {MAX_BYTES} bytes at most)",
            "choose a shorter password before switching to hashed passwords",
        )


def _quote_hint(source: Source) -> str:
    if isinstance(source, LoadedEnv):
        return f'quote it inside {source.variable}\'s value (e.g. password: "00123")'
    return "quote it (--fix does)"


def _quote_fix(source: Source, at: KeyPath, value: Any) -> Fix | None:
    if not isinstance(source, LoadedFile):
        return None
    text = source.document.value_text(at) or str(value)  # `007` as written, not the 7 the server read
    return Fix.setting(f"quote {format_path(at)}", source.path, at, text)


def _readable_plain_text(loaded: LoadedFile, users: list[Any], hashed: bool) -> Iterator[Finding]:
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
            "hash them (clearml-cfg password-mode hashed), and chmod 600 it (--fix does)",
            loaded.path,
            fix=Fix(f"chmod 600 {loaded.path}", loaded.path, mode=mode & ~0o077),
        )
