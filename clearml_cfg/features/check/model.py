"""Findings, fixes, and the one reading of every config directory and override that the checkers share.

A value the server uses comes from a *source*: a config file (``LoadedFile``, whose findings carry file:line:col
and may carry a fix) or a ``CLEARML__``/``TRAINS__`` variable (``LoadedEnv``, whose findings name the variable
and are never fixable by editing a file). Checkers look at both the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from ...errors import ConfigReadError
from ...hocon import Document, HoconSemanticError, HoconSyntaxError, KeyPath, Location
from ...io.reading import Reader
from ...model.keys import lookup
from ...model.layout import ConfigDirs, ConfigFile
from ...model.merge import on_the_way, pruned
from ...model.schema import walk
from ...views.effective import Effective, Origin, leaf_origins, origin_below
from ...views.environment import EnvOverride, overrides_along, parse_env_value
from ...views.files import listing


class Severity(str, Enum):
    ERROR = "error"  # the server fails, or a setting cannot work
    WARNING = "warning"  # likely wrong, or unsafe
    INFO = "info"  # worth knowing


@dataclass(frozen=True)
class Fix:
    """A mechanical repair of one file: an edit of its document, a rewrite of its raw text (for a file that does
    not parse), a new file mode, or an action on the file system (``action(lock_timeout)``, which takes its own
    locks and returns what it did: completing an interrupted edit, removing a temporary file left behind)."""

    description: str
    file: Path
    edit: Callable[[Document], None] | None = None
    rewrite: Callable[[str], str] | None = None
    mode: int | None = None
    private: bool = False  # the edited file becomes readable by its owner only (it holds the server's secrets)
    action: Callable[[float], str] | None = None

    @classmethod
    def setting(cls, description: str, file: Path, at: KeyPath, value: Any) -> Fix:
        """The most common repair: write ``value`` at the key ``at`` of ``file``."""

        def write(document: Document) -> None:
            document.set(at, value)

        return cls(description, file, edit=write)


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    hint: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    fix: Fix | None = None
    variable: str | None = None  # the environment variable the value comes from (then ``file`` is None)
    key: KeyPath | None = None  # the server's key it is about, when it is about one

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def where(self, base: Path | None = None) -> str:
        if self.variable is not None:
            return self.variable
        if self.file is None:
            return "env" if self.code.startswith("env-") else "-"
        shown = str(self.file)
        if base is not None and self.file.is_relative_to(base) and self.file != base:
            shown = str(self.file.relative_to(base))
        if self.line is None:
            return shown
        return f"{shown}:{self.line}" + (f":{self.column}" if self.column else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": str(self.file) if self.file else None,
            "line": self.line,
            "column": self.column,
            "variable": self.variable,
            "message": self.message,
            "hint": self.hint,
            "fixable": self.fixable,
        }


def server_key(path: KeyPath) -> KeyPath:
    """The key the API server reads for a key as written: `-name` replaces `name` (SERVER-SEMANTICS §3), so the
    checks see it as `name`. The file server's loader has no such rule: its keys stay as written."""
    stripped = tuple(s[1:] if isinstance(s, str) and len(s) > 1 and s.startswith("-") else s for s in path)
    if stripped and stripped[0] == "fileserver":
        return path
    return stripped


class Source:
    """Where values come from: a config file or an environment variable. ``tree`` is its own content, placed
    under ``prefix`` (a file's key prefix; nothing for a variable, whose tree starts at the root)."""

    tree: Any

    @property
    def prefix(self) -> tuple[str, ...]:
        return ()

    def key(self, inner: KeyPath) -> KeyPath:
        """The server's key for the key ``inner`` as written here."""
        return server_key((*self.prefix, *inner))

    @functools.cached_property
    def _written(self) -> dict[KeyPath, KeyPath]:
        found: dict[KeyPath, KeyPath] = {}
        for inner, _ in walk(self.tree, ()):
            found[self.key(inner)] = inner  # the last one written wins, as in the server's merge
        return found

    def written(self, path: KeyPath) -> KeyPath | None:
        """The key as written here (`-name` included) that sets the server's key ``path``; None if none does."""
        return self._written.get(tuple(path))

    def keys_under(self, path: KeyPath) -> list[KeyPath]:
        """The server's keys this source writes at or below ``path``."""
        return [key for key in self._written if key[: len(path)] == tuple(path)]

    def value(self, inner: KeyPath) -> Any:
        return lookup(self.tree, inner)

    def finding(
        self, inner: KeyPath, code: str, severity: Severity, message: str, hint: str, fix: Fix | None = None
    ) -> Finding:
        raise NotImplementedError


@dataclass(eq=False)
class LoadedFile(Source):
    file: ConfigFile
    text: str
    document: Document
    tree: Any  # the file's own tree, unresolved (substitutions kept), under no prefix

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def prefix(self) -> tuple[str, ...]:
        return self.file.prefix

    #: with a focus (Context.along), the keys inside this file that the checks look at
    along: list[KeyPath] | None = None

    @functools.cached_property
    def _locations(self) -> dict[KeyPath, Location]:
        along = self.along
        if along is None:
            return self.document.field_locations()
        return self.document.field_locations(lambda written: any(on_the_way(written, path) for path in along))

    def locate(self, inner: KeyPath) -> Location | None:
        """Where the key ``inner`` (a path inside this file) is written: the key itself; else where a key below
        it is first written (`cors.origins: x` writes `cors`); else its nearest written parent."""
        locations = self._locations
        if inner in locations:
            return locations[inner]
        below = [location for key, location in locations.items() if key[: len(inner)] == inner]
        if below:
            return min(below, key=lambda location: location.offset)
        probe = inner[:-1]
        while probe:
            if probe in locations:
                return locations[probe]
            probe = probe[:-1]
        return None

    def shown(self, inner: KeyPath) -> str:
        """``file:line`` of a key, for messages."""
        location = self.locate(inner)
        return f"{self.path}:{location.line}" if location else str(self.path)

    def finding(
        self, inner: KeyPath, code: str, severity: Severity, message: str, hint: str, fix: Fix | None = None
    ) -> Finding:
        location = self.locate(inner)
        return Finding(
            code,
            severity,
            message,
            hint,
            self.path,
            location.line if location else None,
            location.column if location else None,
            fix,
            key=self.key(inner),
        )


@dataclass(eq=False)
class LoadedEnv(Source):
    """One CLEARML__/TRAINS__ override as the server parses it (`key: value`), its tree at the root."""

    override: EnvOverride
    tree: Any

    @property
    def variable(self) -> str:
        return self.override.variable

    def finding(
        self, inner: KeyPath, code: str, severity: Severity, message: str, hint: str, fix: Fix | None = None
    ) -> Finding:
        # a file edit cannot repair a variable: the fix, if a checker made one, does not apply
        return Finding(code, severity, message, hint, variable=self.variable, key=self.key(inner))


@dataclass
class Context:
    dirs: ConfigDirs
    env: Mapping[str, str]
    files: list[LoadedFile] = field(default_factory=list)
    envs: list[LoadedEnv] = field(default_factory=list)
    bad_env: list[EnvOverride] = field(default_factory=list)  # overrides the server cannot parse
    unreadable: list[Finding] = field(default_factory=list)  # files that could not be read or parsed
    reader: Reader = field(default_factory=Reader)  # each file read once, for the checkers and the effective view
    along: list[KeyPath] | None = None  # the keys the checks look at (load_context); None: everything
    show_secrets: bool = False

    @property
    def sources(self) -> list[Source]:
        return [*self.files, *self.envs]

    def finding_at(
        self,
        loaded: LoadedFile,
        inner: KeyPath,
        code: str,
        severity: Severity,
        message: str,
        hint: str,
        fix: Fix | None = None,
    ) -> Finding:
        return loaded.finding(inner, code, severity, message, hint, fix)

    def site(self, effective: Effective, path: KeyPath) -> tuple[Source, KeyPath] | None:
        """The source of the value the server uses at ``path`` (for an object: the layer that wrote last into
        it), and the key as written there; None for a default."""
        origin = self._origin(effective, path)
        if origin is None or origin.kind == "default":
            return None
        source: Source | None
        if origin.kind == "env":
            source = next((e for e in self.envs if e.variable == origin.variable), None)
        else:
            source = next((f for f in self.files if f.path == origin.file), None)
        if source is None:
            return None
        probe = tuple(path)
        while probe:
            inner = source.written(probe)
            if inner is not None:
                return source, inner
            probe = probe[:-1]
        return source, ()

    def _origin(self, effective: Effective, path: KeyPath) -> Origin | None:
        node = origin_below(effective.origins, path)
        if isinstance(node, Origin):
            return node
        if not isinstance(node, dict):
            return None
        rank: dict[tuple[str, object], int] = {("file", f.path): i for i, f in enumerate(self.files)}
        rank.update({("env", e.variable): len(self.files) + i for i, e in enumerate(self.envs)})
        leaves = leaf_origins(node)

        def order(origin: Origin) -> int:
            if origin.kind == "env":
                return rank.get(("env", origin.variable), -1)
            return rank.get(("file", origin.file), -1) if origin.kind == "file" else -1

        return max(leaves, key=order, default=None)


def load_context(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    *,
    show_secrets: bool = False,
    reader: Reader | None = None,
    along: Sequence[KeyPath] | None = None,
) -> Context:
    """Read every file of every directory and every override; a file that fails becomes a finding rather than
    an exception.

    ``along``: look only at what lies along these keys (each source's tree pruned to them; files and variables
    that set none of it left out): the focus of the rules applied to an edit."""
    context = Context(dirs, env, show_secrets=show_secrets, reader=reader if reader is not None else Reader())
    context.along = None if along is None else list(along)
    for directory in dirs.dirs:
        conf_dirs: list[Path] = []
        try:
            files = listing(directory, context.reader, conf_dirs)
        except ConfigReadError as e:
            context.unreadable.append(Finding("unreadable-file", Severity.ERROR, e.message, e.hint or "", directory))
            continue
        for where in conf_dirs:
            context.unreadable.append(
                Finding(
                    "conf-directory",
                    Severity.ERROR,
                    f"{where.relative_to(directory)} is a directory named *.conf: the server crashes trying to "
                    "read it as a file",
                    f"rename or remove {where}",
                    where,
                )
            )
        for config_file in files:
            if along is not None and not any(on_the_way(config_file.prefix, path) for path in along):
                continue
            loaded = _load(context, config_file)
            if loaded is not None:
                context.files.append(loaded)
    for override in overrides_along(env, along):
        try:
            tree = parse_env_value(override)
        except Exception:
            context.bad_env.append(override)
            continue
        context.envs.append(LoadedEnv(override, _focused(tree if isinstance(tree, dict) else {}, (), along)))
    return context


def _focused(tree: Any, prefix: tuple[str, ...], along: Sequence[KeyPath] | None) -> Any:
    """A source's tree as the checks see it: whole, or only what lies along the focus."""
    if along is None:
        return tree
    return pruned(tree, [path[len(prefix) :] for path in along if on_the_way(prefix, path)])


def _load(context: Context, config_file: ConfigFile) -> LoadedFile | None:
    try:
        context.reader.text(config_file.path)
    except ConfigReadError as e:
        context.unreadable.append(_read_failure(config_file, e))
        return None
    except FileNotFoundError:
        if config_file.path.is_symlink():  # the server lists it, then fails to open it
            context.unreadable.append(
                Finding(
                    "unreadable-file",
                    Severity.ERROR,
                    f"{config_file.relative} is a link to {config_file.path.readlink()}, which does not exist: "
                    "the server fails to read it",
                    f"remove the link {config_file.path}, or restore what it points to",
                    config_file.path,
                )
            )
        return None  # otherwise removed since it was listed: nothing to check
    try:
        document = context.reader.document(config_file.path)
        tree = _focused(document.unresolved(), config_file.prefix, context.along)
    except ConfigReadError as error:
        cause = error.__cause__
        if isinstance(cause, (HoconSyntaxError, HoconSemanticError)):
            context.unreadable.append(_parse_failure(config_file, cause))
        else:
            context.unreadable.append(_read_failure(config_file, error))
        return None
    inside = (
        None
        if context.along is None
        else [p[len(config_file.prefix) :] for p in context.along if on_the_way(config_file.prefix, p)]
    )
    # the document's text: the command may have edited it since the file was read
    return LoadedFile(config_file, document.text, document, tree, along=inside)


def _parse_failure(config_file: ConfigFile, e: HoconSyntaxError | HoconSemanticError) -> Finding:
    if isinstance(e, HoconSyntaxError):
        return Finding(
            "parse-error",
            Severity.ERROR,
            f"{e.reason}: the server cannot start with this file",
            "fix the file by hand",
            config_file.path,
            e.line,
            e.column,
        )
    return Finding(
        "parse-error",
        Severity.ERROR,
        f"{e}: the server cannot load this file",
        "fix the file by hand",
        config_file.path,
    )


def _read_failure(config_file: ConfigFile, error: ConfigReadError) -> Finding:
    fix = None
    if error.code == "byte-order-mark":
        fix = Fix("remove the byte-order mark", config_file.path, rewrite=lambda text: text.lstrip("\ufeff"))
    hint = error.hint or (
        f"make {config_file.relative} a readable file, or move it out of the config directory "
        "(the server fails on it too)"
    )
    return Finding(error.code, Severity.ERROR, error.reason, hint, config_file.path, error.line, error.column, fix)
