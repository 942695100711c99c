"""How the server's web login meets the fixed users (SERVER-SEMANTICS §5, ``service_repo/auth/auth.py`` and
``fixed_user.py``): what it tests for truth, the guest user it puts first, and what a login can carry."""

from __future__ import annotations

from typing import Any

from ..hocon import KeyPath, Period

GUEST: KeyPath = ("services", "auth", "fixed_users", "guest")
#: the guest's settings in the server's default services/auth.conf
GUEST_DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "username": "guest",
    "password": "guest",
    "name": "Guest",
    "default_company": "025315a9321f49f8be07f5ac48fbcf92",
}
#: the highest character a login can carry: the web app's ``btoa`` refuses anything above, and the server decodes
#: the header as latin-1
LATIN_1 = 0xFF


def truthy(value: Any) -> bool:
    """The server tests ``enabled`` and ``pass_hashed`` with ``if``: "false", yes and 1 are on, 0 and "" off."""
    if isinstance(value, Period):
        return value.amount != 0  # pyhocon's timedelta: a zero duration is false
    return bool(value)


def not_sendable(text: str) -> str | None:
    """The first character of ``text`` a login cannot carry (above U+00FF), as ``U+20AC``; None when all can."""
    found = next((c for c in text if ord(c) > LATIN_1), None)
    return f"U+{ord(found):04X}" if found is not None else None


def guest_user(guest: dict[str, Any]) -> dict[str, Any]:
    """The entry the server builds for the guest (``FixedUser.get_guest_user``) from its settings."""
    settings = {**GUEST_DEFAULTS, **guest}
    return {
        "username": settings.get("username"),
        "password": settings.get("password"),
        "name": settings.get("name"),
        "company": settings.get("default_company"),
        "is_guest": True,
    }
