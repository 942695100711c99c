"""Checks on the configuration as the server computes it: cookies and CORS across every layer.

Each finding is placed where the value the server uses comes from: the file (and key) that wrote it last, or the
environment variable; only a value that comes from a file gets a fix, computed from that file's own text.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

from ...hocon import KeyPath, Unresolved, format_path, strict_equal
from ...model import schema
from ...model.cookies import DomainIssue, domain_issue
from ...model.keys import lookup
from ...views.effective import Effective, Origin
from ...views.environment import env_text
from .model import Context, Finding, Fix, LoadedEnv, LoadedFile, Severity

_COOKIES = ("apiserver", "auth", "cookies")
_HTTPS_EVIDENCE: tuple[KeyPath, ...] = (
    ("apiserver", "cors", "origins"),
    ("fileserver", "cors", "origins"),
    ("hosts", "fileserver"),
    ("services", "async_urls_delete", "fileserver", "url_prefixes"),
    ("apiserver", "auth", "cookies", "domain"),
)


def _get(tree: Any, path: KeyPath) -> Any:
    try:
        return lookup(tree, path)
    except KeyError:
        return None


def _set_by_user(effective: Effective, path: KeyPath) -> bool:
    origins: list[Origin] = []
    node = _get(effective.origins, path)
    if isinstance(node, Origin):
        origins.append(node)
    elif isinstance(node, dict):
        origins.extend(o for _, _, o in effective.leaves(_get(effective.tree, path), node) if o is not None)
    return any(o.kind != "default" for o in origins)


def _at(
    context: Context, effective: Effective, path: KeyPath, code: str, severity: Severity, message: str, hint: str
) -> Finding:
    """A finding at the source of the value at ``path`` (no fix)."""
    site = context.site(effective, path)
    if site is None:
        return Finding(code, severity, message, hint)
    source, inner = site
    return source.finding(inner, code, severity, message, hint)


def check_effective(context: Context, effective: Effective) -> Iterator[Finding]:
    yield from _cookies(context, effective)
    yield from _cors(context, effective)
    yield from _computed_values(context, effective)


def _computed_values(context: Context, effective: Effective) -> Iterator[Finding]:
    """A known setting written as a substitution (`max_age: ${age}`): its own file's check cannot see the value,
    so it is checked as the server computes it, at the place that writes it (the same rule and code as a value
    written out; the web login and UI actions have checkers of their own)."""
    for source in context.sources:
        for inner, value in schema.walk(source.tree, ()):
            if not isinstance(value, Unresolved):
                continue
            path = source.key(inner)
            setting = schema.setting_for(path)
            if setting is None or setting.check is None or path[:3] in (schema.FIXED_USERS, schema.UI_ACTIONS):
                continue
            site = context.site(effective, path)
            now = _get(effective.tree, path)
            problem = setting.check(now) if site is not None and site[0] is source else None
            if problem:
                yield source.finding(
                    inner,
                    schema.invalid_code(path, setting),
                    Severity.ERROR,
                    f"{format_path(path)} {problem} (as its substitution computes it)",
                    schema.fix_hint(path, setting, now),
                )


def _cookies(context: Context, effective: Effective) -> Iterator[Finding]:
    cookies = _get(effective.tree, _COOKIES)
    if not isinstance(cookies, dict):
        return
    if cookies and "domain" not in cookies:
        yield _at(
            context,
            effective,
            _COOKIES,
            "cookie-domain-missing",
            Severity.ERROR,
            "apiserver.auth.cookies has no domain key: the server fails when it sets the login cookie",
            "add `domain: null` (or your domain) to the cookies block",
        )
    yield from _domain_dots(context, effective, cookies.get("domain"))
    if (
        cookies.get("secure") is True
        and _set_by_user(effective, (*_COOKIES, "secure"))
        and not _https_in_sight(effective)
    ):
        yield _at(
            context,
            effective,
            (*_COOKIES, "secure"),
            "cookie-secure-without-https",
            Severity.WARNING,
            "apiserver.auth.cookies.secure is true but nothing in the configuration uses https://: "
            "browsers only send secure cookies over HTTPS, so login would not stick on plain HTTP",
            "serve the web app, API and files over HTTPS (or set secure: false for an HTTP-only server)",
        )


def _domain_dots(context: Context, effective: Effective, domain: Any) -> Iterator[Finding]:
    """What is wrong with the cookie domain, or with each domain of a list (model/cookies.py has the rule)."""
    path = (*_COOKIES, "domain")
    listed = isinstance(domain, list)
    elements: list[tuple[int | None, Any]] = list(enumerate(domain)) if listed else [(None, domain)]
    bad = [(index, name, issue) for index, name in elements if (issue := domain_issue(name)) is not None]
    if not bad:
        return
    site = context.site(effective, path)
    for index, name, issue in bad:
        code, severity, message, hint = _domain_finding(name, issue)
        if site is None:
            yield Finding(code, severity, message, hint)
            continue
        source, inner = site
        at = inner if index is None else (*inner, index)
        fix = None
        if issue.meant is not None and isinstance(source, LoadedFile) and source.written(path) == inner:
            fix = _dot_fix(source, at, name, issue.meant)
        elif issue.meant is not None and isinstance(source, LoadedEnv):
            if index is None and inner == tuple(source.override.key.split(".")):
                text = env_text(issue.meant, source.variable, source.override.key)
                hint = f"set {source.variable}={shlex.quote(text)} (a variable: --fix edits files only)"
            else:
                hint = f"write {issue.meant} in {source.variable} (a variable: --fix edits files only)"
        yield source.finding(at, code, severity, message, hint, fix)


def _domain_finding(name: str, issue: DomainIssue) -> tuple[str, Severity, str, str]:
    if issue.kind == "not-a-host":
        hint = (
            f"write {issue.meant} (clearml-cfg subdomain {issue.meant[1:]} does it)"
            if issue.meant
            else "write the host name the servers share, with a leading dot, e.g. .clearml.example.com"
        )
        message = (
            f"the cookie domain {name!r} {issue.what}: it is not a host name, so browsers drop a cookie set for it "
            "and nobody stays logged in"
        )
        return "cookie-domain-not-a-host", Severity.ERROR, message, hint
    if issue.kind == "local":
        return (
            "cookie-domain-local",
            Severity.WARNING,
            f"the cookie domain {name!r} {issue.what}: it has no subdomains to share the login cookie with, "
            "and browsers refuse or ignore a cookie domain there",
            "for a server reached by one host name leave the domain out (clearml-cfg set "
            "apiserver.auth.cookies.domain null); with app., api. and files. subdomains use that domain",
        )
    meant = issue.meant or ""
    if meant == "." + name:
        message = (
            f"the cookie domain {name!r} has no leading dot; with app., api. and files. subdomains the login "
            "cookie is meant for all of them"
        )
    else:
        message = (
            f"the cookie domain {name!r} is one server's own host: with app., api. and files. subdomains the "
            f"login cookie is meant for all of them, under {meant}"
        )
    return "cookie-domain-no-dot", Severity.WARNING, message, f"write {meant} (clearml-cfg subdomain does it)"


def _dot_fix(loaded: LoadedFile, at: KeyPath, name: str, meant: str) -> Fix | None:
    """Write ``meant`` (the dotted shared domain) in this file, and only when its value is the one the server
    uses."""
    try:
        written = loaded.value(at)
    except KeyError:
        return None
    if not isinstance(written, str) or not strict_equal(written, name):
        return None  # a substitution, or not what the server ends up with: nothing mechanical to do
    return Fix.setting(f"write the domain as {meant}", loaded.path, at, meant)


def _https_in_sight(effective: Effective) -> bool:
    for path in _HTTPS_EVIDENCE:
        if not _set_by_user(effective, path):
            continue
        value = _get(effective.tree, path)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and v.startswith("https://") for v in values):
            return True
    return False


def _cors(context: Context, effective: Effective) -> Iterator[Finding]:
    for server in ("apiserver", "fileserver"):
        cors = _get(effective.tree, (server, "cors"))
        if not isinstance(cors, dict):
            continue
        origins = cors.get("origins")
        wildcard = origins == "*" or (isinstance(origins, list) and "*" in origins)
        credentials = cors.get("supports_credentials") is True
        user = _set_by_user(effective, (server, "cors", "origins")) or _set_by_user(
            effective, (server, "cors", "supports_credentials")
        )
        if wildcard and credentials and user:
            yield _at(
                context,
                effective,
                (server, "cors", "origins"),
                "cors-wildcard-credentials",
                Severity.WARNING,
                f"{server}.cors allows any origin (*) with credentials: browsers refuse credentials with a wildcard "
                "origin, so the server echoes each request's origin back, which lets any site make logged-in requests",
                "name the origins: clearml-cfg cors --allow-origin https://app.example.com",
            )
    if _set_by_user(effective, ("apiserver", "cors")) and not _set_by_user(effective, ("fileserver", "cors")):
        yield _at(
            context,
            effective,
            ("apiserver", "cors"),
            "cors-not-on-fileserver",
            Severity.INFO,
            "CORS is set for the API server only: the file server reads its own fileserver.cors, so downloads keep "
            "the default (the docs' advice to edit apiserver.conf does not reach the file server)",
            "clearml-cfg cors --component fileserver, or set fileserver.cors in fileserver.conf",
        )
