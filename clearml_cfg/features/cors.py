"""CORS of the API server and of the file server (SERVER-SEMANTICS §6).

Each server hands its whole ``cors`` section to flask-cors: the API server reads ``apiserver.cors``
(``apiserver.conf``), the file server reads ``fileserver.cors`` (``fileserver.conf``). The ClearML docs say to edit
apiserver.conf for the file server; that changes nothing for it, so ``--component all`` (the default) writes both.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..hocon import KeyPath
from ..model.keys import MISSING
from .common import Options, Outcome, Row, current, invalid, rows, value_of, write_settings


@dataclass(frozen=True)
class Server:
    name: str  # the component, as in effective.compute
    title: str
    port: int

    @property
    def section(self) -> KeyPath:
        return (self.name, "cors")

    @property
    def file(self) -> str:
        return f"{self.name}.conf"


API = Server("apiserver", "the API server", 8008)
FILES = Server("fileserver", "the file server", 8081)
COMPONENTS: dict[str, tuple[Server, ...]] = {"all": (API, FILES), "apiserver": (API,), "fileserver": (FILES,)}

WILDCARD = "*"
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_EXAMPLE = "https://app.example.com"


def servers(component: str) -> tuple[Server, ...]:
    try:
        return COMPONENTS[component]
    except KeyError:
        raise UsageError(f"--component {component!r}: use {', '.join(COMPONENTS)}") from None


def check_origin(text: str) -> str:
    """``*`` or ``scheme://host[:port]``, as a browser sends it in the Origin header; the normalised form."""
    origin = text.strip()
    if origin == WILDCARD:
        return origin
    scheme, separator, rest = origin.partition("://")
    if not separator or not _SCHEME.fullmatch(scheme.lower()):
        raise UsageError(
            f"--allow-origin {text!r} is not an origin", f"write '*' or scheme://host[:port], e.g. {_EXAMPLE}"
        )
    for mark, what in (("/", "a path"), ("?", "a query"), ("#", "a fragment"), ("@", "user information")):
        if mark in rest:
            raise UsageError(
                f"--allow-origin {text!r} has {what}: a browser's Origin header is only scheme://host[:port], so it "
                "would never match",
                f"write {scheme}://{rest.split(mark)[0].rsplit('@', 1)[-1]}",
            )
    host, port = _split_port(rest, text)
    if not _valid_host(host):
        raise UsageError(f"--allow-origin {text!r}: {host!r} is not a host name or IP address", f"e.g. {_EXAMPLE}")
    shown_port = f":{port}" if port is not None else ""
    return f"{scheme.lower()}://{host.lower()}{shown_port}"


def _split_port(rest: str, text: str) -> tuple[str, int | None]:
    if rest.startswith("["):  # an IPv6 literal: [::1]:8080
        end = rest.find("]")
        host, after = (rest[: end + 1], rest[end + 1 :]) if end != -1 else (rest, "")
    elif rest.count(":") == 1:
        host, after = rest.split(":")[0], ":" + rest.split(":")[1]
    else:
        host, after = rest, ""
    if not after:
        return host, None
    digits = after[1:] if after.startswith(":") else None
    if digits is None or not digits.isdigit() or not 1 <= int(digits) <= 65535:
        raise UsageError(f"--allow-origin {text!r}: the port must be a number from 1 to 65535", f"e.g. {_EXAMPLE}:8080")
    return host, int(digits)


def _valid_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if not host or len(host) > 253:
        return False
    return all(_LABEL.fullmatch(label) for label in host.lower().split("."))


def origins_value(origins: list[str]) -> str | list[str]:
    """One origin is written as a string, several as a list (flask-cors takes either)."""
    checked = list(dict.fromkeys(check_origin(o) for o in origins))
    if WILDCARD in checked and len(checked) > 1:
        raise UsageError("--allow-origin '*' already allows every origin", "give either '*' or a list of origins")
    return checked[0] if len(checked) == 1 else checked


@dataclass
class State:
    rows: dict[str, list[Row]] = field(default_factory=dict)  # server name -> rows
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _allows_any(origins: Any) -> bool:
    return origins == WILDCARD or (isinstance(origins, list) and WILDCARD in origins)


def state(options: Options, component: str = "all") -> State:
    """Each server's effective CORS section, every value with its origin."""
    result = State()
    for server in servers(component):
        effective = current(options, server.name)
        keys = [(*server.section, "origins"), (*server.section, "supports_credentials")]
        section = value_of(effective, server.section)
        if isinstance(section, dict):
            keys += [(*server.section, k) for k in section if k not in ("origins", "supports_credentials")]
        found = rows(effective, keys)
        result.rows[server.name] = found
        result.warnings += invalid(found)
        if _allows_any(value_of(effective, keys[0])) and value_of(effective, keys[1]) is True:
            pair = [row for row in found if row.key[: len(keys[0])] in keys[:2]]
            defaults = all(row.origin is not None and row.origin.kind == "default" for row in pair)
            result.warnings.append(_wildcard_warning(server, defaults=defaults))
        if value_of(effective, (*server.section, "supports_credentials")) is MISSING:
            result.notes.append(
                f"{server.name}.cors.supports_credentials is not set: flask-cors then sends no credentials header"
            )
    return result


def _wildcard_warning(server: Server, *, defaults: bool = False) -> str:
    """The same words wherever the combination shows: the read view, a write, and check's finding."""
    whose = " (the server's defaults)" if defaults else ""
    return (
        f"{server.name}.cors allows any origin ('*') with credentials{whose}: browsers refuse credentials with a "
        "wildcard origin, so flask-cors echoes each request's origin instead and any web site can make "
        f"logged-in requests to {server.title}; name your origins, e.g. --allow-origin {_EXAMPLE}"
    )


def configure(options: Options, *, origins: list[str], credentials: bool | None, component: str) -> Outcome:
    """Write origins and/or supports_credentials for each server ``component`` names."""
    value = origins_value(origins) if origins else None
    targets = servers(component)
    values: dict[KeyPath, Any] = {}
    for server in targets:
        origins_key: KeyPath = (*server.section, "origins")
        credentials_key: KeyPath = (*server.section, "supports_credentials")
        if value is not None:
            values[origins_key] = value
        if credentials is not None:
            values[credentials_key] = credentials
    outcome, after = write_settings(options, values)
    for server in targets:
        effective = current(after, server.name, for_write=True)
        final_origins = value if value is not None else value_of(effective, (*server.section, "origins"))
        final_credentials = (
            credentials if credentials is not None else value_of(effective, (*server.section, "supports_credentials"))
        )
        if _allows_any(final_origins) and final_credentials is True:
            outcome.warnings.append(_wildcard_warning(server))
    for change in outcome.changes:
        relative = change.path.relative_to(os.path.abspath(options.dirs.write_dir))
        reader = next((s for s in targets if relative.parts[0].removesuffix(".conf") == s.name), None)
        if reader is None:
            continue
        note = f"{relative.as_posix()} configures CORS of {reader.title} (port {reader.port})"
        if reader is FILES:
            note += ": the file server never reads apiserver.conf, whatever the ClearML docs page says"
        outcome.notes.append(note)
    return outcome
