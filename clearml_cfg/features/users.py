"""Web-login users: ``apiserver.auth.fixed_users`` (SERVER-SEMANTICS §5), edited and checked as the server reads it.

- An entry takes exactly ``username``, ``password``, ``name`` and optionally ``company``, ``is_guest``; any other
  key, or a missing one, makes every fixed-user login fail. A username listed twice makes the server create none.
- ``pass_hashed: false`` (the default) compares the typed password with the stored string, so an unquoted number
  never matches. ``pass_hashed: true`` stores base64 of a bcrypt hash, checked with
  ``bcrypt.checkpw(pw, base64.b64decode(stored))``; bcrypt uses 72 bytes at most.
- The file stays in one mode: adding a hashed user to a plain-text file hashes the other passwords too.

Reads merge every directory, then the ``CLEARML__``/``TRAINS__`` variables that touch ``apiserver.auth``, as the
server does. Writes go to the file that holds the list in effect (a list is replaced whole when directories merge,
so that may be an earlier directory), else to the winning directory; the password mode is the one all the files
give together, and a warning names any variable that overrides what was written.
bcrypt is imported only by the functions that hash or check: listing users never loads it.
"""

from __future__ import annotations

import base64
import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import Message, NoMatch, NotSet, UsageError, WriteError
from ..hocon import Document, HoconEditError, HoconKeyError, KeyPath, Unresolved, format_path, strict_equal
from ..hocon.values import Substitution
from ..io.transaction import Transaction
from ..model import schema
from ..model.keys import MISSING, lookup
from ..model.layout import ConfigFile, file_for_key
from ..model.login import GUEST, GUEST_DEFAULTS, guest_user, not_sendable, truthy
from ..model.logins import (
    CONTROL,
    DEFAULT_ROUNDS,
    broken_hash_reason,
    check_rounds,
    decodes_to_bcrypt,
    describe,
    duplicate_usernames,
    entry_problems,
    hash_password,
    hashable,
    password_kind,
    repaired_hash,
    secret_kind,
    truth_problem,
)
from ..model.passwords import MAX_BYTES, Hashing, check_new_password, check_utf8
from ..model.schema import USER_KEYS_OPTIONAL, USER_KEYS_REQUIRED
from ..views import environment as overrides
from ..views.files import FilesView
from ..views.snapshot import Snapshot
from .check.rules import Rules
from .common import Options, Outcome, edit_hint

FIXED: KeyPath = schema.FIXED_USERS
AUTH: KeyPath = FIXED[:-1]
USERS: KeyPath = schema.FIXED_USERS_LIST
ENABLED: KeyPath = (*FIXED, "enabled")
PASS_HASHED: KeyPath = (*FIXED, "pass_hashed")
DELETE_MISSING: KeyPath = ("apiserver", "auth", "delete_missing_autocreated_users")


#: ``progress(total, description)`` opens a progress display and gives back the function that advances it
Progress = Callable[[int, str], AbstractContextManager[Callable[[], None]]]


# --- hashing ----------------------------------------------------------------------------------------------


def _hash_all(passwords: list[str], rounds: int, progress: Progress | None) -> list[str]:
    """Hash many passwords on every core (bcrypt releases the GIL); a migration of many users shows progress."""
    if not passwords:
        return []
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=min(len(passwords), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(hash_password, password, rounds) for password in passwords]
        if progress is not None and len(futures) > 1:
            with progress(len(futures), "hashing passwords") as advance:
                for _ in as_completed(futures):
                    advance()
        return [future.result() for future in futures]


# --- what a stored value is -------------------------------------------------------------------------------


# --- listing ----------------------------------------------------------------------------------------------


@dataclass
class UserInfo:
    """One entry of the list, without its password: what the server makes of it, and what is wrong."""

    username: Any
    name: Any
    company: Any
    is_guest: Any
    password: str  # "bcrypt", "plain" or "broken"
    problems: list[str] = field(default_factory=list)


@dataclass
class UsersReport:
    enabled: Any
    pass_hashed: Any
    defined_in: list[str]  # files, or "env NAME" when a variable sets the list
    users: list[UserInfo]
    problems: list[str]  # about the list as a whole
    notes: list[str] = field(default_factory=list)  # which variables decide what the files say
    in_use: bool = False  # the server's login uses the list (``enabled`` tested for truth)
    hashed: bool = False  # it compares hashes (``pass_hashed`` tested for truth)


@dataclass
class _AuthView:
    """``apiserver.auth.fixed_users`` as the server reads it: every file merged, then the variables that touch it;
    and the guest user (``services.auth.fixed_users.guest``), its defaults included."""

    fixed: dict[str, Any]
    env: overrides.Overridden | None  # None: no variable touches apiserver.auth
    guest: dict[str, Any]  # the guest's settings

    def variable(self, path: KeyPath) -> str | None:
        return self.env.variable(path) if self.env is not None else None

    def notes(self, paths: tuple[KeyPath, ...] = (ENABLED, PASS_HASHED, USERS)) -> list[str]:
        found = []
        for path in paths:
            variable = self.variable(path)
            if variable is not None:
                found.append(f"{format_path(path)} comes from the environment ({variable}), which wins over the files")
        return found

    def unreadable(self) -> list[str]:
        names = self.env.unreadable if self.env is not None else []
        return [f"{name}: the server cannot parse this value and fails to start; it is left out here" for name in names]

    @property
    def enabled(self) -> bool:
        return truthy(self.fixed.get("enabled", False))

    @property
    def guest_enabled(self) -> bool:
        return self.enabled and truthy(self.guest.get("enabled", False))

    def users(self) -> list[Any]:
        """The list the server builds (``FixedUser.from_config``): the guest first, when it is enabled."""
        users = self.fixed.get("users", [])
        listed = users if isinstance(users, list) else []
        return [guest_user(self.guest), *listed] if self.guest_enabled else listed


def _auth_view(view: FilesView) -> _AuthView:
    merged = view.merged(AUTH)
    env = overrides.apply(merged, view.env, AUTH)
    return _AuthView(_fixed_users(env.tree if env is not None else merged), env, _guest(view))


def _guest(view: FilesView) -> dict[str, Any]:
    """The guest's settings: the files and the variables over the server's defaults (services/auth.conf)."""
    merged = view.merged(GUEST)
    env = overrides.apply(merged, view.env, GUEST)
    try:
        found = lookup(env.tree if env is not None else merged, GUEST)
    except KeyError:
        found = {}
    return {**GUEST_DEFAULTS, **found} if isinstance(found, dict) else dict(GUEST_DEFAULTS, enabled=False)


def _mode(value: Any) -> bool | None:
    """``pass_hashed`` as a boolean; None when it is something else (the server's reading is then unclear)."""
    return value if isinstance(value, bool) else None


def _fixed_users(tree: dict[str, Any]) -> dict[str, Any]:
    try:
        found = lookup(tree, FIXED)
    except KeyError:
        return {}
    if not isinstance(found, dict):
        raise UsageError(
            f"{format_path(FIXED)} is {describe(found)}, not an object",
            "it must be { enabled, pass_hashed, users: [...] }: fix the file by hand",
        )
    return found


def list_users(options: Options) -> UsersReport:
    view = options.snapshot().files
    auth = _auth_view(view)
    fixed = auth.fixed
    enabled = fixed.get("enabled", False)
    pass_hashed = fixed.get("pass_hashed", False)
    users = fixed.get("users", [])
    problems = auth.unreadable()
    problems.extend(p for p in (truth_problem(ENABLED, enabled), truth_problem(PASS_HASHED, pass_hashed)) if p)
    if not auth.enabled:
        problems.append(
            f"fixed users are not enabled ({format_path(ENABLED)} is {describe(enabled, quote=True)}): "
            "the server ignores this list"
        )
    hashed = truthy(pass_hashed)
    if not isinstance(users, list):
        problems.append(f"{format_path(USERS)} is {describe(users)}, not a list: the server cannot read it")
    elif not auth.users() and auth.enabled:
        problems.append("the list is empty: nobody can log in")
    listed = auth.users()
    duplicates = duplicate_usernames(listed)
    infos = []
    for entry in listed:
        if not isinstance(entry, dict):
            infos.append(UserInfo(None, None, None, None, "broken", [f"the entry is {describe(entry)}, not an object"]))
            continue
        problems_here = entry_problems(entry)
        if "password" in entry:
            kind, password_problems = password_kind(entry["password"], hashed)
        else:  # no password: the entry's problems say why
            kind, password_problems = "broken", []
        username = entry.get("username")
        if hashable(username) and username in duplicates:
            problems_here.append(f"listed {duplicates[username]} times: the server creates no fixed user at all")
        infos.append(
            UserInfo(
                username,
                entry.get("name"),
                entry.get("company"),
                entry.get("is_guest"),
                kind,
                problems_here + password_problems,
            )
        )
    variable = auth.variable(USERS)
    defined_in = [f"env {variable}"] if variable else [str(loaded.file.path) for loaded, _ in view.definitions(USERS)]
    notes = auth.notes()
    if auth.guest_enabled:
        notes.append(_GUEST_NOTE)
    return UsersReport(enabled, pass_hashed, defined_in, infos, problems, notes, auth.enabled, hashed)


_GUEST_NOTE = (
    f"the guest user comes first: {format_path((*GUEST, 'enabled'))} is on, so the server adds the user of "
    f"{format_path(GUEST)} (username, password), who may call only the endpoints in its allow_endpoints"
)


# --- checking a password as the server's login does -------------------------------------------------------


@dataclass
class LoginCheck:
    """A user found in the list in effect, and what would stop the server from checking any password."""

    username: str
    stored: Any
    hashed: bool
    in_use: bool  # fixed users are enabled
    blocker: str | None  # the server fails every fixed-user login, for this reason
    notes: list[str] = field(default_factory=list)  # which variables decide what the files say
    warnings: list[str] = field(default_factory=list)
    not_enabled: str = ""  # why the server's login does not use the list (when not ``in_use``)


def login_check(options: Options, username: str) -> LoginCheck:
    """Find ``username`` as the server's login does (the first entry whose username equals it, the guest first);
    NotSet if none, NoMatch if the login can never carry it."""
    view = options.snapshot().files
    auth = _auth_view(view)
    fixed = auth.fixed
    users = auth.users()
    entry = next((u for u in users if isinstance(u, dict) and u.get("username") == username), None)
    if entry is None:
        where = f"env {auth.variable(USERS)}" if auth.variable(USERS) else view.dirs.describe()
        raise NotSet(f"there is no fixed user {username!r} in the configuration ({where})")
    _refuse_unsendable_username(username)
    blocker = _blocker(users) or _cannot_be_created(entry)
    enabled, pass_hashed = fixed.get("enabled", False), fixed.get("pass_hashed", False)
    notes = [
        *auth.notes(),
        *(p for p in (truth_problem(ENABLED, enabled), truth_problem(PASS_HASHED, pass_hashed)) if p),
    ]
    if entry.get("is_guest") is True and auth.guest_enabled and users and users[0] is entry:
        notes.append(_GUEST_NOTE)
    state = f"{format_path(ENABLED)} is {describe(enabled, quote=True)}" if "enabled" in fixed else "not set"
    return LoginCheck(
        username,
        entry.get("password"),
        truthy(pass_hashed),
        auth.enabled,
        blocker,
        notes,
        auth.unreadable(),
        f"fixed users are not enabled ({state}): the server's login does not use this list",
    )


def _refuse_unsendable_username(username: str) -> None:
    if ":" in username:
        raise NoMatch(
            f"the username {username!r} contains ':': the server splits a login at its first ':', so it reads the "
            f"username {username.partition(':')[0]!r}, and this user can never log in"
        )
    char = not_sendable(username)
    if char is not None:
        raise NoMatch(
            f"the username {username!r} has the character {char}: the web app cannot send characters above U+00FF "
            "and the server reads a login as latin-1, so this user can never log in"
        )


def _blocker(users: list[Any]) -> str | None:
    """Why the server creates no fixed user at all (``FixedUser.validate`` and ``from_config`` fail)."""
    for index, other in enumerate(users):
        where = f"{format_path(USERS)}[{index}]"
        if not isinstance(other, dict):
            return f"{where} is {describe(other)}, not an object: the server fails every fixed-user login"
        missing = [k for k in USER_KEYS_REQUIRED if k not in other]
        unknown = [k for k in other if k not in USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL]
        if missing or unknown:
            what = f"lacks {', '.join(missing)}" if missing else f"has the key(s) {', '.join(unknown)}"
            return f"{where} {what}: the server fails every fixed-user login"
        if not hashable(other.get("username")):
            return f"{where}.username is {describe(other.get('username'))}: the server fails every fixed-user login"
    duplicates = duplicate_usernames(users)
    if duplicates:
        names = ", ".join(f"{name!r} ({count} times)" for name, count in duplicates.items())
        return f"usernames are listed more than once ({names}): the server creates no fixed user at all"
    return None


def _cannot_be_created(entry: dict[str, Any]) -> str | None:
    """Why the server fails to create this one user (``ensure_fixed_user``), who then cannot log in."""
    for key in ("name", "company"):
        if key in entry and not isinstance(entry[key], str):
            return (
                f"the {key} of {entry.get('username')!r} is {describe(entry[key])}, not a string: the server fails "
                "to create this user at start-up, so it cannot log in"
            )
    return None


def verify_password(check: LoginCheck, password: str) -> str:
    """A one-line reason: returned when the password matches, raised as NoMatch (exit 1) when it does not, or when
    the server's login would fail anyway."""
    check_utf8("the password", password, secret=True)
    if check.blocker:
        raise NoMatch(check.blocker)
    char = not_sendable(password)
    if char is not None:
        raise NoMatch(
            "the password has a character above U+00FF: the web app cannot send it and the server reads a login as "
            "latin-1, so this password can never log in"
        )
    try:
        reason = _compare(check, password)
    except NoMatch as e:
        raise NoMatch(e.message if check.in_use else f"{check.not_enabled}; {e.message}") from None
    if not check.in_use:
        raise NoMatch(f"{check.not_enabled}; {reason}")
    return reason


def _compare(check: LoginCheck, password: str) -> str:
    """How the stored password compares, as the server's login compares it (NoMatch when it does not match)."""
    who = check.username
    if not check.hashed:
        if not isinstance(check.stored, str):
            raise NoMatch(
                f"the stored password of {who!r} is {secret_kind(check.stored)}, which never equals a typed password "
                f"(quote it in the file, or set it with clearml-cfg passwd {who})"
            )
        if check.stored != password:
            raise NoMatch(f"the password does not match the one of {who!r} (plain-text comparison)")
        return f"the password matches the one of {who!r} (plain-text comparison)"
    size = len(password.encode("utf-8"))
    if size > MAX_BYTES:
        raise NoMatch(
            f"the password is {size} bytes long in UTF-8: bcrypt 5 refuses passwords over {MAX_BYTES} bytes "
            f"(bcrypt 4 compares only the first {MAX_BYTES})"
        )
    broken = (
        f"{who!r}: {broken_hash_reason(check.stored)}, so the server's login fails with an error "
        f"(set a new password with clearml-cfg passwd {who})"
    )
    try:
        decoded = base64.b64decode(check.stored)  # as the server does: any failure here is its failure too
    except (TypeError, ValueError):
        raise NoMatch(broken) from None
    import bcrypt

    try:
        matched = bcrypt.checkpw(password.encode("utf-8"), decoded)
    except ValueError:
        raise NoMatch(broken) from None
    if not matched:
        raise NoMatch(f"the password does not match the bcrypt hash of {who!r}")
    return f"the password matches the bcrypt hash of {who!r}"


# --- editing ----------------------------------------------------------------------------------------------


@dataclass
class _Target:
    """The file that holds the list in effect, opened in a transaction, and what the files say, all merged."""

    snapshot: Snapshot
    file: ConfigFile
    base: KeyPath  # the fixed_users object inside the file
    document: Document
    view: FilesView
    users: list[Any]  # the entries written in this file (substitutions unresolved)
    enabled: Any  # in effect, all directories merged (the environment aside: warnings name what it overrides)
    pass_hashed: Any
    elsewhere: bool = False  # the file is not in the winning directory

    @property
    def hashed(self) -> bool:
        mode = _mode(self.pass_hashed)
        if mode is None:
            key = format_path(PASS_HASHED)
            raise UsageError(
                f"{truth_problem(PASS_HASHED, self.pass_hashed)}; the passwords of this file may be meant otherwise",
                f"set it first: clearml-cfg set {key} true (or false)",
            )
        return mode

    def indexes(self, username: str) -> list[int]:
        return [i for i, u in enumerate(self.users) if isinstance(u, dict) and u.get("username") == username]

    def edit(self, action: str, change: Callable[[], object]) -> None:
        try:
            change()
        except (HoconEditError, HoconKeyError) as e:
            by_hand = f"edit {format_path((*self.base, 'users'))} in {self.file.path} by hand"
            hint = edit_hint(e, by_hand) if isinstance(e, HoconEditError) else by_hand
            raise UsageError(f"cannot {action} in {self.file.path}: {e}", hint) from None

    def note_where(self, outcome: Outcome) -> None:
        if self.elsewhere:
            outcome.notes.append(
                f"the list the server uses is written in {self.file.path}, below the winning directory "
                f"{self.view.dirs.write_dir}: it was edited there"
            )


def _directory_in_effect(view: FilesView, fixed: dict[str, Any]) -> Path:
    """Where the list the server uses is written: lists are replaced whole when directories merge, so an edit
    elsewhere would hide it. The winning directory when no file writes a list."""
    users = fixed.get("users", MISSING)
    if users is not MISSING:
        for loaded, inner in reversed(view.definitions(USERS)):
            if strict_equal(lookup(loaded.tree, inner, MISSING), users):
                return loaded.file.directory
    return view.dirs.write_dir


def _open(options: Options, tx: Transaction | None) -> _Target:
    """Lock (when writing) the winning directory and the one whose list is in effect, then read every file: the
    list is read under the locks."""
    write_dir = options.dirs.write_dir
    if tx is not None:
        tx.lock(write_dir)
    snapshot = options.snapshot(tx.reader if tx is not None else None)
    view = snapshot.files
    effective = _fixed_users(view.merged(FIXED))
    directory = _directory_in_effect(view, effective)
    if tx is not None and directory != write_dir:
        # Nothing is open yet: take both locks again in the order `unset` takes them, and read again under them.
        tx.release()
        for locked in sorted({directory, write_dir}):
            tx.lock(locked)
        tx.reread()  # what was read before could have changed while no lock was held
        snapshot = options.snapshot(tx.reader)
        view = snapshot.files
        effective = _fixed_users(view.merged(FIXED))
        if _directory_in_effect(view, effective) != directory:
            raise WriteError(
                "the configuration changed while clearml-cfg was reading it; nothing was written", "run it again"
            )
    config_file, base = _target_file(view, directory)
    if tx is not None:
        document = tx.document(config_file.path, secret=True)
    else:
        loaded = view.loaded(config_file)
        document = loaded.document if loaded else Document("")
    here = document.unresolved()
    fixed_here = lookup(here, base, MISSING)
    if fixed_here is not MISSING and not isinstance(fixed_here, dict):
        raise UsageError(
            f"{config_file.path}: {format_path(base) or 'the file'} is {describe(fixed_here)}, not an object",
            "fix the file by hand: fixed_users is { enabled, pass_hashed, users: [...] }",
        )
    users_here = fixed_here.get("users", []) if isinstance(fixed_here, dict) else []
    if not isinstance(users_here, list):
        raise _not_a_list(config_file, document, (*base, "users"), users_here)
    _check_in_effect(view, config_file, base, document, effective, options)
    return _Target(
        snapshot,
        config_file,
        base,
        document,
        view,
        users_here,
        effective.get("enabled", False),
        effective.get("pass_hashed", False),
        directory != write_dir,
    )


def _not_a_list(config_file: ConfigFile, document: Document, path: KeyPath, value: Any) -> UsageError:
    """Why the entries cannot be edited: `users += [...]` (or `${?users} [...]`) appends to a list written before,
    which the edits (by index, in one list) cannot address; any other substitution computes the list."""
    key = format_path(path)
    lines = [str(location.line) for location in document.definitions(path)]
    where = f"{config_file.path}, line{'s' if len(lines) > 1 else ''} {', '.join(lines)}" if lines else config_file.path
    first = value.parts[0] if isinstance(value, Unresolved) and value.parts else None
    if isinstance(first, Substitution) and first.path and first.path[-1] == path[-1]:
        return UsageError(
            f"{config_file.path}: {key} is extended with +=, which appends entries to a list written before; "
            "clearml-cfg edits only a list written out whole",
            f"edit the entries by hand where they are written ({where}), or join them into one list "
            "(users: [ ... ]); clearml-cfg list-users shows every entry the server reads",
        )
    return UsageError(
        f"{config_file.path}: {key} is {describe(value)}, not a list written out",
        f"edit the list by hand where it is written ({where}), or write the users out as a list of "
        "{ username, password, name }",
    )


def _target_file(view: FilesView, directory: Path) -> tuple[ConfigFile, KeyPath]:
    """The file of ``directory`` that holds the list (the last one, which wins, if several do); else the file
    that would hold it (``apiserver/auth.conf`` if it exists, else ``apiserver.conf``). Returns the file and the
    path of the fixed_users object inside it."""
    holding = [loaded.file for loaded, _ in view.definitions(USERS) if loaded.file.directory == directory]
    if holding:
        config_file = holding[-1]
        return config_file, USERS[len(config_file.prefix) : -1]
    config_file, inner = file_for_key(directory, view.files(directory), USERS)
    return config_file, inner[:-1]


def _check_in_effect(
    view: FilesView,
    config_file: ConfigFile,
    base: KeyPath,
    document: Document,
    effective: dict[str, Any],
    options: Options,
) -> None:
    """Refuse to edit a list the server does not use: editing it would hide the users that are in effect."""
    if "users" not in effective:
        return
    here = lookup(document.resolved(options.env), (*base, "users"), MISSING)
    if here is not MISSING and strict_equal(here, effective["users"]):
        return
    elsewhere = [loaded.file.path for loaded, _ in view.definitions(USERS) if loaded.file.path != config_file.path]
    places = ", ".join(str(p) for p in elsewhere) or "another file"
    hint = f"edit the list by hand where it is written ({places}), or move it into {config_file.path}"
    raise UsageError(
        f"the users in effect are defined in {places}, not in {config_file.path}: "
        f"writing a list there would hide them from the server",
        hint,
    )


def _check_takes_effect(target: _Target, options: Options, *, hashed: bool | None, enabled: bool) -> dict[str, Any]:
    """Refuse an edit that another file would undo; returns what the files then merge into."""
    tree = target.document.resolved(options.env)
    target.view.add(target.file, target.document)  # a new file: the view shares the edited document otherwise
    merged = target.view.merged(AUTH)
    effective = lookup(merged, FIXED, MISSING)
    wanted = lookup(tree, (*target.base, "users"), MISSING)
    problems = []
    if not isinstance(effective, dict) or not strict_equal(effective.get("users", MISSING), wanted):
        problems.append("the list of users")
    elif hashed is not None and effective.get("pass_hashed", False) is not hashed:
        problems.append("pass_hashed")
    elif enabled and effective.get("enabled", False) is not True:
        problems.append("enabled")
    if problems:
        raise UsageError(
            f"the edit of {target.file.path} would not take effect: the configuration overrides {problems[0]} "
            "elsewhere (a later file, or a '-key' that replaces a whole section)",
            "nothing was written; see what the server reads with: clearml-cfg show apiserver.auth",
        )
    return merged


def _env_view(merged: dict[str, Any], options: Options, outcome: Outcome) -> overrides.Overridden | None:
    """The variables that touch apiserver.auth over the files as edited; a variable the server cannot parse is
    a warning (the edit is still made: the variable, not the file, keeps the server from starting)."""
    env = overrides.apply(merged, options.env, AUTH)
    if env is not None:
        for name in env.unreadable:
            outcome.warnings.append(f"{name}: the server cannot parse this value and fails to start")
    return env


def _warn_overridden(
    env: overrides.Overridden | None,
    merged: dict[str, Any],
    target: _Target,
    paths: tuple[KeyPath, ...],
    outcome: Outcome,
) -> None:
    """A warning (with its hint) for each of ``paths`` that a variable sets to something else than the files."""
    if env is None:
        return
    defaults = {ENABLED: False, PASS_HASHED: False}
    for path in paths:
        variable = env.variable(path)
        if variable is None:
            continue
        written = lookup(merged, path, MISSING)
        written = defaults.get(path) if written is MISSING else written
        now = env.value(path, defaults.get(path))
        if strict_equal(written, now):
            continue
        key = format_path(path)
        if path == USERS:
            message = (
                f"{variable} sets {key}: the server uses that list, not the one in {target.file.path}, "
                "so this edit has no effect while the variable is set"
            )
            hint = f"unset {variable}, or make the same change in it"
        elif path == ENABLED:
            message = (
                f"{variable} sets {key} to {describe(now, quote=True)}: the server ignores the fixed users "
                "while the variable is set"
            )
            hint = f"unset {variable}, or set it to true"
        else:
            stored = "bcrypt hashes" if written is True else "plain-text passwords"
            message = (
                f"{variable} sets {key} to {describe(now, quote=True)}, but the files store {stored} "
                f"(pass_hashed: {str(written).lower()}): logins of this list fail while the variable is set"
            )
            hint = f"unset {variable}, or set it to {str(written).lower()}"
        outcome.warnings.append(Message(message, hint))


def _check_username(username: str) -> None:
    check_utf8("the username", username)
    if not username:
        raise UsageError("the username is empty", "choose a username such as jane")
    if not username.strip():
        raise UsageError(f"the username {username!r} is only blanks", "choose a username such as jane")
    control = next((c for c in username if unicodedata.category(c) in CONTROL), None)
    if control is not None:
        raise UsageError(
            f"the username {username!r} contains the control character {control!r}, which nobody can type at "
            "the login form",
            "choose a username of printable characters",
        )
    if ":" in username:
        raise UsageError(
            f"the username {username!r} contains ':', which the login form cannot send (it sends USER:PASSWORD)",
            "choose a username without ':'",
        )
    char = not_sendable(username)
    if char is not None:
        raise UsageError(
            f"the username {username!r} has the character {char}: the web app cannot send characters above U+00FF "
            "and the server reads a login as latin-1, so this user could never log in",
            "choose a username of Latin-1 characters (ASCII letters, digits, accented Latin letters)",
        )


def _check_details(name: str | None, company: str | None) -> None:
    if name is not None:
        check_utf8("--name", name)
    if company is not None:
        check_utf8("--company", company)
    if name is not None and not name.strip():
        raise UsageError("--name is empty", "give the name the web app shows, e.g. --name 'Jane Doe'")
    if company is not None and not company.strip():
        raise UsageError("--company is empty", "give a company ID, or leave --company out for the default company")


def _refuse_existing(target: _Target, username: str) -> None:
    if target.indexes(username):
        raise UsageError(
            f"the user {username!r} already exists in {target.file.path}",
            f"change the password with: clearml-cfg passwd {username}",
        )


def _find(target: _Target, username: str) -> int:
    found = target.indexes(username)
    if not found:
        raise NotSet(
            f"there is no user {username!r} in {target.file.path}",
            f"see the users with: clearml-cfg list-users; add one with: clearml-cfg add-user {username}",
        )
    if len(found) > 1:
        raise UsageError(
            f"the user {username!r} is listed {len(found)} times in {target.file.path}: the server creates no "
            "fixed user at all",
            f"remove the entries with: clearml-cfg remove-user {username}; then add it again with add-user",
        )
    return found[0]


def prepare_add(
    options: Options,
    username: str,
    *,
    name: str | None = None,
    company: str | None = None,
    plaintext: bool = False,
    rounds: int | None = None,
) -> None:
    """The checks of add_user that need no password, run before asking for one (and run again under the lock)."""
    _check_username(username)
    _check_details(name, company)
    _check_cost(plaintext, rounds)
    target = _open(options, None)
    _refuse_existing(target, username)
    _refuse_plaintext(target, plaintext)


def _check_cost(plaintext: bool, rounds: int | None) -> int:
    if plaintext and rounds is not None:
        raise UsageError("--rounds sets the cost of a bcrypt hash, and --plaintext stores no hash", "drop one of them")
    cost = DEFAULT_ROUNDS if rounds is None else rounds
    check_rounds(cost)
    return cost


def _refuse_plaintext(target: _Target, plaintext: bool) -> None:
    if plaintext and target.hashed:
        raise UsageError(
            f"{target.file.path} stores bcrypt hashes (pass_hashed: true): a plain-text password would never match",
            "drop --plaintext",
        )


def prepare_change(options: Options, username: str, *, rounds: int | None) -> None:
    """The checks of change_password that need no password, run before asking for one."""
    if rounds is not None:
        check_rounds(rounds)
    _find(_open(options, None), username)


def add_user(
    options: Options,
    username: str,
    password: str,
    *,
    name: str | None = None,
    company: str | None = None,
    guest: bool = False,
    plaintext: bool = False,
    rounds: int | None = None,
    progress: Progress | None = None,
    hashing: Hashing | None = None,
) -> Outcome:
    """Append ``{ username, password, name }`` (plus company / is_guest when given); enable fixed users.

    Hashed unless ``plaintext``. A plain-text file with users becomes a hashed one: their passwords are hashed
    with the same cost and ``pass_hashed`` becomes true, so they log in as before. ``hashing``: a hash started
    already (the command line starts it as soon as it has the password), used when it is the one wanted.
    """
    _check_username(username)
    _check_details(name, company)
    check_new_password(password)
    cost = _check_cost(plaintext, rounds)
    # Hashing is the slow part and needs nothing from the file: it runs while the file is locked, read and edited.
    if plaintext:
        hashing = None
    elif hashing is None or not hashing.of(password, cost):
        hashing = Hashing(password, cost)
    outcome = Outcome()
    with options.transaction() as tx:
        target = _open(options, tx)
        rules = Rules(target.snapshot, [FIXED])
        _refuse_existing(target, username)
        hashed = target.hashed
        fixed = target.base
        _refuse_plaintext(target, plaintext)
        enabling = target.enabled is not True
        if enabling:
            target.edit("enable fixed users", lambda: target.document.set((*fixed, "enabled"), True))
        if plaintext:
            outcome.warnings.append(
                f"the password of {username!r} is stored as plain text: whoever can read {target.file.path} "
                "can read it (without --plaintext it is stored as a bcrypt hash)"
            )
        elif not hashed:
            _migrate(target, cost, progress, outcome)
        stored = password if hashing is None else hashing.result()
        entry: dict[str, Any] = {"username": username, "password": stored, "name": username if name is None else name}
        if company is not None:
            entry["company"] = company
        if guest:
            entry["is_guest"] = True
        target.edit(f"add {username!r}", lambda: target.document.append((*fixed, "users"), entry))
        merged = _check_takes_effect(target, options, hashed=not plaintext, enabled=True)
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    env = _env_view(merged, options, outcome)
    if enabling and (env is None or env.variable(ENABLED) is None):
        outcome.warnings.insert(
            0, "fixed users are now enabled: after the apiserver restarts, only the users in this list can log in"
        )
    _warn_overridden(env, merged, target, (USERS, ENABLED, PASS_HASHED), outcome)
    target.note_where(outcome)
    return outcome


def _migrate(target: _Target, rounds: int, progress: Progress | None, outcome: Outcome) -> None:
    """Hash every plain-text password of the file and set ``pass_hashed: true``: the file stays in one mode."""
    pending, kept = [], []
    for index, who, value in _passwords(target):
        if _is_some_hash(value):
            # Nobody types an 80-character hash at a login: it was pasted while pass_hashed was false (check calls
            # it an error), and the hashed file now gives the login the password it was made from.
            _store_repaired(target, index, who, value, outcome)
            kept.append(who)
            continue
        _check_hashable(target, who, value)
        pending.append((index, who, value))
    _store_hashes(target, pending, rounds, progress)
    if kept:
        outcome.notes.append(
            f"the password(s) of {', '.join(map(repr, kept))} were bcrypt hashes already: kept as hashes, so the "
            "login takes the password(s) they were made from"
        )
    target.edit("set pass_hashed", lambda: target.document.set((*target.base, "pass_hashed"), True))
    if pending:
        names = ", ".join(repr(who) for _, who, _ in pending)
        outcome.notes.append(
            f"the file now stores bcrypt hashes (pass_hashed: true): the plain-text password(s) of {names} were "
            "hashed too, so they log in as before"
        )


def _passwords(target: _Target) -> Iterator[tuple[int, str, Any]]:
    """Each entry of the file that has a password: its index, who it is, the password as written."""
    for index, entry in enumerate(target.users):
        if isinstance(entry, dict) and "password" in entry:  # an entry without one is list-users' to report
            yield index, str(entry.get("username", f"users[{index}]")), entry["password"]


def _check_hashable(target: _Target, who: str, value: Any) -> None:
    """Refuse a password that cannot become a faithful bcrypt hash: not text, empty, or over bcrypt's limit."""
    if not isinstance(value, str):
        problem = f"is {secret_kind(value)}, which cannot be hashed faithfully"
        fix = f"give {who!r} a password as text first (clearml-cfg passwd {who} keeps the plain-text mode)"
    elif not value:
        problem, fix = "is empty", f"give {who!r} a password first (clearml-cfg passwd {who})"
    elif len(value.encode("utf-8")) > MAX_BYTES:
        problem = f"is longer than {MAX_BYTES} bytes, more than bcrypt can use"
        fix = f"give {who!r} a shorter one first (clearml-cfg passwd {who})"
    else:
        return
    raise UsageError(
        f"cannot switch {target.file.path} to hashed passwords: the password of {who!r} {problem}",
        f"{fix}, or add this user with --plaintext",
    )


def _store_hashes(target: _Target, pending: list[tuple[int, str, str]], rounds: int, progress: Progress | None) -> None:
    hashes = _hash_all([value for _, _, value in pending], rounds, progress)
    for (index, who, _), stored in zip(pending, hashes, strict=True):
        target.edit(
            f"hash the password of {who!r}",
            partial(target.document.set, (*target.base, "users", index, "password"), stored),
        )


def _store_repaired(target: _Target, index: int, who: str, value: Any, outcome: Outcome) -> bool:
    """Keep a hash as the hash it is, in the form the server reads (a b'...' wrapper or a raw $2b$ hash fixed);
    whether it had to be stored again."""
    repaired = repaired_hash(value)
    if repaired is None:
        return False
    target.edit(
        f"store the hash of {who!r} as base64",
        partial(target.document.set, (*target.base, "users", index, "password"), repaired),
    )
    outcome.notes.append(f"the hash of {who!r} was pasted in the wrong form: stored as the server reads it")
    return True


def _is_some_hash(value: Any) -> bool:
    """A bcrypt hash in the form the server reads, or pasted in a form --fix repairs."""
    return isinstance(value, str) and (decodes_to_bcrypt(value) or repaired_hash(value) is not None)


#: The two ways the server can store passwords (pass_hashed true / false).
PASSWORD_MODES = ("hashed", "plain")


def set_password_mode(
    options: Options, mode: str, *, rounds: int | None = None, progress: Progress | None = None
) -> Outcome:
    """Store every user's password the way ``mode`` says, changing ``pass_hashed`` with the passwords.

    "hashed": every plain-text password is bcrypt-hashed (so each user logs in as before), a hash pasted in the
    wrong form is stored right, and a plain-text password left in a hashed file (no login worked) is hashed as
    the text it is. "plain": only when no password is hashed yet, since a hash cannot be turned back into its
    password."""
    if mode not in PASSWORD_MODES:
        raise UsageError(f"MODE {mode!r} is not one of {', '.join(PASSWORD_MODES)}", "use hashed or plain")
    cost = _check_cost(False, rounds)
    outcome = Outcome()
    with options.transaction() as tx:
        target = _open(options, tx)
        rules = Rules(target.snapshot, [FIXED])
        if mode == "plain":
            _to_plain(target, outcome)
        elif target.hashed:
            _repair_hashed(target, cost, progress, outcome)
        else:
            _migrate(target, cost, progress, outcome)
        merged = _check_takes_effect(target, options, hashed=mode == "hashed", enabled=False)
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    env = _env_view(merged, options, outcome)
    _warn_overridden(env, merged, target, (USERS, PASS_HASHED), outcome)
    target.note_where(outcome)
    return outcome


def _repair_hashed(target: _Target, rounds: int, progress: Progress | None, outcome: Outcome) -> None:
    """A hashed file: store right each hash pasted in the wrong form, hash each password left as plain text."""
    pending, repaired = [], 0
    for index, who, value in _passwords(target):
        if _is_some_hash(value):
            repaired += _store_repaired(target, index, who, value, outcome)
            continue
        _check_hashable(target, who, value)
        pending.append((index, who, value))
    _store_hashes(target, pending, rounds, progress)
    if pending:
        names = ", ".join(repr(who) for _, who, _ in pending)
        outcome.warnings.append(
            f"the password(s) of {names} were plain text in a file of hashes, so no login worked; they are hashed "
            "now, as the text they were: tell the user(s), or set new ones with clearml-cfg passwd"
        )
    if not repaired and not pending:
        outcome.notes.append(f"every password in {target.file.path} is already a bcrypt hash: nothing to change")


def _to_plain(target: _Target, outcome: Outcome) -> None:
    """pass_hashed false, when no password is a hash (plain text left in a hashed file is then read as the
    text it is): a hash cannot be turned back into its password."""
    if not target.hashed:
        outcome.notes.append(f"{target.file.path} already stores plain-text passwords: nothing to change")
        return
    hashes = [who for _, who, value in _passwords(target) if _is_some_hash(value)]
    if hashes:
        names = ", ".join(repr(who) for who in hashes)
        raise UsageError(
            f"cannot store the passwords of {target.file.path} as plain text: {names} "
            f"{'has a bcrypt hash' if len(hashes) == 1 else 'have bcrypt hashes'}, and a "
            "hash cannot be turned back into its password",
            "keep pass_hashed: true (a new password for a user: clearml-cfg passwd USERNAME)",
        )
    target.edit("set pass_hashed", lambda: target.document.set((*target.base, "pass_hashed"), False))
    outcome.warnings.append(
        "passwords will be stored as plain text: whoever can read the file can read them "
        "(add-user without --plaintext switches the file back to hashes)"
    )


def change_password(
    options: Options,
    username: str,
    password: str,
    *,
    rounds: int | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Change one password, in the file's current mode (a bcrypt hash, or plain text when pass_hashed is false)."""
    check_new_password(password)
    cost = DEFAULT_ROUNDS if rounds is None else rounds
    check_rounds(cost)
    outcome = Outcome()
    with options.transaction() as tx:
        target = _open(options, tx)
        rules = Rules(target.snapshot, [FIXED])
        index = _find(target, username)
        hashed = target.hashed
        if hashed:
            stored = hash_password(password, cost)
        else:
            stored = password
            outcome.warnings.append(
                f"the password of {username!r} is stored as plain text, like the others (pass_hashed is false)"
                + ("; --rounds is not used" if rounds is not None else "")
            )
        target.edit(
            f"change the password of {username!r}",
            lambda: target.document.set((*target.base, "users", index, "password"), stored),
        )
        merged = _check_takes_effect(target, options, hashed=hashed, enabled=False)
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    env = _env_view(merged, options, outcome)
    _warn_overridden(env, merged, target, (USERS, PASS_HASHED), outcome)
    enabled = env.value(ENABLED, False) if env is not None else target.enabled
    if enabled is not True:
        variable = env.variable(ENABLED) if env is not None else None
        origin = f", from {variable}" if variable else ""
        outcome.notes.append(
            f"fixed users are not enabled ({format_path(ENABLED)}{origin}): the server does not use this list"
        )
    target.note_where(outcome)
    return outcome


def remove_user(options: Options, username: str, *, missing_ok: bool = False) -> Outcome:
    """Remove every entry of ``username``; the server deletes the user at its next start (by default).

    No such user: NotSet (exit 1), or with ``missing_ok`` a note and nothing written."""
    outcome = Outcome()
    with options.transaction() as tx:
        target = _open(options, tx)
        rules = Rules(target.snapshot, [FIXED])
        found = target.indexes(username)
        if not found and missing_ok:
            outcome.notes.append(f"there is no user {username!r} in {target.file.path}; nothing to do")
            return outcome
        if not found:
            raise NotSet(
                f"there is no user {username!r} in {target.file.path}",
                "see the users with: clearml-cfg list-users",
            )
        for index in reversed(found):
            target.edit(f"remove {username!r}", partial(target.document.remove, (*target.base, "users"), index))
        merged = _check_takes_effect(target, options, hashed=None, enabled=False)
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
        left = len(target.users) - len(found)
    if len(found) > 1:
        outcome.notes.append(f"removed the {len(found)} entries of {username!r}")
    env = _env_view(merged, options, outcome)
    _warn_overridden(env, merged, target, (USERS,), outcome)
    server = env.tree if env is not None else merged  # what the server reads once it restarts
    delete = lookup(server, DELETE_MISSING, MISSING)
    variable = env.variable(DELETE_MISSING) if env is not None else None
    origin = f", set by {variable}" if variable else " by default" if delete is MISSING else " in the configuration"
    if delete is MISSING or delete:
        outcome.warnings.append(
            f"the server deletes the user {username!r} at its next start "
            f"({format_path(DELETE_MISSING)} is true{origin})"
        )
    else:
        outcome.notes.append(
            f"{username!r} stays in the server's database ({format_path(DELETE_MISSING)} is false{origin}), "
            "but cannot log in with a password any more"
        )
    target.note_where(outcome)
    if left == 0 and lookup(server, ENABLED, MISSING) is True:
        outcome.warnings.append("no fixed user is left: nobody can log in to the web app")
    return outcome
