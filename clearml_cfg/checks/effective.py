"""Checks on the configuration as the server computes it: cookies and CORS across every layer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..effective import Effective, Origin, lookup
from ..hocon import Document
from ..hocon.paths import Path
from .model import Context, Finding, Fix, LoadedFile, Severity

_COOKIES = ("apiserver", "auth", "cookies")
_HTTPS_EVIDENCE: tuple[Path, ...] = (
    ("apiserver", "cors", "origins"),
    ("fileserver", "cors", "origins"),
    ("hosts", "fileserver"),
    ("services", "async_urls_delete", "fileserver", "url_prefixes"),
    ("apiserver", "auth", "cookies", "domain"),
)


def _get(tree: Any, path: Path) -> Any:
    try:
        return lookup(tree, path)
    except KeyError:
        return None


def _origin(effective: Effective, path: Path) -> Origin | None:
    node: Any = effective.origins
    for segment in path:
        if isinstance(node, Origin):
            return node
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return node if isinstance(node, Origin) else None


def _set_by_user(effective: Effective, path: Path) -> bool:
    origins: list[Origin] = []
    node = _get(effective.origins, path)
    if isinstance(node, Origin):
        origins.append(node)
    elif isinstance(node, dict):
        origins.extend(o for _, _, o in effective.leaves(_get(effective.tree, path), node) if o is not None)
    return any(o.kind != "default" for o in origins)


def _defining(context: Context, path: Path) -> tuple[LoadedFile, Path] | None:
    """The last file that writes ``path`` (for a line number and a fix)."""
    found = None
    for loaded in context.files:
        prefix = loaded.file.prefix
        if len(path) > len(prefix) and tuple(path[: len(prefix)]) == prefix:
            inner = path[len(prefix) :]
            # the key as written, or with one of its parts as `-part` (which replaces that section)
            candidates = [inner] + [
                (*inner[:i], f"-{inner[i]}", *inner[i + 1 :]) for i in range(len(inner)) if isinstance(inner[i], str)
            ]
            for candidate in candidates:
                if candidate in loaded.document:
                    found = (loaded, candidate)
                    break
    return found


def _at(
    context: Context, path: Path, code: str, severity: Severity, message: str, hint: str, fix: Fix | None = None
) -> Finding:
    where = _defining(context, path)
    if where is None:
        return Finding(code, severity, message, hint, fix=fix)
    return context.finding_at(where[0], where[1], code, severity, message, hint, fix)


def check_effective(context: Context, effective: Effective) -> Iterator[Finding]:
    yield from _cookies(context, effective)
    yield from _cors(context, effective)


def _cookies(context: Context, effective: Effective) -> Iterator[Finding]:
    cookies = _get(effective.tree, _COOKIES)
    if not isinstance(cookies, dict):
        return
    if cookies and "domain" not in cookies:
        yield _at(
            context,
            _COOKIES,
            "cookie-domain-missing",
            Severity.ERROR,
            "apiserver.auth.cookies has no domain key: the server fails when it sets the login cookie",
            "add `domain: null` (or your domain) to the cookies block",
        )
    domain = cookies.get("domain")
    if isinstance(domain, str) and domain and not domain.startswith(".") and "." in domain and not _is_address(domain):
        fix = None
        where = _defining(context, (*_COOKIES, "domain"))
        if where is not None:

            def add_dot(document: Document, inner: Path = where[1], domain: str = domain) -> None:
                document.set(inner, "." + domain)

            fix = Fix(f"write the domain as .{domain}", where[0].path, edit=add_dot)
        yield _at(
            context,
            (*_COOKIES, "domain"),
            "cookie-domain-no-dot",
            Severity.WARNING,
            f"the cookie domain {domain!r} has no leading dot; with app., api. and files. subdomains the login "
            "cookie is meant for all of them",
            f"write .{domain} (clearml-cfg subdomain does it)",
            fix,
        )
    if (
        cookies.get("secure") is True
        and _set_by_user(effective, (*_COOKIES, "secure"))
        and not _https_in_sight(effective)
    ):
        yield _at(
            context,
            (*_COOKIES, "secure"),
            "cookie-secure-without-https",
            Severity.WARNING,
            "apiserver.auth.cookies.secure is true but nothing in the configuration uses https://: "
            "browsers only send secure cookies over HTTPS, so login would not stick on plain HTTP",
            "serve the web app, API and files over HTTPS (or set secure: false for an HTTP-only server)",
        )


def _is_address(domain: str) -> bool:
    return domain.replace(".", "").isdigit() or domain == "localhost"


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
                (server, "cors", "origins"),
                "cors-wildcard-credentials",
                Severity.WARNING,
                f"{server}.cors allows any origin (*) with credentials: browsers refuse credentials with a wildcard "
                "origin, so the server echoes each request's origin back, which lets any site make logged-in requests",
                "name the origins: clearml-cfg cors --origin https://app.example.com",
            )
    if _set_by_user(effective, ("apiserver", "cors")) and not _set_by_user(effective, ("fileserver", "cors")):
        yield _at(
            context,
            ("apiserver", "cors"),
            "cors-not-on-fileserver",
            Severity.INFO,
            "CORS is set for the API server only: the file server reads its own fileserver.cors, so downloads keep "
            "the default (the docs' advice to edit apiserver.conf does not reach the file server)",
            "clearml-cfg cors --service files, or set fileserver.cors in fileserver.conf",
        )
