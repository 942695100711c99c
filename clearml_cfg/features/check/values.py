"""Values the server cannot use, and keys it never reads, in each file and each environment override (so that the
finding has a line, or names the variable)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from ...hocon import KeyPath, Unresolved, format_path
from ...model import schema
from ...model.known import unknown_name
from .model import Context, Finding, Fix, LoadedEnv, LoadedFile, Severity, Source
from .sections import CLOSE_IN_COMPLETE, COMPLETE

# these have checkers of their own (checks/users.py, checks/ui_actions.py)
_OWN_CHECKER = (schema.FIXED_USERS, schema.UI_ACTIONS)


def check_values(context: Context) -> Iterator[Finding]:
    for source in context.sources:
        for inner, value in schema.walk(source.tree, ()):
            if not inner:
                continue
            path = source.key(inner)
            if any(tuple(path[: len(p)]) == p for p in _OWN_CHECKER):
                continue
            yield from _check_one(source, inner, path, value)


def _check_one(source: Source, inner: KeyPath, path: KeyPath, value: Any) -> Iterator[Finding]:
    if isinstance(value, Unresolved):
        return  # computed from a substitution: depends on the environment, checked in the effective view
    setting = schema.setting_for(path)
    if setting is not None and setting.check is not None:
        problem = setting.check(value)
        if problem:
            yield _invalid(source, inner, path, value, problem, setting)
            return
    name = path[-1]
    if not isinstance(name, str):
        return
    parent = path[:-1]
    written = inner[-1]
    if path[0] == "fileserver" and isinstance(written, str) and len(written) > 1 and written.startswith("-"):
        yield source.finding(
            inner,
            "unknown-key",
            Severity.WARNING,
            f"the file server's loader has no -key rule: it reads {format_path(path)} as written, and no code "
            "reads that",
            f"write {written[1:]} (the file server merges it key by key over its default)",
        )
        return
    holder = schema.setting_for(parent)
    area = schema.area(path)
    if holder is not None and holder.keys is not None and name not in holder.keys:
        close = difflib.get_close_matches(name, holder.keys, n=1)
        yield source.finding(
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
    complete = COMPLETE.get(tuple(str(s) for s in parent)) if all(isinstance(s, str) for s in parent) else None
    if complete is not None:
        if name not in complete:
            close = difflib.get_close_matches(name, complete, n=1, cutoff=CLOSE_IN_COMPLETE)
            yield _unknown(source, inner, path, close[0] if close else None, complete)
        return
    typo = unknown_name(path)  # a near miss of a known key (the same rule as the effective view's)
    if typo is not None and typo.suggestion is not None:
        yield _unknown(source, inner, path, str(typo.suggestion[-1]), None)


def _unknown(source: Source, inner: KeyPath, path: KeyPath, close: str | None, keys: tuple[str, ...] | None) -> Finding:
    """A key no server code reads. Next to a known key it nearly spells, it is a typo of that key, whose setting
    then silently does not apply: an error (misspelt-key). Otherwise a warning (unknown-key)."""
    parent = path[:-1]
    if close is not None:
        return source.finding(
            inner,
            "misspelt-key",
            Severity.ERROR,
            f"no server code reads {format_path(path)}: the server ignores it silently, so the setting meant "
            "does not apply",
            f"did you mean {format_path((*parent, close))}?",
        )
    hint = f"{format_path(parent)} takes {', '.join(keys or ())}; the server ignores any other key silently"
    return source.finding(inner, "unknown-key", Severity.WARNING, f"no server code reads {format_path(path)}", hint)


def _invalid(
    source: Source, inner: KeyPath, path: KeyPath, value: Any, problem: str, setting: schema.Setting
) -> Finding:
    code = schema.invalid_code(path, setting)
    fix = None
    meant = schema.meant_value(setting, value) if setting.kind == "seconds" else None  # 2 hours, 7200.0, "7200"
    seconds = int(meant) if meant is not None else None
    hint = schema.fix_hint(path, setting, value)
    if seconds is not None and isinstance(source, LoadedFile):
        fix = Fix.setting(f"write {format_path(path)} as {seconds}", source.path, inner, seconds)
        hint = f"--fix writes {seconds}"
    elif isinstance(source, LoadedEnv):
        hint = f"{format_path(path)} takes {setting.kind}" + (
            f": set {source.variable}={seconds}"
            if seconds is not None and inner == tuple(source.override.key.split("."))
            else f"; change {source.variable} (a variable: --fix edits files only)"
        )
    return source.finding(inner, code, Severity.ERROR, f"{format_path(path)} {problem}", hint, fix)
