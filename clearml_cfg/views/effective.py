"""The configuration exactly as the server computes it, and where every value comes from (SERVER-SEMANTICS §1-4).

Layers, lowest first: the defaults; each config directory in the server's order (each file parsed on its own,
put under its key prefix; a directory's files merged, then the directory merged over what came before with the
`-key` rule); then `TRAINS__*` and `CLEARML__*` environment variables. Values come from pyhocon, as in the
server. Origins (default, file:line, env NAME) come from replaying the same merge on a tree of origins built
from our own reading of each file, which has the line numbers pyhocon does not keep.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError, UsageError
from ..hocon import Document, HoconRunaway, HoconSemanticError, KeyPath, Location, format_path
from ..io.reading import Reader, resolved_tree
from ..model import schema
from ..model.keys import MISSING, lookup
from ..model.layout import ConfigDirs, ConfigFile, conf_directory, config_dirs
from ..model.merge import EmptyKey, Renames, land, landed_path, merge_traced, on_the_way, pruned, put_along, put_file
from .environment import EnvOverride, env_overrides, env_problem, ignored_env, parse_env_value
from .files import listing, will_exist
from .server_reading import junk, junk_warning, read_file, url_include_warning, url_includes

COMPONENTS = ("apiserver", "fileserver")
IMAGE_DEFAULTS = {
    "apiserver": Path("/opt/clearml/apiserver/config/default"),
    "fileserver": Path("/opt/clearml/fileserver/config/default"),
}
FILESERVER_DIRS = ("/opt/clearml/config",)


@dataclass(frozen=True)
class Origin:
    kind: str  # "default", "file" or "env"
    file: Path | None = None
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

    def __deepcopy__(self, memo: dict[int, Any]) -> Origin:
        return self  # frozen: trees of origins are copied with every merge, their leaves need not be


@dataclass
class Layer:
    """One contribution: a defaults file, a config file or an environment variable.

    Its trees are as the layer *lands*: where the loader's merge dropped the ``-`` of a `-key`, the key is
    shown without it and its path is in ``replaced``; a `-key` the merge did not visit keeps its name."""

    origin: Origin  # without a line
    tree: dict[str, Any]  # placed at the root (a file's content under its key prefix)
    origins: dict[str, Any]  # the same shape, Origin at the leaves
    directory: Path | None = None
    replaced: set[KeyPath] = field(default_factory=set)  # where a `-key` replaced what came before
    prefix: tuple[str, ...] = ()  # a file's key prefix (`services/tasks.conf`: services.tasks)
    written: dict[KeyPath, Origin] = field(default_factory=dict)  # every key it writes, sections too, with the line
    as_written: dict[str, Any] = field(default_factory=dict)  # ``tree`` before landing: `-key`s as written

    def landed(self, renamed: Renames, *, replacing: bool = True) -> None:
        """Rename the layer's keys as the merge that made ``renamed`` applied them; ``replacing``: what that
        merge replaced counts as replaced in the end."""
        if not renamed:
            return
        self.tree, replaced = land(self.tree, renamed)
        self.origins, _ = land(self.origins, renamed)
        if replacing:
            self.replaced = {*self.replaced, *replaced}
        self.written = {landed_path(path, renamed): origin for path, origin in self.written.items()}
        self.prefix = tuple(str(s) for s in landed_path(self.prefix, renamed))


_WHOLE: Any = object()  # leaves(): start from the whole tree


@dataclass
class Effective:
    component: str
    tree: dict[str, Any]
    origins: dict[str, Any]
    defaults: dict[str, Any]
    layers: list[Layer]
    dirs: list[Path]
    defaults_source: Path | None  # None: the documented defaults of clearml-cfg's registry
    defaults_note: str = ""  # which defaults are layered under the files
    warnings: list[str] = field(default_factory=list)

    @property
    def several_dirs(self) -> bool:
        return len(self.dirs) > 1

    def leaves(
        self, tree: Any = _WHOLE, origins: Any = _WHOLE, path: KeyPath = ()
    ) -> Iterator[tuple[KeyPath, Any, Origin | None]]:
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


def _origin_tree(
    value: Any,
    base: Origin,
    locations: Mapping[KeyPath, Location],
    includes: Sequence[tuple[KeyPath, Location]] = (),
    inner: KeyPath = (),
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


def _our_reading(config_file: ConfigFile, warnings: list[str], reader: Reader) -> tuple[Document, Any]:
    """Our reading (file:line:col on syntax errors, and the lines of keys), then pyhocon's values, from the one
    text the reader read.

    Where we refuse a value that pyhocon turns into junk (null concatenated into text, an include used as a
    value), pyhocon's reading decides what the server gets: shown as it is, with a warning. A text that pyhocon
    would never finish reading is an error here, found by our own reading: it is not handed to pyhocon."""
    path = config_file.path
    try:
        document = reader.document(path)
    except ConfigReadError as e:
        if not isinstance(e.__cause__, HoconSemanticError) or isinstance(e.__cause__, HoconRunaway):
            raise
        text = reader.text(path)
        try:
            value = read_file(path, text)
        except ConfigReadError:
            raise e from None
        if not any(junk(value)):
            warnings.append(f"{e.message}; the server reads it anyway: shown as pyhocon reads it")
        return Document(text), value
    text = document.text
    return document, reader.derived(path, "pyhocon", text, lambda: _server_reading(path, document))


def _server_reading(path: Path, document: Document) -> Any:
    """The server's reading of the file: pyhocon's, as the server reads it at every start.

    Our own reading goes first, as a guard: a runaway (a value copied into itself, a string doubled over and over)
    is refused with its place before pyhocon spends minutes and gigabytes on it, or never returns. Where our
    reading fails otherwise, or succeeds, pyhocon still decides: its quirks are what the server gets."""
    try:
        resolved_tree(path, document, os.environ)  # pyhocon resolves from the process's environment
    except ConfigReadError as e:
        if isinstance(e.__cause__, HoconRunaway):
            raise ConfigReadError(
                e.message,
                "fix the file by hand: a value must not be built from itself",
                detail=e.detail,
                code="server-cannot-load",
                path=e.path,
                line=e.line,
                column=e.column,
                reason=e.reason,
            ) from None
    return read_file(path, document.text)


#: A view along some keys (the keys, and the environment that file substitutions read), or None: everything.
Along = tuple[Sequence[KeyPath], Mapping[str, str]] | None


def _file_layer(
    config_file: ConfigFile,
    kind: str,
    warnings: list[str],
    reader: Reader,
    along: Along = None,
    lines: bool = True,
) -> Layer | None:
    """One file's layer; with ``along``, only what lies along those keys (None when the file sets none of it);
    without ``lines``, origins name the file alone (its lines would take the file's syntax tree)."""
    locations: Mapping[KeyPath, Location]
    if along is None:
        document, value = _our_reading(config_file, warnings, reader)
        locations = document.field_locations()
    else:
        paths = _inside(config_file.prefix, along[0])
        if paths is None:
            return _beside(config_file, kind, along[0])
        document = reader.document(config_file.path)
        value = pruned(document.resolved(along[1]), paths)
        locations = (
            document.field_locations(lambda written: any(on_the_way(written, path) for path in paths)) if lines else {}
        )
    base = Origin(kind, config_file.path, None, config_file.relative)
    origins = _origin_tree(value, base, locations, document.include_locations())
    prefix = config_file.prefix
    written = _written(prefix, locations, base)
    for inner, what in junk(value):
        where = base.at(_line_of(locations, inner)).label()
        warnings.append(junk_warning(where, (*prefix, *inner), what, "write the value itself, quoted"))
    for location, url in url_includes(document):
        warnings.append(url_include_warning(base.at(location.line).label(), url))
    tree: dict[str, Any] = {}
    origin_tree: dict[str, Any] = {}
    put_file(tree, prefix, value)
    put_file(origin_tree, prefix, origins)
    return Layer(base, tree, origin_tree, config_file.directory, set(), prefix, written, tree)


def _beside(config_file: ConfigFile, kind: str, paths: Sequence[KeyPath]) -> Layer | None:
    """A file that sets nothing along ``paths`` but whose name makes sections on their way objects
    (``services/tasks.conf`` for ``services.x``): the merge goes into an object it finds, applying `-key`s, so
    those sections count; None for a file that has nothing to do with them."""
    tree: dict[str, Any] = {}
    if not put_along(tree, config_file.prefix, {}, paths):
        return None
    base = Origin(kind, config_file.path, None, config_file.relative)
    return Layer(base, tree, _origin_tree(tree, base, {}), config_file.directory, set(), config_file.prefix, {}, tree)


def _inside(prefix: tuple[str, ...], paths: Sequence[KeyPath]) -> list[KeyPath] | None:
    """The paths inside a file of key prefix ``prefix`` that lie along ``paths`` (``()``: the whole file); None
    when the file holds nothing on the way to any of them."""
    found = [path[len(prefix) :] for path in paths if on_the_way(prefix, path)]
    return found or None


def _written(prefix: tuple[str, ...], locations: Mapping[KeyPath, Location], base: Origin) -> dict[KeyPath, Origin]:
    """Every key a file writes with its line; a section only written through dotted keys (`a.b.c: 1`) gets the
    first line that writes into it."""
    lines: dict[KeyPath, int] = {}
    for inner, location in locations.items():
        lines[inner] = location.line
    for inner, location in locations.items():
        for depth in range(1, len(inner)):
            above = inner[:depth]
            if above not in locations:
                lines[above] = min(lines.get(above, location.line), location.line)
    return {(*prefix, *inner): base.at(line) for inner, line in lines.items()}


def _line_of(locations: Mapping[KeyPath, Location], inner: KeyPath) -> int | None:
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


def _env_layer(override: EnvOverride, *, ignore_bad: bool, warnings: list[str]) -> Layer | None:
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
        warnings.append(junk_warning(f"{override.variable}={override.value!r}", key, what, fix))
    path = tuple(override.key.split("."))
    return Layer(base, tree, _origin_tree(tree, base, {}), None, set(), (), {path: base}, tree)


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
    defaults_dir: Path | None = None,
    ignore_bad_env: bool = False,
    reader: Reader | None = None,
    without: Collection[Path] = (),
    along: Sequence[KeyPath] | None = None,
    lines: bool = True,
) -> Effective:
    """The server's view. ``reader``: the command's reader, so that files it read already are not read again.
    ``without``: files (or directories named *.conf) to leave out, as if they were fixed: `check` reads the rest
    of the configuration right while it reports those.

    ``along``: only what lies along these keys, each file read with our own parser instead of pyhocon (it reads
    every file it accepts as pyhocon does; docs/hocon.md lists the few differences), so that a few sections can be
    judged in a fraction of the time: what the rules applied to an edit use. The variables are all merged (they
    merge with each other first, so one off the way can still replace a section on it). ``lines`` (with
    ``along``): False when only the file each value comes from matters, so that an edited file is not parsed again
    for its lines.
    """
    reader = reader if reader is not None else Reader()
    focus: Along = None if along is None else (tuple(along), env)
    if component not in COMPONENTS:
        raise UsageError(f"unknown component {component!r}", f"use one of {', '.join(COMPONENTS)}")
    replaces = component == "apiserver"  # the file server's loader has no `-key` rule
    warnings: list[str] = []
    layers: list[Layer] = []
    defaults_note = ""
    tree: dict[str, Any] = {}
    origins: dict[str, Any] = {}

    if defaults_dir is None and IMAGE_DEFAULTS[component].is_dir():
        defaults_dir = IMAGE_DEFAULTS[component]
        defaults_note = f"defaults: the server's own folder {defaults_dir}"
    written: dict[KeyPath, Origin] = {}
    if defaults_dir is not None:
        if not defaults_dir.is_dir():
            raise UsageError(
                f"--defaults {defaults_dir}: not a directory", "point it at a server's config/default folder"
            )
        default_layers = _file_layers(defaults_dir, "default", warnings, reader, focus, lines=lines)
        _merge_directory(tree, origins, default_layers, replaces)
        for layer in default_layers:
            written.update(layer.written)
    else:
        tree, origins = _documented_defaults(component)
        defaults_note = (
            "defaults: the documented defaults of the settings clearml-cfg manages; "
            "--defaults DIR layers a server's full default folder"
        )
    defaults = copy.deepcopy(tree)
    base = Origin("default", defaults_dir)
    layers.append(Layer(base, copy.deepcopy(defaults), copy.deepcopy(origins), None, set(), (), written))

    read = component_dirs(dirs, component)
    used_dirs: list[Path] = []
    for directory in read.dirs:
        if not will_exist(directory, reader):
            if read.origin != "default":
                warnings.append(f"{directory} (from {read.origin}) is not a directory: the server skips it")
            continue
        used_dirs.append(directory)
        file_layers = _file_layers(directory, "file", warnings, reader, focus, without, lines)
        _merge_directory(tree, origins, file_layers, replaces)
        layers.extend(file_layers)

    layers.extend(_merge_environment(tree, origins, env, replaces, ignore_bad_env, warnings))
    _refuse_empty_keys(tree, origins)  # the server fails when it reads that object
    for name, prefix in ignored_env(env):
        warnings.append(f"{name} is ignored by the server: the prefix must be exactly {prefix}")

    return Effective(component, tree, origins, defaults, layers, used_dirs, defaults_dir, defaults_note, warnings)


def _refuse_empty_keys(tree: Any, origins: Any, path: KeyPath = ()) -> None:
    """A key written ``-`` alone becomes the empty key where the `-key` rule applies to it, which pyhocon cannot
    look up (IndexError): the server fails where its loader copies the object that holds it, and where any code
    reads that object."""
    if not isinstance(tree, dict):
        return
    for key, value in tree.items():
        if key == "":
            raise _empty_key((*path, key), origins)
        _refuse_empty_keys(value, origins.get(key) if isinstance(origins, dict) else origins, (*path, key))


def _empty_key(path: KeyPath, origins: Any) -> ConfigReadError:
    where = leaf_origins(origin_below(origins, path))
    label = where[0].label(full_path=True) if where else "the configuration"
    return ConfigReadError(
        f"{label}: a key written '-' alone becomes an empty key in {format_path(path[:-1]) or 'the top level'} by the "
        "`-key` rule, which pyhocon cannot look up (IndexError): the server fails when it reads that object",
        "rename the key: '-' alone is no key the server can read",
        code="server-cannot-load",
        path=where[0].file if where else None,
        line=where[0].line if where else None,
    )


def _holds(tree: Any, path: KeyPath) -> bool:
    try:
        lookup(tree, path)
    except KeyError:
        return False
    return True


def leaf_origins(node: Any) -> list[Origin]:
    """Every Origin in a tree of origins (one Origin alone is a tree of one)."""
    if isinstance(node, Origin):
        return [node]
    if isinstance(node, dict):
        return [origin for item in node.values() for origin in leaf_origins(item)]
    return []


def _merge_directory(tree: dict[str, Any], origins: dict[str, Any], files: list[Layer], replaces: bool) -> None:
    """One directory, as the loader reads it: each file put under its prefix in the order found (no `-key`
    rule there), then the directory merged over what came before."""
    directory_tree: dict[str, Any] = {}
    directory_origins: dict[str, Any] = {}
    for layer in files:
        merge_traced(directory_tree, directory_origins, layer.tree, layer.origins, dash_rule=False)
    renamed: Renames = {}
    try:
        merge_traced(tree, origins, directory_tree, directory_origins, dash_rule=replaces, renamed=renamed, copies=True)
    except EmptyKey as e:
        raise _empty_key(e.path, origins) from None
    for layer in files:
        layer.landed(renamed)


def _merge_environment(
    tree: dict[str, Any],
    origins: dict[str, Any],
    env: Mapping[str, str],
    replaces: bool,
    ignore_bad: bool,
    warnings: list[str],
) -> list[Layer]:
    """The variables, as both loaders apply them: merged with each other first (TRAINS__ then CLEARML__, each in
    name order), and that one tree merged over the files, as the last layer (SERVER-SEMANTICS §4)."""
    env_tree: dict[str, Any] = {}
    env_origins: dict[str, Any] = {}
    layers: list[tuple[Layer, Renames]] = []
    for override in env_overrides(env):
        layer = _env_layer(override, ignore_bad=ignore_bad, warnings=warnings)
        if layer is None:
            continue
        renamed: Renames = {}
        merge_traced(env_tree, env_origins, layer.tree, layer.origins, dash_rule=replaces, renamed=renamed)
        layers.append((layer, renamed))
    final: Renames = {}
    try:
        merge_traced(tree, origins, env_tree, env_origins, dash_rule=replaces, renamed=final, copies=True)
    except EmptyKey as e:
        raise _empty_key(e.path, env_origins if e.path and _holds(env_tree, e.path) else origins) from None
    for layer, renamed in layers:
        layer.landed(renamed, replacing=False)  # it replaced what earlier variables built, not the files
        layer.landed(final)
    return [layer for layer, _ in layers]


def _file_layers(
    directory: Path,
    kind: str,
    warnings: list[str],
    reader: Reader,
    focus: Along,
    without: Collection[Path] = (),
    lines: bool = True,
) -> list[Layer]:
    found = (_file_layer(f, kind, warnings, reader, focus, lines) for f in _discover(directory, reader, without))
    return [layer for layer in found if layer is not None]


def _discover(directory: Path, reader: Reader, without: Collection[Path] = ()) -> list[ConfigFile]:
    """The files the server reads (and those the command creates), after checking for a link named *.conf to a
    directory, which it also tries to read as a file (and crashes)."""
    for root, subdirs, _ in os.walk(directory):
        for name in subdirs:
            where = Path(root, name)
            if name.endswith(".conf") and os.path.islink(where) and where not in without:
                read_file(where)  # raises the server's error
    conf_dirs: list[Path] = []
    found = listing(directory, reader, conf_dirs)
    for where in conf_dirs:
        if where not in without:
            raise conf_directory(where)
    return [f for f in found if f.path not in without]


def origin_below(origins: Any, path: KeyPath) -> Any:
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
    from ..hocon import strict_equal

    result: dict[str, Any] = {}
    for path, value, origin in effective.leaves():
        try:
            default = lookup(effective.defaults, path)
        except KeyError:
            default = MISSING
        if value == {} and default is MISSING and (origin is None or origin.line is None):
            continue  # an empty file's section sets nothing
        if path and (default is MISSING or not strict_equal(default, value)):
            put_file(result, tuple(str(s) for s in path), value)
    return result


def removed_defaults(effective: Effective) -> list[tuple[KeyPath, Any]]:
    """The defaults the effective configuration no longer holds (a `-key` replaced their section, or a parent
    became a value), with the default value."""
    removed = []
    for path, default, _ in effective.leaves(effective.defaults, {}):
        try:
            lookup(effective.tree, path)
        except KeyError:
            removed.append((path, default))
    return removed
