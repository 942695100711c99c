"""The settings clearml-cfg knows: type, documented default, validation and whether the value is a secret.

Patterns are key paths where ``*`` matches any one key and ``[]`` any list element. Defaults are the server's
own (clearml-server 2.3 ``config/default``); a test checks them against ``../shared/reference``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import InvalidValue
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
        return f"must be a number of seconds, not the duration {value.text!r}"
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

# Names that hold secrets wherever they appear (storage credentials, custom sections, ...), compared in lower case
# with '-' read as '_' (`api-key` is `api_key`): a name, or a name ending in `_` and one of them (not so for
# `credentials`: flask-cors's `supports_credentials` is a boolean).
_SECRET_WORDS = (
    "password|passwd|pass|pwd|passphrase|secret|token|bearer|credentials_json|connection_string|http_auth|"
    "api_key|apikey|access_key|accesskey|secret_key|secretkey|account_key|private_key|user_key"
)
_SECRET_NAMES = re.compile(rf"^(?:key|credentials|secret_.+|(?:.+_)?(?:{_SECRET_WORDS}))$")
# HTTP headers that carry credentials (a UI action's `action.headers`): the value is a secret.
_SECRET_HEADER = re.compile(r"^(?:set-)?cookie$|token|secret|key|password|passwd|auth", re.IGNORECASE)
# `key` alone is a secret only under credential-ish sections (not e.g. `hyperparam_values.cache_key`)
_KEY_IS_SECRET_UNDER = ("credentials", "storage_credentials", "s3", "aws", "azure", "google", "gs")
# What a value holds, whatever its key: a password in a URL (`mongodb://user:PW@host`), a secret query parameter
# (`?token=X`, `&api-key=X`), an HTTP credential (`Bearer X`, `Basic X`). Each is found from a fixed anchor with
# patterns that stop at the next '/', '&' or blank, so that finding them all takes time linear in the text.
_URL_USERINFO = re.compile(r"[^/\s:@]*:(?P<secret>[^@/\s]+)@")
_SCHEME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_QUERY_SECRET = re.compile(
    rf"[?&](?:[a-z0-9_.-]*[_.-])?(?:{_SECRET_WORDS}|api-key|access-token|signature|sig)=(?P<secret>[^&#\s\"']+)",
    re.IGNORECASE,
)
# a secret assigned inside a value: a connection string (`Server=db;Password=PW;`), a `password: PW` that the
# parser took as the value of the key above it
_ASSIGNED_SECRET = re.compile(
    r"(?<![A-Za-z0-9_])(?:password|passwd|pwd|pass|passphrase|secret|token|api[-_]?key|access[-_]?key|"
    r"secret[-_]?key)[ \t]*[:=][ \t]*(?P<secret>\"[^\"\n]*\"?|[^\s;,&#\"']+)",
    re.IGNORECASE,
)
# an HTTP credential holds a digit (base64, JWT, hex): "basic settings" in a comment is no credential
_HTTP_CREDENTIAL = re.compile(r"\b(?:bearer|basic)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{8,})", re.IGNORECASE)

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
    if not path:
        return False
    return _named_secret(path[-1], path[-2] if len(path) > 1 else None, path[:-1])


def _named_secret(name: object, parent: object, above: KeyPath) -> bool:
    """Whether the key ``name`` (below ``parent``, itself below the keys ``above``) holds a secret by its name."""
    if not isinstance(name, str):
        return False
    if parent == "headers":
        return bool(_SECRET_HEADER.search(name))
    if name.lower() == "key":
        return any(isinstance(p, str) and p.lower() in _KEY_IS_SECRET_UNDER for p in above)
    return bool(_SECRET_NAMES.match(name.lower().replace("-", "_")))


_LONGEST_SETTING = max(len(s.pattern) for s in SETTINGS)


def secret_at_or_above(path: KeyPath, start: int = 0) -> bool:
    """Whether ``path[: i + 1]`` is secret for some ``i >= start`` (a value below a secret key is secret too), in
    time linear in the length of ``path``: a dotted key of 100,000 segments is read in an error excerpt."""
    credentials = False  # a key above is one under which `key` is a secret
    for i, name in enumerate(path):
        if i >= start:
            if i < _LONGEST_SETTING:
                setting = setting_for(path[: i + 1])
                if setting is not None and setting.secret:
                    return True
            if isinstance(name, str) and name.lower() == "key" and i > 0 and path[i - 1] != "headers":
                if credentials:
                    return True
            elif _named_secret(name, path[i - 1] if i else None, ()):
                return True
        credentials = credentials or (isinstance(name, str) and name.lower() in _KEY_IS_SECRET_UNDER)
    return False


def mask_url_password(text: str) -> str:
    """``mongodb://user:pw@host`` -> ``mongodb://user:********@host``."""
    return _replace(text, list(url_passwords(text)))


def url_passwords(text: str) -> Iterator[tuple[int, int]]:
    """Where the passwords inside URLs are in ``text`` (start and end offsets), in time linear in its length."""
    at = text.find("://")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _SCHEME_CHARACTERS:
            start -= 1
        if any(c.isalpha() for c in text[start:at]):
            m = _URL_USERINFO.match(text, at + 3)
            if m is not None:
                yield m.start("secret"), m.end("secret")
        at = text.find("://", at + 3)


def value_secrets(text: str) -> list[tuple[int, int]]:
    """Where a value holds a secret by what it is, whatever its key: passwords in URLs, secret query parameters,
    HTTP credentials (``embedded_secrets``), and secrets assigned inside it (`Server=db;Password=PW`, or
    `password: PW` that the parser took as the value of the key above it). Sorted, without overlaps."""
    found = embedded_secrets(text)
    if ":" in text or "=" in text:
        found.extend(assigned_secrets(text))
    return _merged(found)


def embedded_secrets(text: str) -> list[tuple[int, int]]:
    """Passwords in URLs, secret query parameters and HTTP credentials in ``text`` (a value, or a whole file: none
    of them depends on the key they are written under). Sorted, without overlaps."""
    found = list(url_passwords(text))
    if "=" in text:
        found.extend(m.span("secret") for m in _QUERY_SECRET.finditer(text))
    if any(word in text for word in ("earer", "EARER", "asic", "ASIC")):  # no need to scan megabytes without them
        found.extend(
            m.span("secret") for m in _HTTP_CREDENTIAL.finditer(text) if any(c.isdigit() for c in m.group("secret"))
        )
    return _merged(found)


def assigned_secrets(text: str) -> list[tuple[int, int]]:
    """Secrets assigned inside a text: `Password=PW;`, `token: T`."""
    return [m.span("secret") for m in _ASSIGNED_SECRET.finditer(text)]


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_value_secrets(text: str) -> str:
    """``text`` with every secret ``value_secrets`` finds replaced by ********."""
    return _replace(text, value_secrets(text))


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    pieces = []
    done = 0
    for start, end in spans:
        pieces += [text[done:start], MASK]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def masked(value: Any, path: KeyPath = ()) -> Any:
    """A copy of ``value`` (found at ``path``) with every secret replaced by ``********``.

    Everything under a secret key is secret too (`session_secret { apiserver: ... }`, `password: ["a", "b"]`).
    """
    return _masked(value, path, secret_at_or_above(path[:-1]))


def _masked(value: Any, path: KeyPath, inherited: bool) -> Any:
    secret = inherited or is_secret(path)
    if secret and not isinstance(value, (dict, list)) and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: _masked(v, (*path, k), secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, (*path, i), secret) for i, v in enumerate(value)]
    if isinstance(value, str):
        return mask_value_secrets(value)
    return value


def holds_secret(value: Any, path: KeyPath) -> bool:
    """Whether ``value``, written at ``path``, holds a secret anywhere, by its key or by what it is (the file
    then gets mode 0600)."""
    return any(
        is_secret(where) or (isinstance(item, str) and bool(value_secrets(item))) for where, item in walk(value, path)
    )


def walk(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean", Period: "a duration"}


class Problem(NamedTuple):
    """A value the server cannot use: where, what is wrong, the fix (the value to write, the key meant), and the
    code `check` reports it under (a write refused for it says the same code)."""

    where: KeyPath
    message: str
    hint: str
    code: str


#: The sections a finding's code is named after (``cookie-invalid-value``, ``watchdog-not-seconds``).
AREAS: tuple[tuple[tuple[str, ...], str], ...] = (
    (WATCHDOG, "watchdog"),
    (COOKIES, "cookie"),
    (("apiserver", "cors"), "cors"),
    (("fileserver", "cors"), "cors"),
    (FIXED_USERS, "fixed-user"),
    (UI_ACTIONS, "ui-action"),
    (("apiserver", "listen"), "listen"),
)


def area(path: KeyPath) -> str:
    for prefix, name in AREAS:
        if tuple(path[: len(prefix)]) == prefix:
            return name
    return "setting"


def invalid_code(path: KeyPath, setting: Setting) -> str:
    """The code of a value ``setting`` refuses at ``path``."""
    return f"{area(path)}-not-seconds" if setting.kind == "seconds" else f"{area(path)}-invalid-value"


def problems(path: KeyPath, value: Any) -> list[Problem]:
    """What is wrong with setting ``path`` to ``value``, checking every known key inside the value too."""
    found: list[Problem] = []
    parent = setting_for(path[:-1]) if path else None
    if parent is not None and parent.keys is not None and isinstance(path[-1], str) and path[-1] not in parent.keys:
        found.append(_unknown_key(path[:-1], path[-1], parent.keys))
    for where, item in walk(value, path):
        setting = setting_for(where)
        if setting is None:
            continue
        if setting.check is not None:
            message = setting.check(item)
            if message:
                hint = fix_hint(where, setting, item, inside=where != path)
                if setting.secret and not isinstance(item, (dict, list)):  # says what it is, not what it holds
                    message = message.replace(_describe(item), _KINDS.get(type(item), "another kind of value"))
                    hint = f"{format_path(where)} takes {setting.kind}"
                found.append(Problem(where, message, hint, invalid_code(where, setting)))
                continue
        if setting.keys is not None and isinstance(item, dict):
            unknown = [k for k in item if k not in setting.keys]
            if unknown:
                found.append(_unknown_key(where, unknown[0], setting.keys, also=unknown[1:]))
    return found


def _unknown_key(where: KeyPath, key: Any, accepted: tuple[str, ...], *, also: Sequence[Any] = ()) -> Problem:
    import difflib

    close = difflib.get_close_matches(str(key), accepted, n=1)
    more = f" (and {', '.join(map(str, also))})" if also else ""
    message = f"does not accept the key {key!r}{more}: the server cannot use it"
    hint = f"did you mean {format_path((*where, close[0]))}?" if close else f"it takes {', '.join(accepted)}"
    return Problem(where, message, hint, f"{area((*where, str(key)))}-unknown-key")


_TRUE_WORDS = frozenset({"true", "yes", "on", "y", "1", "enabled", "enable"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n", "0", "disabled", "disable"})


#: How a hint names what a kind of setting takes.
_TAKES = {
    "boolean": "true or false",
    "port": "a port number from 1 to 65535",
    "whole number": "a whole number",
    "seconds": "a whole number of seconds",
    "string": "a string",
    "domain": "a host name such as .example.com, a list of them, or null",
    "object": "an object of settings, { key: value, ... }",
    "list of users": "a list of users, [{ username, password, name }, ...]",
    "list of actions": "a list of actions, [{ name, action: { method, url } }, ...]",
}


def fix_hint(where: KeyPath, setting: Setting, item: Any, *, inside: bool = False) -> str:
    """The fix for a value ``setting`` refuses: the value to write when it can be told (``30d`` -> 2592000,
    ``yes`` -> true), else what it takes with an example. ``inside``: the value is part of a larger one being
    written, so the fix is to the text of that value, not a command of its own."""
    key = format_path(where)
    meant = meant_value(setting, item)
    if setting.check in (username, password, string) and not isinstance(item, (str, dict, list)) and item is not None:
        meant = '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if meant is not None:
        if inside:
            return f"write {where[-1]}: {meant} inside the value"
        typed = " --type string" if meant.startswith('"') else ""
        return f"write {meant}: clearml-cfg set {key} {shlex_quote(meant.strip(chr(34)) if typed else meant)}{typed}"
    example = setting.default if setting.default is not NO_DEFAULT and setting.default is not None else None
    if setting.check is boolean:
        example = True
    if isinstance(example, bool):
        example = str(example).lower()
    takes = _TAKES.get(setting.kind, setting.kind)
    if example is None or inside:
        return f"{key} takes {takes}"
    return f"{key} takes {takes}, e.g. clearml-cfg set {key} {shlex_quote(str(example))}"


def meant_value(setting: Setting, item: Any) -> str | None:
    """The value the user most likely meant, as text to write, or None."""
    if setting.check is boolean and isinstance(item, (str, int)):
        word = str(item).strip().lower()
        return "true" if word in _TRUE_WORDS else "false" if word in _FALSE_WORDS else None
    if setting.check in (seconds, whole_number, port):
        if isinstance(item, Period):
            total = item.seconds()
            number = int(total) if total is not None and total == int(total) else None
        elif isinstance(item, float) and math.isfinite(item) and item == int(item):
            number = int(item)
        elif isinstance(item, str) and item.strip().isdigit():
            number = int(item.strip())
        else:
            number = None
        if number is None or (setting.check is not whole_number and setting.check(number) is not None):
            return None
        return str(number)
    if setting.check is samesite and isinstance(item, str):
        return next((v for v in ("Lax", "Strict", "None") if v.lower() == item.strip().lower()), None)
    return None


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def validate(path: KeyPath, value: Any) -> None:
    """Refuse (InvalidValue, with the code `check` would report) a value the server cannot use."""
    found = problems(path, value)
    if found:
        where, message, hint, code = found[0]
        raise InvalidValue(f"{format_path(where)} {message}", hint, code=code)
