"""Custom UI context-menu actions: `services.organization.ui_actions.<object>` (SERVER-SEMANTICS §6).

A ClearML Enterprise feature: the open-source server ignores the section. Each object type (project, task,
model, dataview, queue) holds a list of ``{ name, tooltip, action { method, url, payload, headers { } } }``; the
web app replaces ``${id}`` in the url with the object's id, so the url must stay a quoted string (the HOCON layer
always quotes strings).

A list is replaced whole when configuration layers merge. So an edit goes to the file whose list the server uses
(the last definition, in the write directory), keeping its layout and comments; when that list comes from another
directory, the write directory gets a copy of it with the change, and a note says so.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotSet, UsageError
from ..hocon import Document, HoconEditError, KeyPath, QuotedKey, format_path
from ..model import schema
from ..model.keys import MISSING, lookup
from ..model.layout import ConfigFile, file_for_key
from ..model.schema import validate
from ..views.effective import Origin
from ..views.files import FilesView
from .check.rules import Rules
from .common import Options, Outcome, current, edit_hint, not_taking_effect, value_of

ENTERPRISE = schema.UI_ACTIONS_ENTERPRISE
SECTION: KeyPath = schema.UI_ACTIONS
# RFC 9110 token characters: what a header name may hold
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def list_path(kind: str) -> KeyPath:
    return (*SECTION, kind)


def check_object(kind: str) -> str:
    if kind.strip().lower() in schema.UI_ACTION_OBJECTS:  # the server's keys are lower-case
        return kind.strip().lower()
    close = difflib.get_close_matches(kind.lower(), schema.UI_ACTION_OBJECTS, n=1)
    suggestion = f"did you mean {close[0]}? " if close else ""
    raise UsageError(
        f"{kind!r} is not an object type with a context menu",
        f"{suggestion}use one of {', '.join(schema.UI_ACTION_OBJECTS)}",
    )


def check_method(method: str) -> str:
    upper = method.strip().upper()
    if upper in schema.UI_ACTION_METHODS:
        return upper
    raise UsageError(f"--method {method!r} is not supported", f"use one of {', '.join(schema.UI_ACTION_METHODS)}")


def parse_header(text: str) -> tuple[str, str]:
    """``"Content-Type: application/json"`` -> ("Content-Type", "application/json")."""
    name, separator, value = text.partition(":")
    name = name.strip()
    if not separator or not _HEADER_NAME.fullmatch(name):
        shown = schema.mask_value_secrets(text[:80])  # it may be a credential without its colon
        raise UsageError(f"--header {shown!r} is not 'Name: value'", "e.g. --header 'Content-Type: application/json'")
    return name, value.strip()


def build(
    name: str,
    *,
    url: str,
    method: str | None,
    tooltip: str | None,
    payload: str | None,
    headers: list[str],
) -> tuple[dict[str, Any], list[str]]:
    """The action entry in the server's format, and notes about it."""
    notes: list[str] = []
    if not name.strip():
        raise UsageError("NAME must not be empty", "it is the label of the menu item")
    if not url.strip():
        raise UsageError("--url must not be empty", "e.g. --url 'https://ci.example.com/run/${id}'")
    chosen = check_method(method) if method is not None else ("POST" if payload is not None else "GET")
    if method is None and payload is not None:
        notes.append("method POST, because a payload is given (--method sets another)")
    if "${id}" not in url:
        notes.append("the url has no ${id}: every object will send the same request (${id} becomes the object's id)")
    if payload is not None and chosen == "GET":
        notes.append("browsers send no body with GET: the payload will not arrive (use --method POST)")
    parsed: dict[str, str] = {}
    for text in headers:
        header, value = parse_header(text)
        if header.lower() in (h.lower() for h in parsed):
            raise UsageError(f"--header {header!r} is given twice", "give each header once")
        parsed[QuotedKey(header)] = value  # quoted, as the ClearML docs write header names
    action: dict[str, Any] = {"method": chosen, "url": url}
    if payload is not None:
        action["payload"] = payload
    if parsed:
        action["headers"] = parsed
    entry: dict[str, Any] = {"name": name}
    if tooltip is not None:
        entry["tooltip"] = tooltip
    entry["action"] = action
    return entry, notes


# --- reading -----------------------------------------------------------------------------------------------


@dataclass
class Action:
    kind: str
    index: int
    entry: Any  # as the server reads it (normally a dict)
    origin: str

    @property
    def name(self) -> Any:
        return self.entry.get("name") if isinstance(self.entry, dict) else None

    def get(self, *path: str) -> Any:
        return lookup(self.entry, path, None)


@dataclass
class Listing:
    actions: list[Action] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def listing(options: Options, kind: str | None = None) -> Listing:
    """The actions the server's configuration defines, in menu order, with where each list comes from."""
    kinds = [check_object(kind)] if kind is not None else list(schema.UI_ACTION_OBJECTS)
    effective = current(options)
    result = Listing()
    section = value_of(effective, SECTION)
    if isinstance(section, dict):
        unknown = [k for k in section if k not in schema.UI_ACTION_OBJECTS]
        if unknown:
            result.warnings.append(
                f"{format_path(SECTION)} has {', '.join(unknown)}: not an object type "
                f"({', '.join(schema.UI_ACTION_OBJECTS)}), so no menu shows it"
            )
    for name in kinds:
        path = list_path(name)
        entries = value_of(effective, path)
        if entries is MISSING:
            continue
        for where, message, *_ in schema.problems(path, entries):
            result.warnings.append(f"{format_path(where)} {message}")
        if not isinstance(entries, list):
            continue
        try:
            written: Any = lookup(effective.origins, path)  # a list is one value: its origin is where it is written
        except KeyError:
            written = None
        origin = effective.label(written) if isinstance(written, Origin) else "?"
        for index, entry in enumerate(entries):
            result.actions.append(Action(name, index, entry, origin))
    return result


# --- writing -----------------------------------------------------------------------------------------------


@dataclass
class _Target:
    file: ConfigFile
    inner: KeyPath
    entries: list[Any]  # the list the server uses now (possibly from another file)
    copied_from: Path | None  # the file whose list is copied into ``file``


def _target(options: Options, view: FilesView, kind: str) -> _Target:
    """Where the list of ``kind`` is edited: its winning definition when that is in the write directory."""
    path = list_path(kind)
    directory = options.dirs.write_dir
    entries = view.value(path)
    definitions = view.definitions(path)
    if entries is MISSING or not definitions:
        config_file, inner = file_for_key(directory, view.files(directory), path)
        return _Target(config_file, inner, [], None)
    if not isinstance(entries, list):
        raise UsageError(
            f"{format_path(path)} is {schema.ui_action_list(entries) or 'not a list'}",
            "fix it by hand, or remove it with clearml-cfg unset " + format_path(path),
        )
    loaded, inner = definitions[-1]
    if loaded.file.directory == directory:
        return _Target(loaded.file, inner, entries, None)
    config_file, inner = file_for_key(directory, view.files(directory), path)
    return _Target(config_file, inner, entries, loaded.file.path)


def _index_of(entries: list[Any], name: str) -> int | None:
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("name") == name:
            return index
    return None


def _edit(options: Options, kind: str, change: Any, check: Any = None, adding: Any = None) -> Outcome:
    """Run ``change(document, target, outcome)``, which returns the new list, on the file that holds the list.

    ``check(target)`` runs first, on the list as read under the lock. ``adding``: the entry being added.
    """
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(options.dirs.write_dir)
        snapshot = options.snapshot(tx.reader)
        rules = Rules(snapshot, [list_path(kind)])
        target = _target(options, snapshot.files, kind)
        if check is not None:
            check(target)
        # a new file that will hold an Authorization header or a token is readable by its owner only
        secret = schema.holds_secret([*target.entries, *([] if adding is None else [adding])], list_path(kind))
        document = tx.document(target.file.path, secret=secret)
        try:
            entries = change(document, target, outcome)
        except HoconEditError as e:
            raise UsageError(
                f"cannot edit {format_path(list_path(kind))} in {target.file.path}: {e}", edit_hint(e)
            ) from None
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    if target.copied_from is not None and outcome.changes:
        outcome.notes.append(
            f"the list came from {target.copied_from}; a list is replaced whole, so {target.file.path} now holds "
            f"all of it and the list in {target.copied_from} no longer takes effect"
        )
    snapshot.refresh()
    outcome.warnings.extend(not_taking_effect(snapshot, {list_path(kind): entries}, dry_run=options.dry_run))
    return outcome


def add(options: Options, kind: str, entry: dict[str, Any], *, replace: bool) -> Outcome:
    """Append the action (or, with ``replace``, put it in place of the one with the same name)."""
    kind = check_object(kind)
    name = entry["name"]
    path = list_path(kind)

    def check(target: _Target) -> None:
        index = _index_of(target.entries, name)
        if index is not None and not replace:
            raise UsageError(
                f"{kind} already has an action named {name!r}",
                f"--replace replaces it; clearml-cfg ui-action remove {kind} {_quote(name)} removes it",
            )
        validate((*path, len(target.entries) if index is None else index), entry)

    def change(document: Document, target: _Target, outcome: Outcome) -> list[Any]:
        entries = copy.deepcopy(target.entries)
        index = _index_of(entries, name)
        if index is None:
            entries.append(entry)
        else:
            entries[index] = entry
        if target.copied_from is not None:
            document.set(target.inner, entries)
        elif index is None:
            document.append(target.inner, entry)
        else:
            document.replace(target.inner, index, entry)
        verb = "replaced" if index is not None else "added"
        url = schema.mask_url_password(entry["action"]["url"])
        outcome.notes.append(f"{verb} {kind} action {name!r}: {entry['action']['method']} {url}")
        return entries

    return _edit(options, kind, change, check, adding=entry)


def remove(options: Options, kind: str, name: str, *, missing_ok: bool = False) -> Outcome:
    """Remove the action named ``name``; NotSet (exit 1) when there is none, or with ``missing_ok`` a note."""
    kind = check_object(kind)

    def check(target: _Target) -> None:
        if _index_of(target.entries, name) is None:
            names = [e.get("name") for e in target.entries if isinstance(e, dict)]
            listed = ", ".join(repr(n) for n in names) if names else "none"
            raise NotSet(f"{kind} has no action named {name!r} (its actions: {listed})", "clearml-cfg ui-action list")

    def change(document: Document, target: _Target, outcome: Outcome) -> list[Any]:
        index = _index_of(target.entries, name)
        assert index is not None  # check() made sure
        entries = [e for i, e in enumerate(target.entries) if i != index]
        if target.copied_from is not None:
            document.set(target.inner, entries)
        else:
            document.remove(target.inner, index)
        outcome.notes.append(f"removed {kind} action {name!r}")
        return entries

    try:
        return _edit(options, kind, change, check)
    except NotSet:  # check() found no such action: nothing was written
        if not missing_ok:
            raise
        return Outcome(notes=[f"{kind} has no action named {name!r}; nothing to do"])


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
