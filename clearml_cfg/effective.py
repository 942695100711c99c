"""The configuration exactly as the server computes it, and where every value comes from (SERVER-SEMANTICS §1-4).

Layers, lowest first: the defaults; each config directory in the server's order (each file parsed on its own,
put under its key prefix; a directory's files merged, then the directory merged over what came before with the
`-key` rule); then `TRAINS__*` and `CLEARML__*` environment variables. Values come from pyhocon, as in the
server. Origins (default, file:line, env NAME) come from replaying the same merge on a tree of origins built
from our own reading of each file, which has the line numbers pyhocon does not keep.
"""

from __future__ import annotations

import copy
import datetime
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from . import schema
from .errors import ConfigReadError, UsageError
from .hocon import Period
from .hocon.paths import Path, format_path
from .keys import ENV_PREFIXES, env_key, miscased_prefix
from .layout import ConfigDirs, ConfigFile, config_dirs, discover
from .merge import merge, put_file
from .store import read_document

COMPONENTS = ("apiserver", "fileserver")
IMAGE_DEFAULTS = {
    "apiserver": FsPath("/opt/clearml/apiserver/config/default"),
    "fileserver": FsPath("/opt/clearml/fileserver/config/default"),
}
FILESERVER_DIRS = ("/opt/clearml/config",)


@dataclass(frozen=True)
class Origin:
    kind: str  # "default", "file" or "env"
    file: FsPath | None = None
    line: int | None = None
    relative: str | None = None  # the file within its config directory
    variable: str | None = None

    def label(self, *, full_path: bool = False) -> str:
        if self.kind == "env":
            return f"env {self.variable}"
        if self.kind == "default":
            if self.file is None:
                return "default"
            return f"default {self.relative}:{self.line}" if self.line else f"default {self.relative}"
        where = str(self.file) if full_path else str(self.relative)
        return f"{where}:{self.line}" if self.line else where


@dataclass
class Layer:
    """One contribution: a defaults file, a config file or an environment variable."""

    origin: Origin  # without a line
    tree: dict[str, Any]  # placed at the root (a file's content under its key prefix)
    origins: dict[str, Any]  # the same shape, Origin at the leaves
    directory: FsPath | None = None
    replaces: bool = True  # merged with the `-key` rule


_WHOLE: Any = object()  # leaves(): start from the whole tree


@dataclass
class Effective:
    component: str
    tree: dict[str, Any]
    origins: dict[str, Any]
    defaults: dict[str, Any]
    layers: list[Layer]
    dirs: list[FsPath]
    defaults_source: FsPath | None  # None: the documented defaults of clearml-cfg's registry
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def several_dirs(self) -> bool:
        return len(self.dirs) > 1

    def leaves(
        self, tree: Any = _WHOLE, origins: Any = _WHOLE, path: Path = ()
    ) -> Iterator[tuple[Path, Any, Origin | None]]:
        """Every leaf (scalar, list, or empty object) with its origin, in tree order."""
        tree = self.tree if tree is _WHOLE else tree
        origins = self.origins if origins is _WHOLE else origins
        if isinstance(tree, dict) and tree:
            for key, value in tree.items():
                below = origins.get(key) if isinstance(origins, dict) else None
                yield from self.leaves(value, below, (*path, key))
        else:
            yield path, tree, origins if isinstance(origins, Origin) else None

    def label(self, origin: Origin | None) -> str:
        return origin.label(full_path=self.several_dirs) if origin else "?"


# --- reading a layer with pyhocon --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """pyhocon's tree as plain data: quotes off keys, NoneValue to None, durations to our Period."""
    from pyhocon.config_tree import ConfigTree, NoneValue

    if isinstance(value, ConfigTree):
        return {key.strip('"'): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, NoneValue):
        return None
    if isinstance(value, datetime.timedelta) or type(value).__name__ == "relativedelta":
        return _period(value)
    return value


_DELTA_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds", "microseconds")


def _period(value: Any) -> Period:
    """pyhocon's timedelta/relativedelta back as a Period, for display and JSON."""
    if isinstance(value, datetime.timedelta):
        micros = value // datetime.timedelta(microseconds=1)
        amount, unit = (micros // 1000, "milliseconds") if micros % 1000 == 0 else (micros, "microseconds")
        return Period(amount, unit, f"{amount} {unit}")
    fields: dict[str, int] = {unit: int(getattr(value, unit, 0) or 0) for unit in _DELTA_UNITS}
    for unit in _DELTA_UNITS:  # relativedelta(weeks=2) also reports days=14: take the largest unit
        if fields[unit]:
            return Period(fields[unit], unit, f"{fields[unit]} {unit}")
    return Period(0, "seconds", "0 seconds")


def _pyhocon_file(path: FsPath) -> Any:
    from pyhocon import ConfigFactory

    try:
        return _plain(ConfigFactory.parse_file(str(path)))
    except Exception as e:
        raise ConfigReadError(
            f"{path}: the server cannot load this file: {_one_line(e)}",
            _substitution_hint(str(e)) or "fix the file by hand; the server cannot start with it either",
        ) from None


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


def _substitution_hint(message: str) -> str | None:
    if "Cannot resolve variable" not in message:
        return None
    return (
        "the server resolves each file on its own, then falls back to environment variables: a substitution "
        "cannot refer to a key of another file; write the value itself, or set the environment variable"
    )


def _origin_tree(value: Any, base: Origin, locations: Mapping[Path, Any], inner: Path = ()) -> Any:
    """The shape of ``value`` with an Origin (carrying the line of the nearest written key) at every leaf."""
    if isinstance(value, dict) and value:
        return {key: _origin_tree(item, base, locations, (*inner, key)) for key, item in value.items()}
    probe = inner
    while probe and probe not in locations:
        probe = probe[:-1]
    line = locations[probe].line if probe in locations else None
    return Origin(base.kind, base.file, line, base.relative, base.variable)


def _file_layer(config_file: ConfigFile, kind: str, replaces: bool) -> Layer:
    document = read_document(config_file.path)  # our reading first: clear file:line:col messages on errors
    value = _pyhocon_file(config_file.path)
    base = Origin(kind, config_file.path, None, config_file.relative)
    origins = _origin_tree(value, base, document.field_locations())
    tree: dict[str, Any] = {}
    origin_tree: dict[str, Any] = {}
    put_file(tree, config_file.prefix, value)
    put_file(origin_tree, config_file.prefix, origins)
    return Layer(base, tree, origin_tree, config_file.directory, replaces)


def _documented_defaults(component: str) -> tuple[dict[str, Any], dict[str, Any]]:
    tree: dict[str, Any] = {}
    origins: dict[str, Any] = {}
    for setting in schema.SETTINGS:
        if setting.default is schema.NO_DEFAULT or "*" in setting.pattern or "[]" in setting.pattern:
            continue
        if (setting.pattern[0] == "fileserver") != (component == "fileserver"):
            continue
        put_file(tree, setting.pattern, setting.default)
        put_file(origins, setting.pattern, Origin("default"))
    return tree, origins


# --- the environment ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvOverride:
    variable: str
    key: str
    value: str


def env_overrides(env: Mapping[str, str]) -> list[EnvOverride]:
    """The overrides in the order the server applies them: TRAINS__ then CLEARML__, each sorted by name."""
    found = []
    for prefix in ENV_PREFIXES:
        for name in sorted(n for n in env if n.startswith(prefix)):
            key = env_key(name)
            if key:
                found.append(EnvOverride(name, key, env[name]))
    return found


def ignored_env(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """Variables meant as overrides that the server ignores (prefix in the wrong case), with the right prefix."""
    return sorted((name, prefix) for name in env if (prefix := miscased_prefix(name)))


def parse_env_value(override: EnvOverride) -> Any:
    """What the server makes of one override: pyhocon parses `key: value`; None when it fails."""
    from pyhocon import ConfigFactory

    return _plain(ConfigFactory.parse_string(f"{override.key}: {override.value}"))


def env_text(value: Any, name: str, key: str) -> str:
    """A variable's text that the server parses back to exactly ``value``: a string bare when it reads back the
    same (`.example.com`), else quoted (`"007"`, `"http://x/${id}"`); other values as inline HOCON."""
    from .hocon import strict_equal
    from .hocon.render import render_value

    if isinstance(value, str) and value and value.strip() == value:
        try:
            bare = lookup(parse_env_value(EnvOverride(name, key, value)), tuple(key.split(".")))
        except Exception:
            bare = _NOT_SET
        if bare is not _NOT_SET and strict_equal(bare, value):
            return value
    return render_value(value, inline=True)


def _env_layer(override: EnvOverride, replaces: bool, *, ignore_bad: bool, warnings: list[str]) -> Layer | None:
    base = Origin("env", variable=override.variable)
    try:
        tree = parse_env_value(override)
    except Exception as e:
        message = f"{override.variable}={override.value!r}: the server cannot parse this value and fails to start"
        if ignore_bad:
            warnings.append(f"{message} (ignored here because of --ignore-bad-env)")
            return None
        raise ConfigReadError(
            f"{message} ({_one_line(e)})",
            f"quote the value, e.g. {override.variable}='\"{override.value}\"', or unset it; "
            "--ignore-bad-env shows the rest anyway",
        ) from None
    if not isinstance(tree, dict):
        tree = {}
    return Layer(base, tree, _origin_tree(tree, base, {}), None, replaces)


# --- the computation ----------------------------------------------------------------------------------------


def component_dirs(dirs: ConfigDirs, component: str) -> ConfigDirs:
    """The file server reads only /opt/clearml/config unless the directories were given explicitly."""
    if component == "fileserver" and dirs.origin == "default":
        return config_dirs(os.pathsep.join(FILESERVER_DIRS), {})
    return dirs


def compute(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    *,
    component: str = "apiserver",
    defaults_dir: FsPath | None = None,
    ignore_bad_env: bool = False,
) -> Effective:
    if component not in COMPONENTS:
        raise UsageError(f"unknown component {component!r}", f"use one of {', '.join(COMPONENTS)}")
    replaces = component == "apiserver"  # the file server's loader has no `-key` rule
    notes: list[str] = []
    warnings: list[str] = []
    layers: list[Layer] = []

    if defaults_dir is None and IMAGE_DEFAULTS[component].is_dir():
        defaults_dir = IMAGE_DEFAULTS[component]
        notes.append(f"defaults: the server's own folder {defaults_dir}")
    if defaults_dir is not None:
        if not defaults_dir.is_dir():
            raise UsageError(
                f"--defaults {defaults_dir}: not a directory", "point it at a server's config/default folder"
            )
        defaults: dict[str, Any] = {}
        default_origins: dict[str, Any] = {}
        for config_file in discover(defaults_dir):
            layer = _file_layer(config_file, "default", False)
            merge(defaults, layer.tree, dash_rule=False)
            merge(default_origins, layer.origins, dash_rule=False)
    else:
        defaults, default_origins = _documented_defaults(component)
        notes.append(
            "defaults: the documented defaults of the settings clearml-cfg manages; "
            "--defaults DIR layers a server's full default folder"
        )
    layers.append(Layer(Origin("default", defaults_dir), copy.deepcopy(defaults), default_origins, None, False))
    tree = copy.deepcopy(defaults)
    origins = copy.deepcopy(default_origins)

    read = component_dirs(dirs, component)
    used_dirs: list[FsPath] = []
    for directory in read.dirs:
        if not directory.is_dir():
            if read.origin != "default":
                warnings.append(f"{directory} (from {read.origin}) is not a directory: the server skips it")
            continue
        used_dirs.append(directory)
        directory_tree: dict[str, Any] = {}
        directory_origins: dict[str, Any] = {}
        for config_file in discover(directory):
            layer = _file_layer(config_file, "file", replaces)
            layers.append(layer)
            merge(directory_tree, layer.tree, dash_rule=False)  # = the loader's ConfigTree.put(prefix, file)
            merge(directory_origins, layer.origins, dash_rule=False)
        merge(tree, directory_tree, dash_rule=replaces)
        merge(origins, directory_origins, dash_rule=replaces)

    for override in env_overrides(env):
        env_layer = _env_layer(override, replaces, ignore_bad=ignore_bad_env, warnings=warnings)
        if env_layer is None:
            continue
        layers.append(env_layer)
        merge(tree, env_layer.tree, dash_rule=replaces)
        merge(origins, env_layer.origins, dash_rule=replaces)
    for name, prefix in ignored_env(env):
        warnings.append(f"{name} is ignored by the server: the prefix must be exactly {prefix}")

    return Effective(component, tree, origins, defaults, layers, used_dirs, defaults_dir, notes, warnings)


def lookup(tree: Any, path: Path) -> Any:
    node = tree
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(node, list) or not 0 <= segment < len(node):
                raise KeyError(segment)
        elif not isinstance(node, dict) or segment not in node:
            raise KeyError(segment)
        node = node[segment]
    return node


def changed_only(effective: Effective) -> dict[str, Any]:
    """The leaves whose effective value differs from the defaults, as a tree."""
    from .hocon import strict_equal

    result: dict[str, Any] = {}
    for path, value, _ in effective.leaves():
        if value == {}:
            continue  # an empty section (an empty file) sets nothing
        try:
            default = lookup(effective.defaults, path)
        except KeyError:
            default = _NOT_SET
        if path and (default is _NOT_SET or not strict_equal(default, value)):
            put_file(result, tuple(str(s) for s in path), value)
    return result


_NOT_SET = object()


def describe_value(value: Any) -> str:
    from .hocon.render import render_value

    if isinstance(value, Period):
        return value.text
    try:
        return render_value(value, inline=True)
    except Exception:
        return repr(value)


def known_keys(effective: Effective) -> set[Path]:
    return {path for path, _, _ in effective.leaves(effective.defaults, {})}


def format_key(path: Path) -> str:
    return format_path(path)
