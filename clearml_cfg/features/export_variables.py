"""The files' settings as CLEARML__ variables that give the server the same configuration (SERVER-SEMANTICS §3-4).

One variable per setting. A `-key` section (`-cors { ... }` in a file, or a whole `-apiserver.conf`) replaces
what lies below it, so it goes whole as one `...-KEY` variable, with as many `-` as it needs to keep one after
the server's merge of the variables with each other (``_dashes_for_the_server``); `-` sorts before every letter
and digit, so that variable is applied before the ones that deep-merge into the same key, as in the files.
Values come from the server's own reading (pyhocon), and every export is checked: the server's computation from
the variables alone must equal its computation from the files, or the export is refused.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CfgError, UsageError
from ..hocon import HoconError, KeyPath, format_path, strict_equal
from ..io.reading import Reader
from ..model import schema
from ..model.env_names import env_key, env_name
from ..model.layout import ConfigDirs, discover
from ..model.merge import merge

# what the file server reads from the shared config directory (its own default folder has these files)
FILESERVER_NAMESPACES = ("fileserver", "hosts", "logging", "secure")
FILE_FORMATS_HINT = "export the files instead: --format helm, k8s-secret or k8s-configmap keep them as they are"


@dataclass(frozen=True)
class Variable:
    name: str
    value: str  # the text the server parses (secrets masked when asked)
    path: KeyPath
    secret: bool


@dataclass
class Variables:
    variables: list[Variable]  # in the order the server applies them
    skipped: list[KeyPath] = field(default_factory=list)  # settings no variable can carry (skip_unsettable)
    notes: list[str] = field(default_factory=list)


def namespace(path: KeyPath) -> str:
    """The first key segment without its `-` (a `-apiserver.conf` holds apiserver.*)."""
    return str(path[0]).lstrip("-") if path else ""


def reads(component: str, name: str) -> bool:
    """Whether ``component`` ("all" for both servers) gets the settings of namespace ``name``."""
    if component == "apiserver":
        return name != "fileserver"
    if component == "fileserver":
        return name in FILESERVER_NAMESPACES
    return True


def holds_secrets(value: Any, path: KeyPath = ()) -> bool:
    """Whether ``value`` (found at ``path``) carries a secret: a non-empty value of a secret key or of the
    `secure` namespace, or a URL with a password (`mongodb://user:pw@host`). One rule for every format, so that
    file modes and warnings agree."""
    for where, item in schema.walk(value, tuple(_plain_segment(s) for s in path)):
        if isinstance(item, (dict, list)) or item is None or item == "":
            continue
        plain = tuple(_plain_segment(s) for s in where)
        if (plain and plain[0] == "secure") or schema.is_secret(plain):
            return True
        if isinstance(item, str) and schema.value_secrets(item):
            return True
    return False


def _plain_segment(segment: Any) -> Any:
    return segment.lstrip("-") if isinstance(segment, str) and len(segment) > 1 else segment


# --- the tree the variables carry -----------------------------------------------------------------------------


def _marked_merge(base: dict[str, Any], layer: dict[str, Any]) -> None:
    """Merge a directory over the ones before it, keeping `-key` as a mark: it replaces ``key`` (whatever the
    directories before gave it), and its variable will replace it again on the server."""
    for key, value in layer.items():
        if len(key) > 1 and key.startswith("-"):
            base.pop(key[1:], None)
            base[key] = copy.deepcopy(value)
        elif isinstance(value, dict):
            if not isinstance(base.get(key), dict):
                base[key] = {}
            _marked_merge(base[key], value)  # the marks inside count too: the defaults hold the sections
        else:
            base[key] = copy.deepcopy(value)


def _settings(tree: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """What the variables must carry: leaves, with lists, empty objects and `-key` sections taken whole."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            if len(key) > 1 and key.startswith("-"):
                yield (*path, key), value
            else:
                yield from _settings(value, (*path, key))
    elif path:
        yield path, tree


def export_variables(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    component: str,
    *,
    mask: bool = False,
    skip_unsettable: bool = False,
    refusal_hint: str = FILE_FORMATS_HINT,
    reader: Reader | None = None,
) -> Variables:
    """The variables for ``component`` ("all", "apiserver" or "fileserver").

    A setting no variable can carry (capitals, a dot in a name) is refused, or with ``skip_unsettable`` left
    out and listed in ``skipped``.
    """
    from ..views.effective import compute
    from ..views.environment import env_text as render
    from ..views.environment import read_env_values

    base_env = {name: value for name, value in env.items() if env_key(name) is None}  # overrides are not files
    explicit = ConfigDirs(dirs.dirs, "--config-dir")
    reader = reader if reader is not None else Reader()
    files = compute(explicit, base_env, component="apiserver", reader=reader)
    tree: dict[str, Any] = {}  # with the API server's `-key` rule
    literal: dict[str, Any] = {}  # fileserver.* is read by the file server only, whose loader has no such rule
    for directory in dirs.dirs:
        for layer in files.layers:
            if layer.origin.kind == "file" and layer.directory == directory:
                _marked_merge(tree, layer.as_written)
                merge(literal, layer.as_written, dash_rule=False)

    real: list[Variable] = []
    shown: list[Variable] = []
    refused: list[KeyPath] = []
    settings = [
        *((path, value) for path, value in _settings(tree) if path[0] != "fileserver"),
        *_settings({"fileserver": literal["fileserver"]} if "fileserver" in literal else {}),
    ]
    settings = [
        (path, value)
        for path, value in settings
        if not (len(path) == 1 and value == {} and not str(path[0]).startswith("-"))  # a file of comments only
        and reads(component, namespace(path))
    ]
    # env_text tries each string bare first: read those texts in one go
    read_env_values((".".join(str(s) for s in path), value) for path, value in settings if isinstance(value, str))
    # the file server's loader has no `-key` rule, in its variables' merge either: its variables keep their `-`
    for path, value in settings if component == "fileserver" else _dashes_for_the_server(settings):
        try:
            name = env_name(path)
        except UsageError:
            refused.append(path)
            continue
        key = ".".join(str(s) for s in path)
        secret = holds_secrets(value, path)
        real.append(Variable(name, render(value, name, key), path, secret))
        if mask:
            value = schema.masked(value, tuple(_plain_segment(s) for s in path))
        shown.append(Variable(name, render(value, name, key), path, secret))
    if refused and not skip_unsettable:
        raise UsageError(
            f"no environment variable can set {_some(refused)}: the server lower-cases variable names and splits "
            "them at '__'",
            refusal_hint,
        )
    _check_same_configuration(explicit, base_env, real, component, refused, files.tree, refusal_hint, reader)
    order = sorted(range(len(shown)), key=lambda i: shown[i].name)  # the order the server applies them in
    notes = _environment_notes(dirs, env, [shown[i] for i in order], reader)
    return Variables([shown[i] for i in order], refused, notes)


def _dashes_for_the_server(settings: list[tuple[KeyPath, Any]]) -> list[tuple[KeyPath, Any]]:
    """The settings with as many `-` as the server's loader needs to replace what the files replace.

    The loader first merges the variables with each other, in name order, and that merge drops the `-` of every
    key it visits: always at the top (`CLEARML__--APISERVER` keeps one `-` for the merge over the files), and
    below wherever an earlier variable made the object already. Where that happens, the object gets a variable
    of its own (`CLEARML__APISERVER={}`, first in name order) and every `-key` in it two `-`, so that each is
    visited, and keeps exactly one `-` for the files."""
    settings = [(_dashed(path, 0), value) if _is_dashed(path, 0) else (path, value) for path, value in settings]
    named = sorted((name, path, value) for path, value in settings if (name := _name_or_none(path)) is not None)
    merged: dict[str, Any] = {}
    anchored: set[KeyPath] = set()
    for _, path, value in named:
        renamed: dict[KeyPath, str] = {}
        merge(merged, _nested(path, value), dash_rule=True, renamed=renamed)
        last = len(path) - 1
        if last > 0 and _is_dashed(path, last) and path in renamed and path[0] != "fileserver":
            anchored.add(path[:-1])
    if not anchored:
        return settings
    result = [
        (_dashed(path, len(path) - 1), value)
        if len(path) > 1 and path[:-1] in anchored and _is_dashed(path, len(path) - 1)
        else (path, value)
        for path, value in settings
    ]
    return [*((parent, {}) for parent in sorted(anchored, key=format_path) if parent not in dict(result)), *result]


def _is_dashed(path: KeyPath, index: int) -> bool:
    segment = path[index]
    return isinstance(segment, str) and len(segment) > 1 and segment.startswith("-")


def _dashed(path: KeyPath, index: int) -> KeyPath:
    return (*path[:index], "-" + str(path[index]), *path[index + 1 :])


def _name_or_none(path: KeyPath) -> str | None:
    try:
        return env_name(path)
    except UsageError:
        return None


def _nested(path: KeyPath, value: Any) -> dict[str, Any]:
    tree: Any = value
    for segment in reversed(path):
        tree = {str(segment): tree}
    return dict(tree)


def _some(paths: list[KeyPath]) -> str:
    names = [format_path(p) for p in paths]
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


# --- the check ------------------------------------------------------------------------------------------------


def _check_same_configuration(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    variables: list[Variable],
    component: str,
    skipped: list[KeyPath],
    apiserver_tree: dict[str, Any],
    hint: str,
    reader: Reader,
) -> None:
    """Refuse variables from which a server would compute anything other than what it computes from the files."""
    from ..views.effective import compute

    servers = ("apiserver", "fileserver") if component == "all" else (component,)
    for server in servers:
        given = {v.name: v.value for v in variables if reads(server, namespace(v.path))}
        from_files = (
            apiserver_tree if server == "apiserver" else compute(dirs, env, component=server, reader=reader).tree
        )
        try:
            from_variables = compute(ConfigDirs((), "--config-dir"), {**env, **given}, component=server).tree
        except CfgError as e:
            raise UsageError(f"the variables would not work: {e.message}", hint) from None
        difference = _difference(_view(from_files, server, skipped), _view(from_variables, server, skipped))
        if difference is not None:
            raise UsageError(
                f"no set of variables gives the {server} the configuration the files give it: "
                f"{difference} would differ (the server merges the variables with each other first, then over its "
                "defaults)",
                hint,
            )


def _view(tree: dict[str, Any], server: str, skipped: list[KeyPath]) -> dict[str, Any]:
    view = {key: copy.deepcopy(value) for key, value in tree.items() if reads(server, key.lstrip("-"))}
    for path in skipped:
        parents: list[tuple[dict[str, Any], Any]] = []
        node: Any = view
        for segment in path:
            if not isinstance(node, dict) or segment not in node:
                break
            parents.append((node, segment))
            node = node[segment]
        else:
            for parent, segment in reversed(parents):  # and the sections it leaves empty
                parent.pop(segment)
                if parent:
                    break
    return view


def _difference(a: Any, b: Any, path: KeyPath = ()) -> str | None:
    """The first key where ``a`` and ``b`` differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return format_path((*path, key))
            found = _difference(a[key], b[key], (*path, key))
            if found is not None:
                return found
        return None
    return None if strict_equal(a, b) else (format_path(path) if path else "the whole configuration")


# --- values taken from this machine's environment ----------------------------------------------------------------


class _Recording(Mapping[str, str]):
    """An environment that remembers the names a substitution looked up."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.names: list[str] = []

    def __getitem__(self, name: str) -> str:
        if name not in self.names:
            self.names.append(name)
        return self.env[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


def from_environment(
    dirs: ConfigDirs, env: Mapping[str, str], reader: Reader | None = None
) -> tuple[list[KeyPath], list[str]]:
    """The settings whose value a `${VAR}` / `${?VAR}` substitution took from ``env``, and those variables.

    Found by resolving each file again with the looked-up variables changed: what changes came from them.
    """
    reader = reader if reader is not None else Reader()
    paths: list[KeyPath] = []
    names: list[str] = []
    for directory in dirs.dirs:
        for config_file in discover(directory):
            document = reader.document(config_file.path)
            recording = _Recording(env)
            try:
                resolved = document.to_dict(resolve=True, env=recording)
            except HoconError:
                continue  # reported by the export itself
            if not recording.names:
                continue
            names.extend(n for n in recording.names if n not in names)
            probe = {**env, **{n: f"clearml-cfg-probe-{i}" for i, n in enumerate(recording.names)}}
            try:
                probed = document.to_dict(resolve=True, env=probe)
            except HoconError:
                paths.append(config_file.prefix)
                continue
            paths.extend((*config_file.prefix, *p) for p in _changed(resolved, probed))
    return paths, names


def _changed(a: Any, b: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                yield (*path, key)
            else:
                yield from _changed(a[key], b[key], (*path, key))
    elif not strict_equal(a, b):
        yield path


def _environment_notes(
    dirs: ConfigDirs, env: Mapping[str, str], variables: list[Variable], reader: Reader
) -> list[str]:
    paths, names = from_environment(dirs, env, reader)
    if not paths:
        return []

    def touches(path: KeyPath) -> bool:
        return any(p[: len(path)] == path or path[: len(p)] == p for p in paths)

    baked = [v.name for v in variables if touches(v.path)]
    if not baked:
        return []
    shown = ", ".join(baked[:5]) + (f" and {len(baked) - 5} more" if len(baked) > 5 else "")
    substitutions = ", ".join("${" + n + "}" for n in names)
    return [
        f"{shown} hold{'s' if len(baked) == 1 else ''} values that substitutions ({substitutions}) took from this "
        "machine's environment; the files would take them from the server's"
    ]
