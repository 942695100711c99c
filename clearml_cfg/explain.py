"""Why a key has its effective value: every layer that sets it, which one wins and why, and what will not work."""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .effective import Effective, Layer, Origin, lookup
from .hocon import strict_equal
from .hocon.paths import Path, format_path
from .keys import env_key, miscased_prefix
from .layout import KNOWN_NAMESPACES
from .merge import merge

MISSING: Any = object()

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


@dataclass
class Explanation:
    key: Path
    component: str
    value: Any
    origin: str | None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_set(self) -> bool:
        return self.value is not MISSING


def _touch(layer: Layer, key: Path) -> tuple[str, Path, Any] | None:
    """How ``layer`` writes ``key``: ("sets", key, value), ("replaces", parent, value under it), or
    ("parent", parent, non-object value); None when it does not write it at all."""
    node: Any = layer.tree
    for depth, segment in enumerate(key):
        if not isinstance(node, dict):
            return ("parent", key[:depth], node)
        if layer.replaces and isinstance(segment, str) and "-" + segment in node:
            replaced = node["-" + segment]
            try:
                value = lookup(replaced, key[depth + 1 :])
            except KeyError:
                value = MISSING
            return ("replaces", key[: depth + 1], value)
        if segment not in node:
            return None
        node = node[segment]
    return ("sets", key, node)


def _reason(
    previous: Step | None, step: Step, layer: Layer, previous_layer: Layer | None, how: str, where: Path
) -> str:
    origin = step.origin
    if how == "replaces":
        return f"'-{where[-1]}' replaces the whole {where[-1]} section instead of merging into it"
    if previous is None or previous_layer is None:
        return "the server's default" if origin.kind == "default" else ""
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
        return f"{origin.relative} is read after {before.relative} in the same directory, and wins"
    return ""


def explain(effective: Effective, key: Path, env: Mapping[str, str] | None = None) -> Explanation:
    env = os.environ if env is None else env
    try:
        value = lookup(effective.tree, key)
        origin = effective.label(_origin_at(effective.origins, key))
    except KeyError:
        value, origin = MISSING, None
    result = Explanation(key, effective.component, value, origin, notes=list(effective.notes))
    result.warnings.extend(effective.warnings)

    accumulated: dict[str, Any] = {}
    previous: Step | None = None
    previous_layer: Layer | None = None
    for layer in effective.layers:
        touch = _touch(layer, key)
        merge(accumulated, copy.deepcopy(layer.tree), dash_rule=layer.replaces)
        if touch is None:
            continue
        how, where, written = touch
        if how == "sets":
            action = "sets it"
        elif how == "replaces":
            action = f"replaces '{where[-1]}' with '-{where[-1]}'"
        else:
            action = f"sets {format_path(where)} to a non-object, which removes it"
            written = MISSING
        origin_here = _origin_at(layer.origins, key) or layer.origin
        step = Step(origin_here, effective.label(origin_here), action, written, "")
        step.reason = _reason(previous, step, layer, previous_layer, how, where)
        same = previous is not None and previous.value is not MISSING and written is not MISSING
        if same and previous is not None and strict_equal(previous.value, written):
            step.reason += (" (" if step.reason else "(") + "the same value)"
        result.steps.append(step)
        previous, previous_layer = step, layer
    if result.steps and result.is_set:
        result.steps[-1].wins = True

    result.warnings.extend(_unread(effective, key, result))
    result.warnings.extend(_ignored_variables(key, env))
    result.notes.extend(_connection_notes(key, env))
    result.notes.extend(_cors_note(effective, key))
    return result


def _origin_at(origins: Any, key: Path) -> Origin | None:
    node = origins
    for segment in key:
        if isinstance(node, Origin):
            return node  # a list or a value replaced as a whole: its origin covers what is inside
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return node if isinstance(node, Origin) else None


def _unread(effective: Effective, key: Path, result: Explanation) -> list[str]:
    """Keys set somewhere that no server code reads (a typo, or the wrong section)."""
    warnings = []
    written = any(step.origin.kind != "default" for step in result.steps)
    if key and isinstance(key[0], str) and key[0] not in KNOWN_NAMESPACES:
        close = difflib.get_close_matches(key[0], KNOWN_NAMESPACES, n=1)
        also = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"the server loads {key[0]}.conf but no code reads {key[0]}.*{also}")
        return warnings
    if not result.is_set and len(key) >= 2 and isinstance(key[-1], str):
        return _suggest(effective, key)
    if not written or len(key) < 2 or not isinstance(key[-1], str):
        return warnings
    parent_setting = schema.setting_for(key[:-1])
    if parent_setting is not None and parent_setting.keys is not None and key[-1] not in parent_setting.keys:
        close = difflib.get_close_matches(key[-1], parent_setting.keys, n=1)
        also = f"; did you mean {format_path((*key[:-1], close[0]))}?" if close else ""
        warnings.append(f"{format_path(key[:-1])} does not take {key[-1]!r}: the server rejects or ignores it{also}")
        return warnings
    if effective.defaults_source is not None:
        try:
            siblings = lookup(effective.defaults, key[:-1])
        except KeyError:
            return warnings
        if isinstance(siblings, dict) and key[-1] not in siblings:
            close = difflib.get_close_matches(key[-1], [str(k) for k in siblings], n=1)
            if close:
                warnings.append(
                    f"no server default is named {format_path(key)}: did you mean {format_path((*key[:-1], close[0]))}?"
                )
    return warnings


def _suggest(effective: Effective, key: Path) -> list[str]:
    """For a key set nowhere: the closest key that exists next to it (in the tree or the registry)."""
    names: set[str] = set()
    try:
        siblings = lookup(effective.tree, key[:-1])
        if isinstance(siblings, dict):
            names.update(str(k) for k in siblings)
    except KeyError:
        pass
    setting = schema.setting_for(key[:-1])
    if setting is not None and setting.keys:
        names.update(setting.keys)
    names.update(str(s.pattern[-1]) for s in schema.SETTINGS if s.matches((*key[:-1], s.pattern[-1])))
    close = difflib.get_close_matches(str(key[-1]), sorted(names), n=1)
    return [f"did you mean {format_path((*key[:-1], close[0]))}?"] if close else []


def _ignored_variables(key: Path, env: Mapping[str, str]) -> list[str]:
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


def _connection_notes(key: Path, env: Mapping[str, str]) -> list[str]:
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


def _cors_note(effective: Effective, key: Path) -> list[str]:
    if tuple(key[:2]) != ("fileserver", "cors"):
        return []
    files = [layer for layer in effective.layers if layer.origin.kind != "default"]
    sets_api = any("cors" in layer.tree.get("apiserver", {}) for layer in files)
    sets_files = any("cors" in layer.tree.get("fileserver", {}) for layer in files)
    if sets_api and not sets_files:
        return ["CORS is set for the API server (apiserver.cors) only: the file server reads fileserver.cors"]
    return []
