"""subdomain: the web app, the API and the file server behind a load balancer, on subdomains of one domain.

SERVER-SEMANTICS §6: they answer on ``app.``, ``api.`` and ``files.`` of one domain (the labels are mandatory),
so the login cookie must be set for ``.DOMAIN`` and, behind HTTPS, be ``secure``. ``apiserver.auth.cookies`` is
handed to werkzeug's ``set_cookie``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..hocon import KeyPath
from ..model.cookies import host_of
from ..model.durations import parse_duration
from ..views.snapshot import Snapshot
from .common import Options, Outcome, Row, current, invalid, rows, value_of, write_settings

COOKIES: KeyPath = ("apiserver", "auth", "cookies")
DEFAULT_MAX_AGE = 99999999999  # the server's default (and the docs' example)


@dataclass(frozen=True)
class Host:
    label: str
    service: str
    port: int
    target_group: str


HOSTS = (
    Host("app", "web app", 8080, "AppTargetGroup"),
    Host("api", "API server", 8008, "ApiTargetGroup"),
    Host("files", "file server", 8081, "FilesTargetGroup"),
)

# Public suffixes under which people register domains at the second level (example.co.uk). A heuristic, not the
# Public Suffix List: a suffix missing here makes the certificate warning come too early or not at all.
_SUFFIXES = """
    co.uk org.uk me.uk ltd.uk plc.uk net.uk ac.uk gov.uk sch.uk nhs.uk
    com.au net.au org.au edu.au gov.au id.au asn.au
    co.nz net.nz org.nz ac.nz govt.nz geek.nz
    co.jp ne.jp or.jp ac.jp go.jp
    co.kr or.kr ne.kr
    co.za org.za web.za
    co.in net.in org.in firm.in gen.in ind.in
    com.br net.br org.br
    com.cn net.cn org.cn
    com.mx org.mx com.ar com.co com.pe com.ve com.ec com.uy
    com.tr com.sg com.hk com.tw com.my com.ph com.vn com.pk com.bd com.ng com.eg com.sa
    co.il org.il co.id co.th ac.th
    com.ua com.pl com.ru com.es com.gr com.pt com.cy com.mt
"""
TWO_PART_SUFFIXES = frozenset(_SUFFIXES.split())
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def check_domain(text: str) -> str:
    """The domain under which app., api. and files. live, lower-cased, in ASCII; UsageError if it is no host name."""
    host, extra = host_of(text)
    if extra is not None:  # the rule the cookie domain obeys (model/cookies.py)
        shown = host.strip(".") or "clearml.example.com"
        raise UsageError(f"{text!r} {extra}: pass the domain alone", f"e.g. clearml-cfg subdomain {shown}")
    domain = text.strip().lower().strip(".")
    if not domain:
        raise UsageError(f"{text!r} is not a domain", "e.g. clearml.example.com")
    if not domain.isascii():  # an internationalised name: cookies and certificates use its ASCII form
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise UsageError(f"{text!r} is not a valid host name", "e.g. clearml.example.com") from None
    labels = domain.split(".")
    if len(labels) < 2:
        raise UsageError(
            f"{text!r} has a single label: browsers refuse cookies for it",
            "use a full domain, e.g. clearml.example.com",
        )
    bad = next((label for label in labels if not _LABEL.fullmatch(label)), None)
    if bad is not None:
        raise UsageError(
            f"{text!r} is not a valid host name: {bad!r} is not a DNS label",
            "labels are 1-63 letters, digits or '-', not starting or ending with '-'",
        )
    if labels[-1].isdigit():
        raise UsageError(f"{text!r} is an IP address: it cannot have app., api. and files. subdomains", None)
    if len("files." + domain) > 253:
        raise UsageError(f"{text!r} is too long: files.{domain} would exceed 253 characters")
    if len(labels) == 2 and domain in TWO_PART_SUFFIXES:
        raise UsageError(f"{text!r} is a public suffix: browsers refuse cookies for it", "use your own domain")
    return domain


def registrable(domain: str) -> str:
    """example.com for clearml.example.com, example.co.uk for clearml.example.co.uk (heuristic, see above)."""
    labels = domain.split(".")
    suffix = 2 if ".".join(labels[-2:]) in TWO_PART_SUFFIXES else 1
    return ".".join(labels[-(suffix + 1) :])


def domain_warnings(domain: str) -> list[str]:
    warnings = []
    base = registrable(domain)
    if domain != base:
        warnings.append(
            f"app.{domain} is two or more levels below {base}: a free Cloudflare certificate (*.{base}, one "
            f"wildcard level) does not cover it, and browsers then fail with a TLS error; use {base} itself "
            f"(app.{base}, api.{base}, files.{base}) or a certificate for *.{domain} "
            "(the registrable domain is guessed with a small built-in list of public suffixes: a heuristic)"
        )
    first = domain.split(".")[0]
    if first in {h.label for h in HOSTS}:
        rest = domain.split(".", 1)[1]
        warnings.append(
            f"{domain} starts with {first}.: the cookie domain .{domain} does not cover "
            f"{', '.join(h.label + '.' + rest for h in HOSTS if h.label != first)}; "
            f"pass the domain under which all three live ({rest})"
        )
    return warnings


def hosts(domain: str, *, secure: bool) -> list[dict[str, Any]]:
    listener = "HTTPS 443" if secure else "HTTP 80"
    return [
        {
            "host": f"{h.label}.{domain}",
            "service": h.service,
            "port": h.port,
            "listener": listener,
            "target_group": h.target_group,
            "target": f"HTTP {h.port}",
        }
        for h in HOSTS
    ]


def load_balancer_notes(*, secure: bool) -> list[str]:
    notes = []
    if secure:
        notes.append("optional: an HTTP listener on port 80 that redirects everything to HTTPS")
    ports = ", ".join(str(h.port) for h in HOSTS)
    notes.append(
        "let the load balancer receive traffic from your users' addresses, and reach the instances on "
        f"ports {ports} (security groups, subnets)"
    )
    return notes


def max_age_seconds(text: str) -> int:
    return parse_duration(text, "--max-age")


@dataclass
class SubdomainState:
    rows: list[Row]
    domain: str | None
    secure: bool
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def subdomain_state(options: Options) -> SubdomainState:
    effective = current(options)
    found = rows(effective, [COOKIES])
    cookie_domain = value_of(effective, (*COOKIES, "domain"))
    if isinstance(cookie_domain, list):
        cookie_domain = next((d for d in cookie_domain if isinstance(d, str)), None)
    domain = cookie_domain.strip(".") if isinstance(cookie_domain, str) and cookie_domain.strip(".") else None
    secure = value_of(effective, (*COOKIES, "secure")) is True
    result = SubdomainState(found, domain, secure, invalid(found))
    if domain is None:
        result.notes.append("no cookie domain: the server is not set up for subdomains (clearml-cfg subdomain DOMAIN)")
    elif not secure:
        result.notes.append(
            "cookies are not secure: fine for plain HTTP, but behind HTTPS set secure (drop --no-secure)"
        )
    return result


def configure_subdomain(options: Options, domain: str, *, secure: bool, max_age: int | None) -> Outcome:
    """Set the login cookie for ``.DOMAIN``; the hosts and the load balancer are for the caller to print."""

    def values(snapshot: Snapshot) -> dict[KeyPath, Any]:
        seconds = max_age
        if seconds is None:  # keep a valid max_age the configuration has
            existing = value_of(current(snapshot, for_write=True), (*COOKIES, "max_age"))
            seconds = existing if isinstance(existing, int) and not isinstance(existing, bool) else DEFAULT_MAX_AGE
        return {
            (*COOKIES, "httponly"): True,
            (*COOKIES, "secure"): secure,
            (*COOKIES, "domain"): f".{domain}",
            (*COOKIES, "max_age"): seconds,
        }

    outcome, _ = write_settings(options, values)
    outcome.warnings[:0] = domain_warnings(domain)
    if not secure:
        outcome.notes.append("secure: false sends the login cookie over plain HTTP too; use it only without TLS")
    return outcome
