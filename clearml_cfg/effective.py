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
import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from . import schema
from .errors import ConfigReadError, UsageError
from .hocon import Document, HoconSemanticError, Location, Period
from .hocon.paths import Path, format_path
from .keys import ENV_PREFIXES, miscased_prefix
from .layout import ConfigDirs, ConfigFile, config_dirs, discover
from .merge import merge_traced, put_file
from .settings import lookup
from .store import read_document, read_text

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
            if self.file is None or self.relative is None:  # the defaults as a whole, or the registry's
                return "default"
            return f"default {self.relative}:{self.line}" if self.line else f"default {self.relative}"
        where = str(self.file) if full_path or self.relative is None else self.relative
        return f"{where}:{self.line}" if self.line else where

    def at(self, line: int | None) -> Origin:
        return Origin(self.kind, self.file, line, self.relative, self.variable)


@dataclass
class Layer:
    """One contribution: a defaults file, a config file or an environment variable."""

    origin: Origin  # without a line
    tree: dict[str, Any]  # placed at the root (a file's content under its key prefix)
    origins: dict[str, Any]  # the same shape, Origin at the leaves
    directory: FsPath | None = None
    replaces: bool = True  # merged with the `-key` rule
    prefix: tuple[str, ...] = ()  # a file's key prefix (`services/tasks.conf`: services.tasks)
    written: dict[Path, Origin] = field(default_factory=dict)  # every key it writes, sections too, with the line


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

    @functools.cached_property
    def unread(self) -> list[tuple[Path, str]]:
        """Warnings about keys no server code reads, each with the key (or file prefix) it is about."""
        from .unread import unread_keys

        return unread_keys(self)

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
    """pyhocon's tree as plain data: quotes off keys, NoneValue to None, durations to our Period.

    An include used as a value stays an include object in pyhocon's tree: it is shown as pyhocon prints it."""
    from pyhocon.config_tree import ConfigInclude, ConfigTree, NoneValue

    if isinstance(value, ConfigTree):
        return {key.strip('"'): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, NoneValue):
        return None
    if isinstance(value, datetime.timedelta) or type(value).__name__ == "relativedelta":
        return _period(value)
    if isinstance(value, ConfigInclude):
        return object.__repr__(value)
    return value


# what pyhocon leaves in a value where null is concatenated, or an include is used as a value
_JUNK = {
    "<pyhocon.config_tree.NoneValue object at ": "null",
    "<pyhocon.config_tree.ConfigInclude object at ": "include",
}


def junk(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Where pyhocon turned a value into the text of one of its objects, and which ("null" or "include")."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from junk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from junk(item, (*path, index))
    elif isinstance(value, str):
        for marker, what in _JUNK.items():
            if marker in value:
                yield path, what
                return


def _junk_warning(where: str, key: Path, what: str, fix: str) -> str:
    if what == "include":
        return (
            f"{where}: {format_path(key)} is an include used as a value: pyhocon leaves an include object there, "
            f"which no server code can use (shown as pyhocon prints it); {fix}"
        )
    return (
        f"{where}: {format_path(key)} concatenates null with other text: pyhocon makes it the text of its null "
        f"object (shown as pyhocon prints it), and the server gets that string; {fix}"
    )


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
    try:
        return _plain(_pyhocon().parse_file(str(path)))
    except IsADirectoryError:
        raise ConfigReadError(
            f"{path} is a link to a directory: the server crashes trying to read it as a file (IsADirectoryError)",
            f"remove the link or rename it so that it does not end in .conf: {path}",
        ) from None
    except Exception as e:
        raise ConfigReadError(
            f"{path}: the server cannot load this file: {_one_line(e)}",
            _substitution_hint(str(e)) or "fix the file by hand; the server cannot start with it either",
        ) from None


def _one_line(error: Exception) -> str:
    """pyhocon's message, short: pyparsing's lists its whole grammar, so say where it stopped instead."""
    text, loc = getattr(error, "pstr", None), getattr(error, "loc", None)
    if isinstance(text, str) and isinstance(loc, int) and "\n" not in text and len(text) < 200:
        found = repr(text[loc]) if loc < len(text) else "the end"
        return f"pyhocon stops at {found}, column {loc + 1} of {text!r}"
    return " ".join(str(error).split())[:300]


def _pyhocon() -> Any:
    """pyhocon's ConfigFactory, its log quiet: what it logs (a missing include) comes back as our warnings."""
    import logging

    from pyhocon import ConfigFactory

    logging.getLogger("pyhocon").setLevel(logging.ERROR)
    return ConfigFactory


def _substitution_hint(message: str) -> str | None:
    if "Cannot resolve variable" not in message:
        return None
    return (
        "the server resolves each file on its own, then falls back to environment variables: a substitution "
        "cannot refer to a key of another file; write the value itself, or set the environment variable"
    )


def _origin_tree(
    value: Any,
    base: Origin,
    locations: Mapping[Path, Location],
    includes: Sequence[tuple[Path, Location]] = (),
    inner: Path = (),
) -> Any:
    """The shape of ``value`` with an Origin at every leaf: the line of the key, else of the `include` that
    brought it, else of the nearest written parent."""
    if isinstance(value, dict) and value:
        return {key: _origin_tree(item, base, locations, includes, (*inner, key)) for key, item in value.items()}
    probe = inner
    while probe and probe not in locations:
        probe = probe[:-1]
    written = locations.get(probe) if probe else None
    if probe != inner or written is None:
        # not written here itself: an include inside the nearest written object (or deeper) brought it
        brought = [
            (len(where), location.offset, location)
            for where, location in includes
            if len(where) >= len(probe) and tuple(inner[: len(where)]) == where
        ]
        if brought:
            written = max(brought, key=lambda item: (item[0], item[1]))[2]
    return base.at(written.line if written else None)


def _our_reading(config_file: ConfigFile, warnings: list[str]) -> tuple[Document, Any]:
    """Our reading (file:line:col on syntax errors, and the lines of keys), then pyhocon's values.

    Where we refuse a value that pyhocon turns into junk (null concatenated into text, an include used as a
    value), pyhocon's reading decides what the server gets: shown as it is, with a warning."""
    path = config_file.path
    try:
        document = read_document(path)
    except ConfigReadError as e:
        if not isinstance(e.__cause__, HoconSemanticError):
            raise
        try:
            value = _pyhocon_file(path)
        except ConfigReadError:
            raise e from None
        if not any(junk(value)):
            warnings.append(f"{e.message}; the server reads it anyway: shown as pyhocon reads it")
        return Document(read_text(path)), value
    return document, _pyhocon_file(path)


def _file_layer(config_file: ConfigFile, kind: str, replaces: bool, warnings: list[str]) -> Layer:
    document, value = _our_reading(config_file, warnings)
    base = Origin(kind, config_file.path, None, config_file.relative)
    locations = document.field_locations()
    origins = _origin_tree(value, base, locations, document.include_locations())
    prefix = config_file.prefix
    written = _written(prefix, locations, base)
    for inner, what in junk(value):
        where = base.at(_line_of(locations, inner)).label()
        warnings.append(_junk_warning(where, (*prefix, *inner), what, "write the value itself, quoted"))
    tree: dict[str, Any] = {}
    origin_tree: dict[str, Any] = {}
    put_file(tree, prefix, value)
    put_file(origin_tree, prefix, origins)
    return Layer(base, tree, origin_tree, config_file.directory, replaces, prefix, written)


def _written(prefix: tuple[str, ...], locations: Mapping[Path, Location], base: Origin) -> dict[Path, Origin]:
    """Every key a file writes with its line; a section only written through dotted keys (`a.b.c: 1`) gets the
    first line that writes into it."""
    lines: dict[Path, int] = {}
    for inner, location in locations.items():
        lines[inner] = location.line
    for inner, location in locations.items():
        for depth in range(1, len(inner)):
            above = inner[:depth]
            if above not in locations:
                lines[above] = min(lines.get(above, location.line), location.line)
    return {(*prefix, *inner): base.at(line) for inner, line in lines.items()}


def _line_of(locations: Mapping[Path, Location], inner: Path) -> int | None:
    while inner and inner not in locations:
        inner = inner[:-1]
    return locations[inner].line if inner else None


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
    """The overrides in the order the server applies them: TRAINS__ then CLEARML__, each sorted by name.

    Every name that starts with the prefix counts, `CLEARML__` alone too (its key is empty: the server fails)."""
    found = []
    for prefix in ENV_PREFIXES:
        for name in sorted(n for n in env if n.startswith(prefix)):
            key = name[len(prefix) :].replace("__", ".").lower()
            found.append(EnvOverride(name, key, env[name]))
    return found


_FAILED = "the server cannot parse it and fails to start"


def env_name_problem(override: EnvOverride) -> tuple[str, str] | None:
    """When the variable's name cannot make a key the server can parse: what is wrong, and the hint."""
    if not override.key:
        return f"a variable named only by the prefix sets an empty key: {_FAILED}", f"unset {override.variable}"
    try:
        _pyhocon().parse_string(f"{override.key}: null")
    except Exception:
        return (
            f"the name makes the key {override.key!r}: {_FAILED}",
            "rename or unset the variable: write the key's parts in capitals, letters, digits and _ only, joined by __",
        )
    return None


def env_problem(override: EnvOverride, error: Exception) -> tuple[str, str]:
    """Why the server cannot parse an override, as a message and a hint: is it the name or the value?"""
    failed = _FAILED
    named = env_name_problem(override)
    if named is not None and not override.key:
        return f"{override.variable}={override.value!r}: {named[0]}", named[1]
    if named is not None:
        return f"{override.variable}: {named[0]} ({_one_line(error)})", named[1]
    return (
        f"{override.variable}={override.value!r}: {failed} ({_one_line(error)})",
        f"quote the value, e.g. {override.variable}={_quoted(override.value)} (clearml-cfg env KEY VALUE writes "
        "it), or unset it",
    )


def ignored_env(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """Variables meant as overrides that the server ignores (prefix in the wrong case), with the right prefix."""
    return sorted((name, prefix) for name in env if (prefix := miscased_prefix(name)))


def parse_env_value(override: EnvOverride) -> Any:
    """What the server makes of one override: pyhocon parses `key: value` (raises when it cannot)."""
    return _plain(_pyhocon().parse_string(f"{override.key}: {override.value}"))


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


def _quoted(value: str) -> str:
    """``value`` as a HOCON string, quoted again for a shell."""
    import shlex

    from .hocon.render import render_value

    return shlex.quote(render_value(value, inline=True))


def _env_layer(override: EnvOverride, replaces: bool, *, ignore_bad: bool, warnings: list[str]) -> Layer | None:
    base = Origin("env", variable=override.variable)
    try:
        tree = parse_env_value(override)
    except Exception as e:
        message, hint = env_problem(override, e)
        if ignore_bad:
            warnings.append(f"{message} (ignored here because of --ignore-bad-env)")
            return None
        raise ConfigReadError(message, f"{hint}; --ignore-bad-env shows the rest anyway") from None
    if not isinstance(tree, dict):
        tree = {}
    for key, what in junk(tree):
        fix = "quote the value to pass it as text (clearml-cfg env KEY VALUE writes it)"
        warnings.append(_junk_warning(f"{override.variable}={override.value!r}", key, what, fix))
    path = tuple(override.key.split("."))
    return Layer(base, tree, _origin_tree(tree, base, {}), None, replaces, (), {path: base})


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
    written: dict[Path, Origin] = {}
    if defaults_dir is not None:
        if not defaults_dir.is_dir():
            raise UsageError(
                f"--defaults {defaults_dir}: not a directory", "point it at a server's config/default folder"
            )
        defaults: dict[str, Any] = {}
        default_origins: dict[str, Any] = {}
        for config_file in _discover(defaults_dir):
            layer = _file_layer(config_file, "default", False, warnings)
            merge_traced(defaults, default_origins, layer.tree, layer.origins, dash_rule=False)
            written.update(layer.written)
    else:
        defaults, default_origins = _documented_defaults(component)
        notes.append(
            "defaults: the documented defaults of the settings clearml-cfg manages; "
            "--defaults DIR layers a server's full default folder"
        )
    base = Origin("default", defaults_dir)
    layers.append(Layer(base, copy.deepcopy(defaults), default_origins, None, False, (), written))
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
        for config_file in _discover(directory):
            layer = _file_layer(config_file, "file", replaces, warnings)
            layers.append(layer)
            # = the loader's ConfigTree.put(prefix, file)
            merge_traced(directory_tree, directory_origins, layer.tree, layer.origins, dash_rule=False)
        merge_traced(tree, origins, directory_tree, directory_origins, dash_rule=replaces)

    for override in env_overrides(env):
        env_layer = _env_layer(override, replaces, ignore_bad=ignore_bad_env, warnings=warnings)
        if env_layer is None:
            continue
        layers.append(env_layer)
        merge_traced(tree, origins, env_layer.tree, env_layer.origins, dash_rule=replaces)
    for name, prefix in ignored_env(env):
        warnings.append(f"{name} is ignored by the server: the prefix must be exactly {prefix}")

    return Effective(component, tree, origins, defaults, layers, used_dirs, defaults_dir, notes, warnings)


def _discover(directory: FsPath) -> list[ConfigFile]:
    """The files the server reads, after checking for a link named *.conf to a directory, which it also tries
    to read as a file (and crashes)."""
    for root, subdirs, _ in os.walk(directory):
        for name in subdirs:
            if name.endswith(".conf") and os.path.islink(os.path.join(root, name)):
                _pyhocon_file(FsPath(root, name))  # raises the server's error
    return discover(directory)


def origin_below(origins: Any, path: Path) -> Any:
    """The origins under ``path``: a subtree, the one Origin of a value that holds ``path`` whole, or None."""
    node = origins
    for segment in path:
        if isinstance(node, Origin):
            return node
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return node


def changed_only(effective: Effective) -> dict[str, Any]:
    """The leaves whose effective value differs from the defaults, as a tree.

    An empty object counts where the defaults hold something else there (`-cors {}`), or where a file writes it
    as a key; not where it is only an empty file's section."""
    from .hocon import strict_equal

    result: dict[str, Any] = {}
    for path, value, origin in effective.leaves():
        try:
            default = lookup(effective.defaults, path)
        except KeyError:
            default = _NOT_SET
        if value == {} and default is _NOT_SET and (origin is None or origin.line is None):
            continue  # an empty file's section sets nothing
        if path and (default is _NOT_SET or not strict_equal(default, value)):
            put_file(result, tuple(str(s) for s in path), value)
    return result


def removed_defaults(effective: Effective) -> list[tuple[Path, Any]]:
    """The defaults the effective configuration no longer holds (a `-key` replaced their section, or a parent
    became a value), with the default value."""
    removed = []
    for path, default, _ in effective.leaves(effective.defaults, {}):
        try:
            lookup(effective.tree, path)
        except KeyError:
            removed.append((path, default))
    return removed


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
