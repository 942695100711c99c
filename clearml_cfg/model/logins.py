"""How the server judges a web-login user (SERVER-SEMANTICS §5): what a stored password is (bcrypt, plain,
broken), what an entry of the list needs, duplicate usernames, and how a password is hashed for it.

The rules `list-users`, `verify-password`, the users commands and `check` share. bcrypt is imported only by the
function that hashes: judging a list never loads it.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from typing import Any

from ..errors import UsageError
from ..hocon import KeyPath, Unresolved, format_path
from .keys import MISSING
from .login import not_sendable, truthy
from .passwords import DEFAULT_ROUNDS as DEFAULT_ROUNDS  # the cost rules and the hash: passwords.py, which
from .passwords import check_rounds as check_rounds  # add-user loads before the rest of the tool
from .passwords import hash_password as hash_password
from .schema import FIXED_USERS_LIST, USER_KEYS_OPTIONAL, USER_KEYS_REQUIRED

#: A bcrypt hash as bcrypt.hashpw returns it: $2a$/$2b$/$2y$, a two-digit cost, 22 characters of salt, 31 of hash
_BCRYPT = re.compile(rb"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")


#: What `print(base64.b64encode(...))` shows, pasted whole: b'...'
_WRAPPER = re.compile(r"""b(['"])(.*)\1""", re.DOTALL)


def describe(value: Any, *, quote: bool = False) -> str:
    """What ``value`` is; a string is quoted only with ``quote`` (a password's text is never shown)."""
    if quote and isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Unresolved):
        return "computed by a substitution"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    return f"a {type(value).__name__}"


def secret_kind(value: Any) -> str:
    """What a stored password is, never what it says: an unquoted 12345678 is "a number", not the number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return describe(value)


def decodes_to_bcrypt(value: Any) -> bool:
    """Whether the server's ``base64.b64decode(stored)`` yields a bcrypt hash that ``checkpw`` accepts."""
    try:
        decoded = base64.b64decode(value)
    except (TypeError, ValueError):  # binascii.Error is a ValueError
        return False
    return _BCRYPT.fullmatch(decoded) is not None


def _is_raw_bcrypt(text: str) -> bool:
    return _BCRYPT.fullmatch(text.encode("utf-8", "replace")) is not None


def looks_hashed(text: str) -> str | None:
    """Why ``text`` looks like a bcrypt hash in some form, or None."""
    wrapped = _WRAPPER.fullmatch(text)
    if wrapped:
        return "a b'...' wrapper around a hash"
    if _is_raw_bcrypt(text):
        return "a raw $2b$ bcrypt hash"
    if decodes_to_bcrypt(text):
        return "a bcrypt hash"
    return None


def broken_hash_reason(value: Any) -> str:
    """Why a value stored with ``pass_hashed: true`` is not base64 of a bcrypt hash."""
    if not isinstance(value, str):
        return f"the stored password is {secret_kind(value)}, not base64 of a bcrypt hash"
    if _WRAPPER.fullmatch(value):
        return "the stored password was pasted with its b'...' wrapper: store only the text between the quotes"
    if _is_raw_bcrypt(value):
        return "the stored password is a raw $2b$ bcrypt hash: the server wants it base64-encoded"
    if not value:
        return "the stored password is empty"
    return "the stored password is not base64 of a bcrypt hash (plain text with pass_hashed: true?)"


def repaired_hash(value: Any) -> str | None:
    """What the server wants for a hash pasted in the wrong form: the text inside a b'...' wrapper, or a raw
    $2b$ hash base64-encoded; None when ``value`` is not such a case."""
    if not isinstance(value, str):
        return None
    wrapped = _WRAPPER.fullmatch(value)
    inner = wrapped.group(2) if wrapped else value
    if wrapped and decodes_to_bcrypt(inner):
        return inner
    if _is_raw_bcrypt(inner):
        return base64.b64encode(inner.encode("utf-8")).decode("ascii")
    return None


def password_kind(value: Any, hashed: bool) -> tuple[str, list[str]]:
    """How the server treats a stored password: "bcrypt", "plain" or "broken", with the problems found."""
    if hashed:
        if isinstance(value, str) and decodes_to_bcrypt(value):
            return "bcrypt", []
        return "broken", [broken_hash_reason(value) + ": login fails with a server error"]
    if not isinstance(value, str):
        hint = " (unquoted)" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        return "broken", [f"the password is {secret_kind(value)}{hint}: it never equals a typed password; quote it"]
    if not value:
        return "plain", ["the password is empty"]
    if not_sendable(value) is not None:
        return "broken", ["the password has a character above U+00FF, which a login cannot carry: it never matches"]
    looks = looks_hashed(value)
    if looks:
        return "plain", [f"the password looks like {looks}, but pass_hashed is false: the login compares it as text"]
    return "plain", []


def entry_problems(entry: dict[str, Any]) -> list[str]:
    """What is wrong with one entry of the list, its password aside."""
    found = []
    missing = [k for k in USER_KEYS_REQUIRED if k not in entry]
    if missing:
        found.append(f"missing {', '.join(missing)}: every fixed-user login fails")
    unknown = [k for k in entry if k not in USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL]
    if unknown:
        found.append(f"the server rejects the key(s) {', '.join(unknown)}: every fixed-user login fails")
    name = entry.get("username", MISSING)
    if name is not MISSING:
        if not isinstance(name, str):
            found.append(f"the username is {describe(name)}: it never matches a login; quote it")
        elif not name:
            found.append("the username is empty")
        elif not name.strip():
            found.append("the username is only blanks")
        elif any(unicodedata.category(c) in CONTROL for c in name):
            found.append("the username contains a control character, which nobody can type at the login form")
        elif ":" in name:
            found.append("the username contains ':': the server splits a login at its first ':', so it never logs in")
        elif (char := not_sendable(name)) is not None:
            found.append(f"the username has {char}: a login cannot carry characters above U+00FF, so it never logs in")
    for key in ("name", "company"):
        if key in entry and not isinstance(entry[key], str):
            found.append(
                f"{key} is {describe(entry[key])}, not a string: the server fails to create this user, "
                "who cannot log in"
            )
    if "is_guest" in entry and not isinstance(entry["is_guest"], bool):
        found.append(f"is_guest is {describe(entry['is_guest'])}, not true or false")
    return found


def duplicate_usernames(users: list[Any]) -> dict[Any, int]:
    """Usernames listed more than once, as the server's ``validate()`` counts them: in a set, so numbers count
    (`12345` twice) and 1, 1.0 and true are one name. The server then creates no fixed user at all."""
    counts: dict[Any, int] = {}
    for entry in users:
        if isinstance(entry, dict) and hashable(entry.get("username")):
            counts[entry.get("username")] = counts.get(entry.get("username"), 0) + 1
    return {name: count for name, count in counts.items() if count > 1}


def hashable(value: Any) -> bool:
    """Whether the server's set of usernames can hold ``value`` (an object or a list fails its validate()); a
    value not computed yet (a substitution in a file's own reading) is none the set could count."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


#: Unicode categories no login form can send: control characters (newline, tab, ...) and line separators
CONTROL = ("Cc", "Zl", "Zp")


def refuse_password_edit(path: tuple[str | int, ...], username: Any, force: bool) -> None:
    """A user's password is passwd's to write: in the file's mode (a bcrypt hash when pass_hashed is true) and
    from a prompt or stdin, never the command line. ``set`` writes VALUE as it is, so it is refused there."""
    if force or len(path) != len(FIXED_USERS_LIST) + 2 or path[: len(FIXED_USERS_LIST)] != FIXED_USERS_LIST:
        return
    if not isinstance(path[-2], int) or path[-1] != "password":
        return
    who = username if isinstance(username, str) and username and ":" not in username else "USERNAME"
    raise UsageError(
        f"{format_path(path)} is a web-login password: set would store VALUE as it is, as plain text even when "
        "the file stores bcrypt hashes, and VALUE is seen in the process list",
        f"clearml-cfg passwd {who} stores it in the file's mode from a prompt or stdin; --force writes VALUE as it is",
    )


def truth_problem(key: KeyPath, value: Any) -> str | None:
    """What the server makes of a switch that is not true or false: it tests it for truth."""
    if isinstance(value, bool):
        return None
    state = "on" if truthy(value) else "off"
    return (
        f"{format_path(key)} is {describe(value, quote=True)}, not true or false: the server tests it for truth, "
        f"so it is {state}"
    )
