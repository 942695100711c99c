"""Values the server cannot use, and keys it never reads, in each file (so that the finding has a line)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from .. import schema
from ..hocon import Document, Period, Unresolved
from ..hocon.paths import Path, format_path
from ..known import unknown_name
from .model import Context, Finding, Fix, LoadedFile, Severity

_AREAS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("services", "tasks", "non_responsive_tasks_watchdog"), "watchdog"),
    (("apiserver", "auth", "cookies"), "cookie"),
    (("apiserver", "cors"), "cors"),
    (("fileserver", "cors"), "cors"),
    (("apiserver", "auth", "fixed_users"), "fixed-user"),
    (("services", "organization", "ui_actions"), "ui-action"),
    (("apiserver", "listen"), "listen"),
)


def _area(path: Path) -> str:
    for prefix, name in _AREAS:
        if tuple(path[: len(prefix)]) == prefix:
            return name
    return "setting"


# these have checkers of their own (checks/users.py, checks/ui_actions.py)
_OWN_CHECKER = (("apiserver", "auth", "fixed_users"), ("services", "organization", "ui_actions"))


def check_values(context: Context) -> Iterator[Finding]:
    for loaded in context.files:
        for inner, value in schema.walk(loaded.tree, ()):
            path = (*loaded.file.prefix, *inner)
            if not inner or any(tuple(path[: len(p)]) == p for p in _OWN_CHECKER):
                continue
            yield from _check_one(context, loaded, inner, path, value)


def _check_one(context: Context, loaded: LoadedFile, inner: Path, path: Path, value: Any) -> Iterator[Finding]:
    if isinstance(value, Unresolved):
        return  # computed from a substitution: depends on the environment, checked in the effective view
    setting = schema.setting_for(path)
    if setting is not None and setting.check is not None:
        problem = setting.check(value)
        if problem:
            yield _invalid(context, loaded, inner, path, value, problem, setting)
            return
    name = path[-1]
    if not isinstance(name, str):
        return
    parent = path[:-1]
    holder = schema.setting_for(parent)
    area = _area(path)
    if holder is not None and holder.keys is not None and name not in holder.keys:
        close = difflib.get_close_matches(name, holder.keys, n=1)
        yield context.finding_at(
            loaded,
            inner,
            f"{area}-unknown-key",
            Severity.ERROR,
            f"{format_path(parent)} does not take {name!r}: "
            + (
                "the server fails every fixed-user login"
                if area == "fixed-user"
                else "the server rejects or ignores it"
            ),
            f"did you mean {close[0]}?" if close else f"{format_path(parent)} takes {', '.join(holder.keys)}",
        )
        return
    typo = unknown_name(path)
    if typo is not None and typo.suggestion is not None:
        yield context.finding_at(
            loaded,
            inner,
            "unknown-key",
            Severity.WARNING,
            f"no server code reads {format_path(path)}",
            f"did you mean {format_path(typo.suggestion)}? (the server ignores unknown keys silently)",
        )


def _invalid(
    context: Context, loaded: LoadedFile, inner: Path, path: Path, value: Any, problem: str, setting: schema.Setting
) -> Finding:
    area = _area(path)
    code = f"{area}-not-seconds" if setting.kind == "seconds" else f"{area}-invalid-value"
    fix = None
    seconds = _as_seconds(value) if setting.kind == "seconds" else None
    if seconds is not None:

        def write_seconds(document: Document, inner: Path = inner, seconds: int = seconds) -> None:
            document.set(inner, seconds)

        fix = Fix(f"write {format_path(path)} as {seconds}", loaded.path, edit=write_seconds)
    severity = Severity.ERROR
    return context.finding_at(
        loaded,
        inner,
        code,
        severity,
        f"{format_path(path)} {problem}",
        f"{format_path(path)} takes {setting.kind}" + (f": --fix writes {seconds}" if fix else ""),
        fix,
    )


def _as_seconds(value: Any) -> int | None:
    """The whole number of seconds a wrong-but-clear value means: `2 hours`, 7200.0, "7200"."""
    if isinstance(value, Period):
        total = value.seconds()
        return int(total) if total and total == int(total) and total > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return None
