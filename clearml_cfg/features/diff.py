"""diff: two configurations compared key by key, as the server computes them or as their sources set them.

A side is what a deployment hands the server: config directories (``-c`` syntax, ``:`` between several), a Helm
values file (``additionalConfigs`` mounted for the API server, ``extraEnvs`` put into each server's environment),
and env files of ``CLEARML__`` lines (for both servers, over the files, as the server applies variables). A
directory and an env file combine: ``DIR:overrides.env``. Each server's view is computed by the effective view,
so a key is compared as the server reading it gets it: the API server everything but ``fileserver.*``, the file
server its own namespaces. The variables of the shell running clearml-cfg are left out: they belong to no side.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError, UsageError
from ..hocon import KeyPath, format_path, strict_equal
from ..io.reading import Reader, read_text
from ..model import schema
from ..model.env_names import env_key
from ..model.layout import READERS, ConfigDirs, config_dirs
from ..views.effective import Origin, compute
from . import kube
from .export import additional_configs, extra_envs, helm_values
from .export_variables import reads

SERVERS = ("apiserver", "fileserver")
_YAML = (".yaml", ".yml")
_ASSIGNMENT = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)=(.*)")


# --- the sides --------------------------------------------------------------------------------------------------


@dataclass
class Side:
    """What one deployment gives each server: directories to read and variables, and how to name their parts."""

    spec: str
    dirs: dict[str, list[Path]] = field(default_factory=lambda: {s: [] for s in SERVERS})
    env: dict[str, dict[str, str]] = field(default_factory=lambda: {s: {} for s in SERVERS})
    #: a directory read -> what comes before and after the name of a file in it, when the output names the file
    files: dict[Path, tuple[str, str]] = field(default_factory=dict)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)  # (server, variable) -> where it is set
    warnings: list[str] = field(default_factory=list)
    reader: Reader = field(default_factory=Reader)  # each file read once for both servers' views

    def label(self, origin: Origin | None, server: str) -> str:
        """Where a value comes from, as the user knows this side: a file and line, a variable and its file."""
        if origin is None:
            return "?"
        if origin.kind == "env":
            where = self.variables.get((server, origin.variable or ""))
            return f"env {origin.variable}" + (f" ({where})" if where else "")
        if origin.kind != "file" or origin.file is None:
            return origin.label()
        named = str(origin.file)
        for directory, (before, after) in self.files.items():
            if origin.file.is_relative_to(directory):
                named = before + origin.file.relative_to(directory).as_posix() + after
        return f"{named}:{origin.line}" if origin.line else named


def load_side(spec: str, env: Mapping[str, str], scratch: Path) -> Side:
    """The side ``spec`` names: its parts, each a directory, a Helm values file (.yaml/.yml) or an env file."""
    side = Side(spec)
    listed = config_dirs(spec, env) if spec else None
    parts = listed.dirs if listed else ()
    side.warnings.extend(listed.warnings if listed else ())
    if not parts:
        raise UsageError(
            "an empty configuration to compare", "name config directories, a Helm values file or an env file"
        )
    dirs = [p for p in parts if p.is_dir()]
    helm = [p for p in parts if p.is_file() and p.suffix in _YAML]
    env_files = [p for p in parts if p.is_file() and p.suffix not in _YAML]
    missing = [p for p in parts if p not in dirs and p not in helm and p not in env_files]
    if missing:
        raise UsageError(
            f"{missing[0]} is neither a config directory nor a file",
            "compare config directories (DIR or DIR1:DIR2), a Helm values file (values.yaml) or an env file",
        )
    if helm and (dirs or len(helm) > 1):
        raise UsageError(
            f"{spec}: a Helm values file is a whole deployment: it combines with env files only",
            "compare it alone, or with an env file (values.yaml:overrides.env)",
        )
    for directory in dirs:
        absolute = Path(os.path.abspath(directory))
        for server in SERVERS:
            side.dirs[server].append(absolute)
        side.files[absolute] = (f"{directory}/", "")
    for values in helm:
        _load_helm(side, values, scratch)
    for env_file in env_files:
        for name, value, line in read_env_file(env_file):
            for server in SERVERS:
                side.env[server][name] = value
                side.variables[(server, name)] = f"{env_file}:{line}"
    return side


def _load_helm(side: Side, path: Path, scratch: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigReadError(f"cannot read {path}: {e}", "check the file") from None
    values = helm_values(text, str(path))
    for server in SERVERS:
        files, notes = additional_configs(values, server, str(path))
        side.warnings.extend(f"{path}: {note}" for note in notes)
        part = values.get(server) or {}
        for existing in ("existingAdditionalConfigsConfigMap", "existingAdditionalConfigsSecret"):
            if isinstance(part, dict) and part.get(existing):
                side.warnings.append(
                    f"{path}: {server}.{existing} names {part[existing]!r}, whose files are on the cluster, not in "
                    "this file: they are not compared"
                )
        if files:
            directory = Path(tempfile.mkdtemp(prefix=f"{server}-", dir=scratch))
            for name, content in files.items():
                _write_private(directory / name, content)
                problem = kube.chart_block_problem(content)
                if problem:
                    side.warnings.append(
                        f"{path}: {server}.additionalConfigs[{name}]: {problem}, so `helm upgrade` fails to render it"
                    )
            side.dirs[server].append(directory)
            side.files[directory] = (f"{path} {server}.additionalConfigs[", "]")
        variables, notes = extra_envs(values, server, str(path))
        side.warnings.extend(f"{path}: {note}" for note in notes)
        for name, value in variables:
            side.env[server][name] = value
            side.variables[(server, name)] = f"{path} {server}.extraEnvs"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)


def read_env_file(path: Path) -> list[tuple[str, str, int]]:
    """The NAME=VALUE lines of an env file (as `export --format env` writes it, and as docker compose reads one):
    `#` comments and blank lines skipped, an optional `export `, a value in quotes unquoted as a shell would, any
    other value taken as written (nothing expanded)."""
    try:
        text = read_text(path)
    except ConfigReadError as e:
        raise ConfigReadError(e.message, "an env file is UTF-8 text", path=path) from None
    return env_assignments(text, path)


def env_assignments(text: str, path: Path) -> list[tuple[str, str, int]]:
    """The NAME=VALUE lines of ``text``, read from the env file ``path`` (see ``read_env_file``). A quoted value
    may go on over several lines, as `export --format env` writes a value that holds a line break."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    found = []
    index = 0
    while index < len(lines):
        number, stripped = index + 1, lines[index].strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        match = _ASSIGNMENT.fullmatch(stripped)
        if match is None:
            raise ConfigReadError(
                f"{path}:{number}: not a NAME=VALUE line",
                "an env file holds lines such as CLEARML__APISERVER__AUTH__COOKIES__SECURE=true",
                path=path,
                line=number,
            )
        name, value = match.groups()
        if value[:1] in ("'", '"'):
            raw = lines[number - 1].split("=", 1)[1]  # as written: a quote keeps the blanks at its end
            words = _words(raw)
            while words is None and index < len(lines):  # an open quote goes on on the next line
                raw += "\n" + lines[index]
                index += 1
                words = _words(raw)
            if words is None or len(words) != 1:
                raise ConfigReadError(
                    f"{path}:{number}: the value of {name} is not one quoted string",
                    "quote the whole value once, as a shell reads it: NAME='value'",
                    path=path,
                    line=number,
                )
            value = words[0]
        found.append((name, value, number))
    return found


def _words(text: str) -> list[str] | None:
    """``text`` split as a shell splits words; None while a quote is open."""
    try:
        return shlex.split(text)
    except ValueError:
        return None


# --- the comparison ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    value: Any
    origin: str


@dataclass
class Difference:
    """One key whose value differs: ``a``/``b`` None where that side does not set it."""

    key: KeyPath
    a: Value | None
    b: Value | None
    servers: list[str]

    @property
    def change(self) -> str:
        return "added" if self.a is None else "removed" if self.b is None else "changed"

    @property
    def all_readers(self) -> bool:
        """Whether every server that reads the key sees this difference (else the servers are worth naming)."""
        namespace = str(self.key[0]).lstrip("-") if self.key else ""
        return set(self.servers) >= set(READERS.get(namespace, ("apiserver",)))

    def as_json(self) -> dict[str, Any]:
        def value(found: Value | None) -> dict[str, Any] | None:
            return None if found is None else {"value": found.value, "origin": found.origin}

        return {
            "key": format_path(self.key),
            "change": self.change,
            "servers": self.servers,
            "a": value(self.a),
            "b": value(self.b),
        }


@dataclass
class Comparison:
    a: str
    b: str
    effective: bool
    differences: list[Difference]
    warnings: list[str]

    @property
    def equal(self) -> bool:
        return not self.differences


def compare(
    a: str, b: str, env: Mapping[str, str], *, effective: bool = False, show_secrets: bool = False
) -> Comparison:
    """Every key whose value differs between the configurations ``a`` and ``b`` (secrets masked unless asked)."""
    base = {name: value for name, value in env.items() if env_key(name) is None}  # the shell's belong to no side
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="clearml-cfg-diff-") as scratch:
        sides = []
        for letter, spec in (("A", a), ("B", b)):
            side = load_side(spec, base, Path(tempfile.mkdtemp(prefix=letter, dir=scratch)))
            warnings.extend(f"{letter}: {w}" for w in side.warnings)
            sides.append(side)
        found: dict[tuple[Any, ...], Difference] = {}
        for server in SERVERS:
            views = [
                _view(side, server, base, effective, warnings, letter) for side, letter in zip(sides, "AB", strict=True)
            ]
            for key in _keys(views):
                one, other = views[0].get(key), views[1].get(key)
                if one is not None and other is not None and strict_equal(one.value, other.value):
                    continue
                one, other = (_shown(v, key, show_secrets) for v in (one, other))
                identity = (key, repr(one), repr(other))
                if identity in found:
                    found[identity].servers.append(server)
                else:
                    found[identity] = Difference(key, one, other, [server])
    differences = sorted(found.values(), key=lambda d: (format_path(d.key), d.servers))
    return Comparison(a, b, effective, differences, list(dict.fromkeys(warnings)))


def _view(
    side: Side, server: str, env: Mapping[str, str], effective: bool, warnings: list[str], letter: str
) -> dict[KeyPath, Value]:
    """The keys ``server`` reads, with their values and origins; without ``effective`` only what the side sets."""
    dirs = ConfigDirs(tuple(side.dirs[server]), "--config-dir")
    computed = compute(dirs, {**env, **side.env[server]}, component=server, reader=side.reader)
    warnings.extend(f"{letter}: {w}" for w in computed.warnings)
    found: dict[KeyPath, Value] = {}
    for key, value, origin in computed.leaves():
        if not key or not reads(server, str(key[0]).lstrip("-")):
            continue
        if not effective and origin is not None and (origin.kind == "default" or _empty_file(value, origin)):
            continue
        found[key] = Value(value, side.label(origin, server))
    return found


def _empty_file(value: Any, origin: Origin) -> bool:
    """A file that sets nothing leaves an empty section behind (`apiserver: {}`): not a setting."""
    return value == {} and origin.line is None


def _keys(views: list[dict[KeyPath, Value]]) -> Iterator[KeyPath]:
    yield from views[0]
    yield from (key for key in views[1] if key not in views[0])


def _shown(found: Value | None, key: KeyPath, show_secrets: bool) -> Value | None:
    if found is None or show_secrets:
        return found
    return Value(schema.masked(found.value, key), found.origin)
