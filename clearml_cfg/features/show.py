"""show --effective, get --effective: the configuration as the server computes it, whole, changed from the
defaults, or with the origin of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotSet, UsageError
from ..hocon import KeyPath, format_path
from ..model.keys import MISSING, lookup
from ..model.schema import masked
from ..views.effective import COMPONENTS, Effective, Origin, changed_only, origin_below, removed_defaults
from ..views.unread import unread_keys
from .common import Options
from .explain import removed_by


def component_for(component: str | None, path: KeyPath) -> str:
    """The loader whose view to show: the one asked for, else the file server's for its own keys."""
    if component is not None:
        if component not in COMPONENTS:
            raise UsageError(f"--component {component!r}: use apiserver or fileserver")
        return component
    return "fileserver" if path and path[0] == "fileserver" else "apiserver"


def effective_view(
    options: Options, path: KeyPath, *, component: str | None, defaults: str | None, ignore_bad_env: bool
) -> Effective:
    """The server's view for ``path`` (the component that reads it, unless one is named)."""
    return options.snapshot().effective(
        component_for(component, path),
        defaults_dir=Path(defaults) if defaults else None,
        ignore_bad_env=ignore_bad_env,
    )


def context(effective: Effective) -> list[str]:
    """The warnings about the view as a whole: values the server cannot use, keys and files no server code reads.

    (Which defaults it layers, ``effective.defaults_note``, is said only where a default is shown.)"""
    return [*effective.warnings, *(warning for _, warning in unread_keys(effective))]


def effective_value(effective: Effective, path: KeyPath) -> Any:
    value = lookup(effective.tree, path, MISSING)
    if value is MISSING:
        raise NotSet(f"{format_path(path)} is not set in the server's effective configuration")
    return value


@dataclass
class Row:
    key: KeyPath
    value: Any  # masked unless secrets are shown; for a removed default, the default
    label: str
    origin: Origin | None
    removed: bool = False

    def as_json(self, *, changed: bool) -> dict[str, Any]:
        where = self.origin
        return {
            "key": format_path(self.key),
            "value": None if self.removed else self.value,
            "origin": self.label,
            "file": str(where.file) if where and where.file else None,
            "line": where.line if where else None,
            "variable": where.variable if where else None,
            **({"removed": self.removed, "default": self.value if self.removed else None} if changed else {}),
        }


@dataclass
class Shown:
    """What ``show --effective`` prints for one part of the configuration (secrets already masked)."""

    path: KeyPath
    changed: bool
    tree: Any  # the part shown (changed settings only, with --changed)
    removed: list[tuple[KeyPath, Any]] = field(default_factory=list)  # defaults a `-key` or a value removed
    rows: list[Row] = field(default_factory=list)  # with --origin: every leaf and where it comes from

    def as_json(self, *, origin: bool) -> Any:
        if origin:
            return [row.as_json(changed=self.changed) for row in self.rows]
        if self.changed:
            return {
                "changed": self.tree,
                "removed": [{"key": format_path(key), "default": value} for key, value in self.removed],
            }
        return self.tree


def shown(effective: Effective, path: KeyPath, *, origin: bool, changed: bool, show_secrets: bool) -> Shown:
    """The part of the view at ``path`` as ``show`` prints it; NotSet when there is nothing there."""

    def hide(value: Any, where: KeyPath) -> Any:
        return value if show_secrets else masked(value, where)

    tree = changed_only(effective) if changed else effective.tree
    removed = (
        [(key, hide(value, key)) for key, value in removed_defaults(effective) if key[: len(path)] == path]
        if changed
        else []
    )
    part = lookup(tree, path, MISSING) if path else tree
    if part is MISSING:
        if not removed:
            raise NotSet(
                f"{format_path(path)} is not in the server's "
                + ("changed settings" if changed else "effective configuration"),
                "clearml-cfg explain KEY tells which layers set a key",
            )
        part = {}
    result = Shown(path, changed, hide(part, path), removed)
    if origin:
        leaves = [] if changed and part == {} else effective.leaves(part, origin_below(effective.origins, path), ())
        for relative, value, where in leaves:
            full = (*path, *relative)
            result.rows.append(Row(full, hide(value, full), effective.label(where), where))
        for key, value in removed:
            remover = removed_by(effective, key)
            result.rows.append(Row(key, value, effective.label(remover), remover, removed=True))
    return result
