"""Custom UI context-menu actions (services.organization.ui_actions): an Enterprise feature, often mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from ...hocon import KeyPath, Unresolved, format_path
from ...hocon.values import QuotedPart, Substitution
from ...model.schema import UI_ACTION_METHODS, UI_ACTION_OBJECTS
from ...model.schema import UI_ACTIONS as SECTION
from ...model.schema import UI_ACTIONS_ENTERPRISE as ENTERPRISE
from .model import Context, Finding, Fix, LoadedFile, Severity


def _section_in(loaded: LoadedFile) -> tuple[KeyPath, Any] | None:
    inner = loaded.written(SECTION)  # `ui_actions` or `-ui_actions`, nested or dotted
    return None if inner is None else (inner, loaded.value(inner))


def check_ui_actions(context: Context) -> Iterator[Finding]:
    noted = False
    for loaded in context.files:
        found = _section_in(loaded)
        if found is None:
            continue
        inner, section = found
        if not noted:
            noted = True
            yield context.finding_at(
                loaded,
                inner,
                "ui-action-enterprise",
                Severity.INFO,
                f"services.organization.ui_actions is set: {ENTERPRISE}",
                "nothing to do on ClearML Enterprise; on the open-source server these settings have no effect",
            )
        if not isinstance(section, dict):
            continue
        for kind, actions in section.items():
            if kind not in UI_ACTION_OBJECTS:
                close = difflib.get_close_matches(kind, UI_ACTION_OBJECTS, n=1)
                yield context.finding_at(
                    loaded,
                    (*inner, kind),
                    "ui-action-unknown-object",
                    Severity.ERROR,  # like a misspelt key: the actions meant silently do not appear
                    f"the web app shows no context menu for {kind!r}: actions are for {', '.join(UI_ACTION_OBJECTS)}",
                    f"did you mean {close[0]}?" if close else "move them under one of those",
                )
            if isinstance(actions, list):
                for index, action in enumerate(actions):
                    yield from _action(context, loaded, (*inner, kind, index), action)


def _action(context: Context, loaded: LoadedFile, at: KeyPath, entry: Any) -> Iterator[Finding]:
    where = format_path((*SECTION, *at[-2:]))
    if not isinstance(entry, dict):
        return
    action = entry.get("action")
    if not isinstance(action, dict):
        return
    method = action.get("method")
    if method is not None and method not in UI_ACTION_METHODS:
        upper = method.upper() if isinstance(method, str) else None
        fix = None
        if upper in UI_ACTION_METHODS:
            fix = Fix.setting(f"write the method of {where} as {upper}", loaded.path, (*at, "action", "method"), upper)
        yield context.finding_at(
            loaded,
            (*at, "action", "method"),
            "ui-action-bad-method",
            Severity.ERROR,
            f"{where}.action.method is {method!r}: the web app sends only {', '.join(UI_ACTION_METHODS)}",
            f"use {upper}" + (" (--fix does)" if fix else "")
            if upper in UI_ACTION_METHODS
            else "use GET, POST or DELETE",
            fix,
        )
    url = action.get("url")
    if isinstance(url, Unresolved):
        literal = _literal(url)
        fix = None
        if literal is not None:
            fix = Fix.setting(f"quote the url of {where} whole", loaded.path, (*at, "action", "url"), literal)
        yield context.finding_at(
            loaded,
            (*at, "action", "url"),
            "ui-action-unquoted-substitution",
            Severity.ERROR,
            f"{where}.action.url has ${{...}} outside quotes: the server treats it as a substitution when it loads the "
            "file (and fails to start when nothing is found), while the web app needs the text ${id} itself",
            'quote the whole url: "https://host/path/${id}"' + (" (--fix does)" if fix else ""),
            fix,
        )


def _literal(value: Unresolved) -> str | None:
    """The text the author meant: the parts of `"https://x/"${id}"/stop"` joined as written."""
    out = []
    for part in value.parts:
        if isinstance(part, QuotedPart):
            out.append(part.value + part.ws)
        elif isinstance(part, Substitution):
            out.append("${" + ("?" if part.optional else "") + part.variable + "}" + part.ws)
        elif isinstance(part, str):
            out.append(part)
        else:
            return None
    return "".join(out).rstrip(" \t")
