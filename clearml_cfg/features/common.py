"""What the feature commands (watchdog, cors, ui-action, subdomain) share: a group of settings shown with the
origin of each value as the server computes it, and several settings written in one transaction.

The shown state is the server's effective view (defaults, every config directory, then ``CLEARML__`` variables),
so that a bare command answers "what will the server use, and why". Writes follow ``set``: validated first, one
file per key as ``file_for_key`` chooses, one transaction, and a warning when the server will not read the value
written because something else (an environment variable, a ``-key``) wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CfgError, Message, NotSet, UsageError
from ..hocon import (
    HoconEditError,
    HoconKeyError,
    KeyPath,
    format_path,
    strict_equal,
)
from ..model.keys import MISSING, lookup
from ..model.layout import component_of, file_for_key
from ..model.schema import masked, validate
from ..model.values import show_value
from ..views.effective import Effective, Origin
from ..views.snapshot import Snapshot
from .base import Options as Options
from .base import Outcome as Outcome
from .base import edit_hint as edit_hint
from .check.rules import Rules


@dataclass(frozen=True)
class Row:
    """One setting as the server will see it."""

    key: KeyPath
    value: Any  # MISSING when nothing sets it
    origin: Origin | None
    label: str  # "default", "services.conf:5", "env CLEARML__...", or "-" when not set

    @property
    def is_set(self) -> bool:
        return self.value is not MISSING

    def as_json(self) -> dict[str, Any]:
        where = self.origin
        return {
            "key": format_path(self.key),
            "set": self.is_set,
            "value": self.value if self.is_set else None,
            "origin": self.label if self.is_set else None,
            "file": str(where.file) if where and where.file else None,
            "line": where.line if where else None,
            "variable": where.variable if where else None,
        }


def current(options: Options | Snapshot, component: str = "apiserver", *, for_write: bool = False) -> Effective:
    """The server's view. ``for_write``: a CLEARML__ variable the server cannot parse does not stop a file edit
    (it is skipped; showing the state reports it, exit 3, as show --effective does)."""
    snapshot = options.snapshot() if isinstance(options, Options) else options
    return snapshot.effective(component, ignore_bad_env=for_write)


def rows(effective: Effective, paths: Iterable[KeyPath]) -> list[Row]:
    """Each of ``paths`` with its effective value and origin; a path that holds an object lists its leaves."""
    found: list[Row] = []
    for path in paths:
        try:
            value = lookup(effective.tree, path)
            origins = lookup(effective.origins, path)
        except KeyError:
            found.append(Row(path, MISSING, None, "-"))
            continue
        for relative, leaf, origin in effective.leaves(value, origins, ()):
            found.append(Row((*path, *relative), leaf, origin, effective.label(origin)))
    return found


def invalid(found: Iterable[Row]) -> list[str]:
    """A warning for every shown value the server cannot use (``threshold_sec: 2 hours``), naming its origin."""
    from ..model import schema

    warnings: list[str] = []
    for row in found:
        if row.is_set:
            for where, message, hint, _ in schema.problems(row.key, row.value):
                warnings.append(Message(f"{format_path(where)} {message} (set at {row.label})", hint))
    return warnings


def value_of(effective: Effective, path: KeyPath) -> Any:
    try:
        return lookup(effective.tree, path)
    except KeyError:
        return MISSING


def write_settings(
    options: Options, values: Mapping[KeyPath, Any] | Callable[[Snapshot], Mapping[KeyPath, Any]]
) -> tuple[Outcome, Snapshot]:
    """Set every ``path: value`` in the file of the write directory that holds it, in one transaction.

    ``values`` may be worked out from the configuration as it is (a function of the snapshot, read under the
    lock). Every value is checked against the registry first: one invalid value and nothing is written (exit 2).
    Returns what was done, and the snapshot as the edit leaves the configuration (also in a dry run: its
    documents are edited, only not written).
    """
    if not callable(values):
        for path, value in values.items():
            validate(path, value)
    directory = options.dirs.write_dir
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(directory)
        snapshot = options.snapshot(tx.reader)
        if callable(values):
            values = values(snapshot)
            for path, value in values.items():
                validate(path, value)
        for component in dict.fromkeys(component_of(path) for path in values):
            snapshot.effective(component, ignore_bad_env=True)  # a configuration the server cannot load: exit 3 now
        view = snapshot.files
        rules = Rules(snapshot, values)
        for path, value in values.items():
            config_file, inner = file_for_key(directory, view.files(directory), path)
            document = tx.document(config_file.path)
            try:
                document.set(inner, value)
            except HoconKeyError as e:
                raise NotSet(f"{format_path(path)}: {e}") from None
            except HoconEditError as e:
                raise UsageError(f"cannot set {format_path(path)} in {config_file.path}: {e}", edit_hint(e)) from None
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    snapshot.refresh()
    outcome.warnings.extend(not_taking_effect(snapshot, values, dry_run=options.dry_run))
    return outcome, snapshot


def not_taking_effect(snapshot: Snapshot, values: Mapping[KeyPath, Any], *, dry_run: bool) -> list[str]:
    """Warn about every value the server will not use as written, and say what wins instead.

    After a write: the effective value (the snapshot refreshed after the edit) is compared with what was
    written. In a dry run only an environment variable (which wins over any file) is reported.
    """
    from ..views.effective import Origin

    warnings: list[str] = []
    for path, value in values.items():
        try:
            effective = snapshot.effective(component_of(path), ignore_bad_env=True, along=[path])
        except CfgError as e:  # the write is done; a file elsewhere that the server cannot read is its own problem
            warnings.append(f"could not check what the server now reads: {e.message}")
            return warnings
        now = value_of(effective, path)
        try:
            origin = lookup(effective.origins, path)
        except KeyError:
            origin = None
        label = effective.label(origin) if isinstance(origin, Origin) else "another setting"
        shown = show_value(now if now is MISSING else masked(now, path))  # e.g. a UI action's Authorization header
        if dry_run:
            if isinstance(origin, Origin) and origin.kind == "env":
                warnings.append(f"{format_path(path)} would still read {shown}: {label} overrides every file")
            continue
        if now is MISSING or not strict_equal(now, value):
            if isinstance(origin, Origin) and origin.kind == "file":  # which line wins: worth a look at the file
                lined = snapshot.effective(component_of(path), ignore_bad_env=True, along=[path], lines=True)
                found = lookup(lined.origins, path, None)
                label = lined.label(found) if isinstance(found, Origin) else label
            warnings.append(
                f"{format_path(path)} still reads {shown}: {label} wins over what was written "
                f"(see clearml-cfg explain {format_path(path)})"
            )
    return warnings
