"""The settings clearml-cfg knows: type, documented default, validation and whether the value is a secret.

Patterns are key paths where ``*`` matches any one key and ``[]`` any list element. Defaults are the server's
own (clearml-server 2.3 ``config/default``); a test checks them against ``../shared/reference``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..hocon import KeyPath, Period, format_path

NO_DEFAULT: Any = object()

# werkzeug's Response.set_cookie parameters, minus `key` and `value` which the server passes itself
COOKIE_KEYS = ("max_age", "expires", "path", "domain", "secure", "httponly", "samesite", "partitioned")
# flask-cors CORS(...) options
CORS_KEYS = (
    "origins",
    "methods",
    "expose_headers",
    "allow_headers",
    "supports_credentials",
    "max_age",
    "send_wildcard",
    "vary_header",
    "automatic_options",
    "allow_private_network",
    "resources",
    "intercept_exceptions",
    "always_send",
)
USER_KEYS_REQUIRED = ("username", "password", "name")
USER_KEYS_OPTIONAL = ("company", "is_guest")
UI_ACTION_OBJECTS = ("project", "task", "model", "dataview", "queue")
UI_ACTION_METHODS = ("GET", "POST", "DELETE")

Validator = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Setting:
    pattern: tuple[str, ...]
    kind: str  # human-readable type, used in messages
    default: Any = NO_DEFAULT
    secret: bool = False
    doc: str = ""
    check: Validator | None = None
    keys: tuple[str, ...] | None = None  # for objects: the keys the server accepts

    def matches(self, path: KeyPath) -> bool:
        if len(path) != len(self.pattern):
            return False
        for segment, wanted in zip(path, self.pattern, strict=True):
            if wanted == "[]":
                if not isinstance(segment, int):
                    return False
            elif wanted != "*" and segment != wanted:
                return False
        return True


# --- validators -------------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Period):
        return f"the duration {value.text!r}"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"the {type(value).__name__} {value!r}"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {_describe(value)}"


def string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be a string, not {_describe(value)}"


#: The longest wait a ``*_sec`` setting takes: ten years. timedelta itself stops at 999999999 days, date arithmetic
#: and sleeping much sooner (year 1, ~292 years); a watchdog that should never act is disabled instead.
MAX_SECONDS = 3650 * 86400


def seconds(value: Any) -> str | None:
    """A positive whole number of seconds: the server passes it to ``timedelta(seconds=...)`` and compares."""
    if isinstance(value, Period):
        total = value.seconds()
        shown = f"{int(total)}" if total and total == int(total) else "a number"
        return f"must be a number of seconds, not the duration {value.text!r} (write {shown})"
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"must be a whole number of seconds (write {int(value)}, not {value})"
    if not _is_int(value):
        return f"must be a whole number of seconds, not {_describe(value)}"
    if value <= 0:
        return f"must be a positive number of seconds, not {value}"
    if value > MAX_SECONDS:
        return f"must be at most {MAX_SECONDS} seconds (10 years), not {value}: the server cannot wait that long"
    return None


def whole_number(value: Any) -> str | None:
    return None if _is_int(value) else f"must be a whole number, not {_describe(value)}"


def port(value: Any) -> str | None:
    if not _is_int(value) or not 1 <= value <= 65535:
        return f"must be a port number from 1 to 65535, not {_describe(value)}"
    return None


def samesite(value: Any) -> str | None:
    if value is None or value in ("Lax", "Strict", "None"):
        return None
    return f"must be Lax, Strict, None or null, not {_describe(value)}"


def cookie_domain(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return f"must be a domain, a list of domains or null, not {_describe(value)}"


def origins(value: Any) -> str | None:
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return None
    return f'must be "*", an origin such as "https://app.example.com", or a list of origins, not {_describe(value)}'


def user_entry(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be an object {{ username, password, name }}, not {_describe(value)}"
    missing = [k for k in USER_KEYS_REQUIRED if k not in value]
    if missing:
        return f"is missing {', '.join(missing)} (the server fails every fixed-user login without them)"
    unknown = [k for k in value if k not in USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL]
    if unknown:
        allowed = ", ".join(USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL)
        return f"has keys the server rejects: {', '.join(unknown)} (allowed: {allowed})"
    return None


def user_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of users, not {_describe(value)}"
    names = [u.get("username") for u in value if isinstance(u, dict)]
    duplicates = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if duplicates:
        return f"lists {', '.join(duplicates)} more than once (the server then creates no fixed user at all)"
    return None


def username(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string (quote it), not {_describe(value)}"
    if not value:
        return "must not be empty"
    if ":" in value:
        return "must not contain ':' (the login form cannot send it)"
    return None


def password(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string (quote it: an unquoted number can never match), not {_describe(value)}"
    if not value:
        return "must not be empty"
    return None


def ui_actions(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be an object keyed by {', '.join(UI_ACTION_OBJECTS)}, not {_describe(value)}"
    return None


def ui_action_list(value: Any) -> str | None:
    return None if isinstance(value, list) else f"must be a list of actions, not {_describe(value)}"


def http_method(value: Any) -> str | None:
    if value in UI_ACTION_METHODS:
        return None
    return f"must be one of {', '.join(UI_ACTION_METHODS)}, not {_describe(value)}"


def _object_of(keys: tuple[str, ...], what: str) -> Validator:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"must be an object of {what}, not {_describe(value)}"
        return None

    return check


# --- the registry -----------------------------------------------------------------------------------------

#: The sections the tool has commands for, named once for the whole package.
WATCHDOG: tuple[str, ...] = ("services", "tasks", "non_responsive_tasks_watchdog")
FIXED_USERS: tuple[str, ...] = ("apiserver", "auth", "fixed_users")
FIXED_USERS_LIST: tuple[str, ...] = (*FIXED_USERS, "users")
COOKIES: tuple[str, ...] = ("apiserver", "auth", "cookies")
UI_ACTIONS: tuple[str, ...] = ("services", "organization", "ui_actions")
UI_ACTIONS_ENTERPRISE = "custom UI actions are a ClearML Enterprise feature: the open-source server ignores them"

SETTINGS: tuple[Setting, ...] = (
    # web login (SERVER-SEMANTICS §5); the default apiserver.conf has the block commented out
    Setting(FIXED_USERS, "object", doc="web-login users defined in the configuration"),
    Setting((*FIXED_USERS, "enabled"), "boolean", False, check=boolean, doc="log in with the fixed users only"),
    Setting(
        (*FIXED_USERS, "pass_hashed"), "boolean", False, check=boolean, doc="passwords are base64 of bcrypt hashes"
    ),
    Setting((*FIXED_USERS, "users"), "list of users", check=user_list),
    Setting((*FIXED_USERS, "users", "[]"), "user", check=user_entry, keys=USER_KEYS_REQUIRED + USER_KEYS_OPTIONAL),
    Setting((*FIXED_USERS, "users", "[]", "username"), "string", check=username),
    Setting((*FIXED_USERS, "users", "[]", "password"), "string", secret=True, check=password),
    Setting((*FIXED_USERS, "users", "[]", "name"), "string", check=string),
    Setting((*FIXED_USERS, "users", "[]", "company"), "string", check=string),
    Setting((*FIXED_USERS, "users", "[]", "is_guest"), "boolean", check=boolean),
    Setting(("apiserver", "auth", "delete_missing_autocreated_users"), "boolean", True, check=boolean),
    # cookies (§6): passed to werkzeug's set_cookie
    Setting(COOKIES, "object", check=_object_of(COOKIE_KEYS, "cookie settings"), keys=COOKIE_KEYS),
    Setting((*COOKIES, "httponly"), "boolean", True, check=boolean),
    Setting((*COOKIES, "secure"), "boolean", False, check=boolean),
    Setting((*COOKIES, "domain"), "domain", None, check=cookie_domain),
    Setting((*COOKIES, "samesite"), "Lax, Strict or None", "Lax", check=samesite),
    Setting((*COOKIES, "max_age"), "whole number", 99999999999, check=whole_number),
    Setting(("apiserver", "auth", "token_secret"), "string", secret=True),
    # CORS (§6): passed to flask-cors; the file server reads its own section
    Setting(("apiserver", "cors"), "object", check=_object_of(CORS_KEYS, "flask-cors options"), keys=CORS_KEYS),
    Setting(("apiserver", "cors", "origins"), "origins", "*", check=origins),
    Setting(("apiserver", "cors", "supports_credentials"), "boolean", True, check=boolean),
    Setting(("fileserver", "cors"), "object", check=_object_of(CORS_KEYS, "flask-cors options"), keys=CORS_KEYS),
    Setting(("fileserver", "cors", "origins"), "origins", "*", check=origins),
    Setting(("fileserver", "cors", "supports_credentials"), "boolean", check=boolean),
    # the non-responsive task watchdog (§6)
    Setting((*WATCHDOG, "enabled"), "boolean", True, check=boolean),
    Setting((*WATCHDOG, "threshold_sec"), "seconds", 7200, check=seconds),
    Setting((*WATCHDOG, "watch_interval_sec"), "seconds", 900, check=seconds),
    # custom UI context-menu actions (Enterprise)
    Setting(("services", "organization", "ui_actions"), "object", check=ui_actions, keys=UI_ACTION_OBJECTS),
    Setting(("services", "organization", "ui_actions", "*"), "list of actions", check=ui_action_list),
    Setting(("services", "organization", "ui_actions", "*", "[]", "name"), "string", check=string),
    Setting(
        ("services", "organization", "ui_actions", "*", "[]", "action", "method"), "HTTP method", check=http_method
    ),
    Setting(("services", "organization", "ui_actions", "*", "[]", "action", "url"), "string", check=string),
    # ports and hosts
    Setting(("apiserver", "listen", "ip"), "string", "0.0.0.0", check=string),
    Setting(("apiserver", "listen", "port"), "port", 8008, check=port),
    Setting(("hosts", "fileserver"), "string", "http://localhost:8081", check=string),
    # system secrets (secure.conf)
    Setting(("secure", "http", "session_secret", "*"), "string", secret=True),
    Setting(("secure", "auth", "token_secret"), "string", secret=True),
    Setting(("secure", "credentials", "*", "user_key"), "string", secret=True),
    Setting(("secure", "credentials", "*", "user_secret"), "string", secret=True),
)

# Names that hold secrets wherever they appear (storage credentials, custom sections, ...).
_SECRET_NAMES = re.compile(
    r"^(password|passwd|.*_password|.*_passwd|secret|.*_secret|secret_.*|token|.*_token|access_key|.*_access_key|"
    r"secret_key|.*_secret_key|account_key|api_key|.*_api_key|private_key|user_key|key|credentials_json)$",
    re.IGNORECASE,
)
# HTTP headers that carry credentials (a UI action's `action.headers`): the value is a secret.
_SECRET_HEADER = re.compile(r"^(?:set-)?cookie$|token|secret|key|password|passwd|auth", re.IGNORECASE)
# `key` alone is a secret only under credential-ish sections (not e.g. `hyperparam_values.cache_key`)
_KEY_IS_SECRET_UNDER = ("credentials", "storage_credentials", "s3", "aws", "azure", "google", "gs")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)(?P<secret>[^@/\s]+)(?P<tail>@)", re.IGNORECASE)

MASK = "********"


def setting_for(path: KeyPath) -> Setting | None:
    if not path:
        return None
    last = path[-1]
    for setting in _candidates(len(path), last if isinstance(last, str) else None):
        if setting.matches(path):
            return setting
    return None


@functools.lru_cache(maxsize=1024)
def _candidates(length: int, last: str | None) -> tuple[Setting, ...]:
    """The settings that can match a path of this length and last key (None: a list index), in table order.

    Masking a large file asks for every key of it; most keys have no setting at all.
    """
    wanted = ("*", "[]") if last is None else ("*", last)
    return tuple(s for s in SETTINGS if len(s.pattern) == length and s.pattern[-1] in wanted)


def is_secret(path: KeyPath) -> bool:
    setting = setting_for(path)
    if setting is not None and setting.secret:
        return True
    if not path or not isinstance(path[-1], str):
        return False
    name = path[-1]
    if len(path) > 1 and path[-2] == "headers":
        return bool(_SECRET_HEADER.search(name))
    if name.lower() == "key":
        return any(isinstance(p, str) and p.lower() in _KEY_IS_SECRET_UNDER for p in path[:-1])
    return bool(_SECRET_NAMES.match(name))


def mask_url_password(text: str) -> str:
    """``mongodb://user:pw@host`` -> ``mongodb://user:********@host``."""
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK + m.group("tail"), text)


def url_passwords(text: str) -> Iterator[tuple[int, int]]:
    """Where the passwords inside URLs are in ``text`` (start and end offsets)."""
    for m in _URL_PASSWORD.finditer(text):
        yield m.start("secret"), m.end("secret")


def masked(value: Any, path: KeyPath = ()) -> Any:
    """A copy of ``value`` (found at ``path``) with every secret replaced by ``********``.

    Everything under a secret key is secret too (`session_secret { apiserver: ... }`, `password: ["a", "b"]`).
    """
    return _masked(value, path, any(is_secret(path[:i]) for i in range(1, len(path))))


def _masked(value: Any, path: KeyPath, inherited: bool) -> Any:
    secret = inherited or is_secret(path)
    if secret and not isinstance(value, (dict, list)) and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: _masked(v, (*path, k), secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, (*path, i), secret) for i, v in enumerate(value)]
    if isinstance(value, str):
        return mask_url_password(value)
    return value


def holds_secret(value: Any, path: KeyPath) -> bool:
    """Whether ``value``, written at ``path``, holds a secret anywhere (the file then gets mode 0600)."""
    return any(is_secret(where) for where, _ in walk(value, path))


def walk(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def problems(path: KeyPath, value: Any) -> list[tuple[KeyPath, str]]:
    """What is wrong with setting ``path`` to ``value``, checking every known key inside the value too."""
    found: list[tuple[KeyPath, str]] = []
    parent = setting_for(path[:-1]) if path else None
    if parent is not None and parent.keys is not None and isinstance(path[-1], str) and path[-1] not in parent.keys:
        import difflib

        close = difflib.get_close_matches(path[-1], parent.keys, n=1)
        suggestion = f"; did you mean {close[0]}?" if close else f" (accepted: {', '.join(parent.keys)})"
        found.append((path[:-1], f"does not accept the key {path[-1]!r}{suggestion}"))
    for where, item in walk(value, path):
        setting = setting_for(where)
        if setting is None:
            continue
        if setting.check is not None:
            message = setting.check(item)
            if message:
                found.append((where, message))
                continue
        if setting.keys is not None and isinstance(item, dict):
            unknown = ", ".join(k for k in item if k not in setting.keys)
            if unknown:
                accepted = ", ".join(setting.keys)
                found.append((where, f"has keys the server does not accept: {unknown} (accepted: {accepted})"))
    return found


def validate(path: KeyPath, value: Any) -> None:
    found = problems(path, value)
    if found:
        where, message = found[0]
        setting = setting_for(where)
        hint = f"{format_path(where)} takes {setting.kind}" if setting else None
        raise UsageError(f"{format_path(where)} {message}", hint)
