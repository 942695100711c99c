"""What a login cookie's domain must be (SERVER-SEMANTICS §6): a host name, shared by app., api. and files.

``apiserver.auth.cookies.domain`` goes to werkzeug's ``set_cookie`` as the cookie's Domain attribute. A browser
drops a cookie whose Domain is not a host name it is on, so a URL (``https://clearml.example.com``), a port or a
path there means nobody stays logged in; ``localhost`` and IP addresses have no subdomains to share a cookie
with. With ``app.``, ``api.`` and ``files.`` subdomains the domain is the shared parent with a leading dot. The
rule check reports, a write is refused by, and ``subdomain`` parses its argument with.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

#: the labels a subdomain deployment must use (SERVER-SEMANTICS §6)
SERVER_LABELS = ("app", "api", "files")


@dataclass(frozen=True)
class DomainIssue:
    kind: str  # "not-a-host": a URL, a port or a path; "local": localhost or an IP address; "no-dot"
    what: str  # what is wrong, for the message ("is a URL", "has a port", "is localhost", ...)
    meant: str | None  # the value to write instead, when there is one


def host_of(text: str) -> tuple[str, str | None]:
    """The host name in what someone typed as a domain, and what is wrong with it ("is a URL", "has a port",
    "has a path"), or None when it is a plain name already."""
    value = text.strip()
    if "://" in value:
        parts = urlsplit(value)
        return (parts.hostname or "").rstrip("."), "is a URL"
    host, slash, _ = value.partition("/")
    if "@" in host:
        host = host.rpartition("@")[2]
    name, colon, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if colon and port.isdigit():
        return name, "has a port"
    if slash:
        return host, "has a path"
    return value, None


def shared_domain(name: str) -> str:
    """The domain the login cookie is meant for: `app.clearml.example.com` is the web app's own host, whose
    cookie the api. and files. hosts never get; their shared parent is `clearml.example.com`."""
    label, _, rest = name.partition(".")
    return rest if label.lower() in SERVER_LABELS and "." in rest else name


def is_local(host: str) -> bool:
    """localhost, or an IP address: nothing with subdomains to share a cookie with."""
    name = host.strip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def domain_issue(value: object) -> DomainIssue | None:
    """What is wrong with one cookie domain as written (None: nothing, or not a string)."""
    if not isinstance(value, str) or not value.strip():
        return None
    host, extra = host_of(value)
    if extra is not None:
        meant = "." + shared_domain(host.strip(".")) if host and "." in host and not is_local(host) else None
        return DomainIssue("not-a-host", extra, meant)
    if is_local(value):
        return DomainIssue("local", "is localhost" if "localhost" in value.lower() else "is an IP address", None)
    if not value.startswith(".") and "." in value:
        return DomainIssue("no-dot", "has no leading dot", "." + shared_domain(value))
    return None
