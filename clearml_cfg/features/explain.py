"""Why a key has its effective value: every layer that sets it, which one wins and why, and what will not work."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..hocon import KeyPath, format_path, strict_equal
from ..model.env_names import env_key, miscased_prefix
from ..model.keys import MISSING, lookup
from ..model.known import misspelt_part
from ..model.layout import KNOWN_NAMESPACES
from ..views.effective import Effective, Layer, Origin, leaf_origins, origin_below
from ..views.unread import known_namespace, outside_namespace, unread_keys

# Variables the server applies when it connects, outside the merged tree (SERVER-SEMANTICS §4)
_CONNECTION_VARIABLES = {
    ("hosts", "mongo"): ("MONGODB_SERVICE_HOST", "MONGODB_SERVICE_PORT"),
    ("hosts", "elastic"): ("ELASTIC_SERVICE_HOST", "ELASTIC_SERVICE_PORT"),
    ("hosts", "redis"): ("REDIS_SERVICE_HOST", "REDIS_SERVICE_PORT"),
}


@dataclass
class Step:
    origin: Origin
    label: str
    action: str  # what the layer does to the key
    value: Any  # the value this layer gives the key, MISSING when it removes it
    reason: str  # why it overrides what came before ("" for the first)
    wins: bool = False
    merged: bool = False  # an object that deep-merges with the other rows marked so: none of them wins alone
    how: str = "sets"  # "sets", "replaces" (a `-key`) or "parent" (a parent set to a non-object)


@dataclass
class Explanation:
    key: KeyPath
    component: str
    value: Any
    origin: str | None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    defaults_note: str = ""  # which defaults the view layers under the files

    @property
    def is_set(self) -> bool:
        return self.value is not MISSING


def _touch(layer: Layer, key: KeyPath) -> tuple[str, KeyPath, Any] | None:
    """How ``layer`` writes ``key``: ("sets", key, value), ("replaces", parent, value under it), or
    ("parent", parent, non-object value); None when it does not write it at all."""
    node: Any = layer.tree
    for depth, segment in enumerate(key):
        if not isinstance(node, dict):
            return ("parent", key[:depth], node)
        if segment not in node:
            return None
        if key[: depth + 1] in layer.replaced:
            try:
                value = lookup(node[segment], key[depth + 1 :])
            except KeyError:
                value = MISSING
            return ("replaces", key[: depth + 1], value)
        node = node[segment]
    return ("sets", key, node)


def _reason(
    previous: Step | None, step: Step, layer: Layer, previous_layer: Layer | None, how: str, where: KeyPath
) -> str:
    origin = step.origin
    if how == "replaces" and previous is None:
        return f"'-{where[-1]}' sets {where[-1]}: the server drops the '-' of a key it merges"
    if how == "replaces":
        return f"'-{where[-1]}' replaces the whole {where[-1]} section instead of merging into it"
    if previous is None or previous_layer is None:
        return "the server's default" if origin.kind == "default" else ""
    if how == "sets" and isinstance(step.value, dict) and isinstance(previous.value, dict):
        return "merged into what came before: objects merge key by key"
    before = previous.origin
    if origin.kind == "env":
        if before.kind == "default":
            return "an environment variable overrides the default"
        if before.kind != "env":
            return "environment variables override the files"
        return f"applied after {before.variable} (TRAINS__ first, then CLEARML__, each in name order)"
    if origin.kind == "file" and before.kind == "default":
        return "a configuration file overrides the default"
    if origin.kind == "file" and before.kind == "file":
        if layer.directory != previous_layer.directory:
            return f"a later config directory wins ({layer.directory} comes after {previous_layer.directory})"
        if (
            before.relative is not None
            and origin.relative is not None
            and _folder(before.relative) == _folder(origin.relative)
        ):
            return (
                f"{origin.relative} is read after {before.relative}, and wins: the server reads the files of a folder "
                "in the file system's order, so on another file system the other may win (check reports it)"
            )
        return f"{origin.relative} is read after {before.relative}: a subfolder's files come after the folder's own"
    return ""


def _folder(relative: str) -> str:
    return relative.rpartition("/")[0]


def _step_origin(layer: Layer, key: KeyPath, how: str, where: KeyPath) -> Origin:
    """Where ``layer`` writes ``key``, with the line: the key itself, its `-key`, or the parent it replaces."""
    if how == "sets":
        leaf = _origin_at(layer.origins, key)
        if leaf is not None:
            return leaf
        written = layer.written.get(key)
    else:
        written = layer.written.get(where)
    if written is not None:
        return written
    if layer.origin.kind == "default":  # a section of the defaults: name its file when it has one
        files = {(o.file, o.relative) for o in leaf_origins(origin_below(layer.origins, key))}
        if len(files) == 1:
            file, relative = files.pop()
            return Origin("default", file, None, relative)
    return layer.origin


def explain(effective: Effective, key: KeyPath, env: Mapping[str, str] | None = None) -> Explanation:
    env = os.environ if env is None else env
    try:
        value = lookup(effective.tree, key)
        origin = effective.label(_origin_at(effective.origins, key))
    except KeyError:
        value, origin = MISSING, None
    if isinstance(value, dict) and value:
        origin = None  # an object comes from several layers: the rows say which
    result = Explanation(key, effective.component, value, origin, defaults_note=effective.defaults_note)
    result.warnings.extend(effective.warnings)

    previous: Step | None = None
    previous_layer: Layer | None = None
    for layer in effective.layers:
        touch = _touch(layer, key)
        if touch is None:
            continue
        how, where, written = touch
        if how == "sets":
            action = "sets it"
        elif how == "replaces" and previous is None:
            action = f"sets it, written '-{where[-1]}'"
        elif how == "replaces":
            action = f"replaces '{where[-1]}' with '-{where[-1]}'"
        else:
            action = f"sets {format_path(where)} to a non-object, which removes it"
            written = MISSING
        origin_here = _step_origin(layer, key, how, where)
        step = Step(origin_here, effective.label(origin_here), action, written, "", how=how)
        step.reason = _reason(previous, step, layer, previous_layer, how, where)
        same = previous is not None and previous.value is not MISSING and written is not MISSING
        if same and previous is not None and strict_equal(previous.value, written):
            step.reason += (" (" if step.reason else "(") + "the same value)"
        result.steps.append(step)
        previous, previous_layer = step, layer
    _mark_winners(result)

    result.warnings.extend(_unread(effective, key, result))
    result.warnings.extend(
        warning for path, warning in unread_keys(effective) if len(path) > len(key) and tuple(path[: len(key)]) == key
    )
    result.warnings.extend(_ignored_variables(key, env))
    result.notes.extend(_connection_notes(key, env))
    result.notes.extend(_cors_note(effective, key))
    return result


def _mark_winners(result: Explanation) -> None:
    """The last row wins, unless the value is an object that several rows merge into: those are `merged`."""
    if not result.steps or not result.is_set:
        return
    if not (isinstance(result.value, dict) and result.value):
        result.steps[-1].wins = True
        return
    start = 0  # the row the object starts from: a replacement resets it
    for index, step in enumerate(result.steps):
        if step.value is MISSING:
            start = index + 1
        elif step.how == "replaces" or not isinstance(step.value, dict):
            start = index
    contributing = result.steps[start:]
    if len(contributing) == 1:
        contributing[0].wins = True
        return
    for step in contributing:
        step.merged = True


def removed_by(effective: Effective, key: KeyPath) -> Origin | None:
    """The last layer that removes ``key`` (a `-key` without it, or a parent set to a value)."""
    for layer in reversed(effective.layers):
        touch = _touch(layer, key)
        if touch is None:
            continue
        how, where, written = touch
        if how == "parent" or (how == "replaces" and written is MISSING):
            return _step_origin(layer, key, how, where)
    return None


def _origin_at(origins: Any, key: KeyPath) -> Origin | None:
    """The origin of the value at ``key``, or of a list or value replaced whole that holds it."""
    node = origin_below(origins, key)
    return node if isinstance(node, Origin) else None


def _unread(effective: Effective, key: KeyPath, result: Explanation) -> list[str]:
    """Keys that no server code reads: a file outside its sections, a misplaced file, a typo."""
    if not key or not isinstance(key[0], str):
        return []
    if key[0] not in KNOWN_NAMESPACES:
        files = [
            layer
            for layer in effective.layers
            if layer.origin.kind == "file" and layer.prefix and layer.prefix[0] == key[0]
        ]
        if files:
            return [outside_namespace(layer, several_dirs=effective.several_dirs) for layer in files]
        close = difflib.get_close_matches(key[0], KNOWN_NAMESPACES, n=1)
        return [f"no server code reads {key[0]}.*" + (f"; did you mean {close[0]}?" if close else "")]
    warnings = _misplaced(effective, key)
    trees = [effective.defaults] if result.is_set else [effective.defaults, effective.tree]
    typo = misspelt_part(key, trees)
    if typo is None:
        return warnings
    meant = (*typo.suggestion, *key[len(typo.path) :]) if typo.suggestion else None
    also = f"; did you mean {format_path(meant)}?" if meant else ""
    if typo.closed:
        parent, name = typo.path[:-1], typo.path[-1]
        warnings.append(f"{format_path(parent)} does not take {name!r}: the server rejects or ignores it{also}")
    elif result.is_set:
        warnings.append(f"no server code reads {format_path(typo.path)}{also}")
    elif meant:
        warnings.append(f"did you mean {format_path(meant)}?")
    return warnings


def _misplaced(effective: Effective, key: KeyPath) -> list[str]:
    """A file outside the server's sections that holds ``key`` one level down (`backup/apiserver.conf`)."""
    warnings = []
    for layer in effective.layers:
        if layer.origin.kind != "file" or not layer.prefix or known_namespace(layer):
            continue
        prefix = layer.prefix
        for start in range(1, len(prefix)):
            tail = prefix[start:]
            if tuple(key[: len(tail)]) != tail:
                continue
            misplaced = (*prefix[:start], *key)
            try:
                lookup(layer.tree, misplaced)
            except KeyError:
                continue
            where = layer.origin.label(full_path=effective.several_dirs)
            warnings.append(
                f"{where} sets {format_path(misplaced)}, not {format_path(key)}: the file is loaded as "
                f"{'.'.join(prefix)}.*, which no server code reads; move the setting to {'/'.join(tail)}.conf"
            )
    return warnings


def _ignored_variables(key: KeyPath, env: Mapping[str, str]) -> list[str]:
    dotted = ".".join(str(s) for s in key)
    warnings = []
    for name in sorted(env):
        prefix = miscased_prefix(name)
        if prefix is None:
            continue
        target = env_key(prefix + name[len(prefix) :])
        if target and (dotted == target or dotted.startswith(target + ".") or target.startswith(dotted + ".")):
            warnings.append(f"{name} would set {target} but the server ignores it: the prefix must be exactly {prefix}")
    return warnings


def _connection_notes(key: KeyPath, env: Mapping[str, str]) -> list[str]:
    notes = []
    for section, variables in _CONNECTION_VARIABLES.items():
        if tuple(key[:2]) != section:
            continue
        for variable in variables:
            for prefix in ("CLEARML_", "TRAINS_", ""):
                if env.get(prefix + variable):
                    notes.append(
                        f"{prefix + variable}={env[prefix + variable]} replaces the host or port of "
                        f"{format_path(section)} when the server connects (not shown in the tree)"
                    )
                    break
    return notes


def _cors_note(effective: Effective, key: KeyPath) -> list[str]:
    if tuple(key[:2]) != ("fileserver", "cors"):
        return []
    files = [layer for layer in effective.layers if layer.origin.kind != "default"]
    sets_api = any("cors" in layer.tree.get("apiserver", {}) for layer in files)
    sets_files = any("cors" in layer.tree.get("fileserver", {}) for layer in files)
    if sets_api and not sets_files:
        return ["CORS is set for the API server (apiserver.cors) only: the file server reads fileserver.cors"]
    return []
