"""Where ClearML Server looks for its configuration, and which file holds which key (SERVER-SEMANTICS §1-2).

- Directories: ``CLEARML_CONFIG_DIR``, else ``TRAINS_CONFIG_DIR`` (the first non-empty one; never both), else
  ``/opt/trains/config`` then ``/opt/clearml/config``. The value splits on ``os.pathsep``; later ones win. Each
  part is ``Path(expandvars(part)).expanduser()``, as the server computes it: ``$VAR`` first, then ``~``; an
  empty part is ``Path("")``, the working directory.
- Files: every ``*.conf`` found recursively; ``services/tasks.conf`` holds the keys under ``services.tasks``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ConfigReadError, NoConfigDir, UsageError
from ..hocon import KeyPath, format_path
from ..hocon.parser import key_segments

#: The first key segments something in the server reads; a file outside them is loaded and never used.
KNOWN_NAMESPACES = ("apiserver", "services", "secure", "hosts", "logging", "fileserver")
#: Which servers read the files of a section; the rest is the API server's alone. Both servers read hosts,
#: logging and secure from /opt/clearml/config (each with its own loader).
READERS = {
    "fileserver": ("fileserver",),
    "hosts": ("apiserver", "fileserver"),
    "logging": ("apiserver", "fileserver"),
    "secure": ("apiserver", "fileserver"),
}
DEFAULT_DIRS = ("/opt/trains/config", "/opt/clearml/config")
CONFIG_DIR_VARIABLES = ("CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR")
SUFFIX = ".conf"


@dataclass(frozen=True)
class ConfigDirs:
    """The directories the server reads, lowest priority first, and where that list came from."""

    dirs: tuple[Path, ...]
    origin: str  # "--config-dir", "CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR" or "default"
    warnings: tuple[str, ...] = ()  # what the user should know about the list (an empty part)

    @property
    def write_dir(self) -> Path:
        """Edits go to the directory that wins."""
        return self.dirs[-1]

    def describe(self) -> str:
        names = ":".join(str(d) for d in self.dirs)
        return names if self.origin == "default" else f"{names}, from {self.origin}"


def component_of(path: KeyPath) -> str:
    """The file server reads only its own section (and its own loader); everything else is the API server's."""
    return "fileserver" if path and path[0] == "fileserver" else "apiserver"


def missing_dirs(dirs: ConfigDirs) -> list[Path]:
    """The directories a command must not do without: each one the user named that is not a directory; of the
    server's default list (where one missing is normal), the last when none exists."""
    if dirs.origin == "default":
        return [] if any(d.is_dir() for d in dirs.dirs) else [dirs.write_dir]
    return [d for d in dirs.dirs if not d.is_dir()]


def refuse_missing(dirs: ConfigDirs, directory: Path) -> NoConfigDir:
    """The error for a directory of ``dirs`` that does not exist (the rule `check` reports as
    ``config-dir-missing``)."""
    named = "" if dirs.origin == "default" else f" (from {dirs.origin})"
    if directory.exists():
        return NoConfigDir(
            f"{directory}{named} is not a directory",
            "--config-dir and CLEARML_CONFIG_DIR name the directory that holds the *.conf files",
        )
    return NoConfigDir(
        f"{directory}{named} does not exist",
        f"check the path; to start a new config directory: clearml-cfg init -c {directory} (or --create on a write)",
    )


def config_dirs(option: str | None, env: Mapping[str, str]) -> ConfigDirs:
    if option:
        value, origin = option, "--config-dir"
    else:
        for variable in CONFIG_DIR_VARIABLES:
            if env.get(variable):
                value, origin = env[variable], variable
                break
        else:
            return ConfigDirs(tuple(Path(d) for d in DEFAULT_DIRS), "default")
    parts = value.split(os.pathsep)
    dirs = tuple(_expand(part) for part in parts)
    warnings: tuple[str, ...] = ()
    if "" in parts:
        warnings = (
            f"{origin}={value!r} has an empty part, which the server reads as its working directory: it loads every "
            f"*.conf found under it (here: {os.getcwd()})",
        )
    return ConfigDirs(dirs, origin, warnings)


def _expand(part: str) -> Path:
    """The server's ``Path(expandvars(part)).expanduser()``: variables first, so ``$D`` may hold a ``~``."""
    path = Path(os.path.expandvars(part))
    try:
        return path.expanduser()
    except RuntimeError:  # no home directory to expand ~ to: the path stays as written
        return path


@dataclass(frozen=True)
class ConfigFile:
    """One ``*.conf`` file of a config directory."""

    directory: Path
    relative: str  # e.g. "services/tasks.conf"

    @property
    def path(self) -> Path:
        return self.directory / self.relative

    @property
    def prefix(self) -> tuple[str, ...]:
        """The key path its content lands under: ``services/tasks.conf`` -> ("services", "tasks")."""
        return file_prefix(self.relative)

    @property
    def namespace(self) -> str:
        return self.prefix[0] if self.prefix else ""


def file_prefix(relative: str) -> tuple[str, ...]:
    """The server's key for a file: ``".".join(relative.with_suffix("").parts)``, split as pyhocon splits a key.

    A dotfile has no suffix, so ``.conf`` keeps its name and loads under ``conf``; ``sub/.conf`` under
    ``sub.conf``; ``..conf`` gives no key at all (the server fails on it).
    """
    return key_segments(".".join(PurePosixPath(relative).with_suffix("").parts))


def discover(directory: Path, conf_dirs: list[Path] | None = None, *, by_name: bool = False) -> list[ConfigFile]:
    """Every ``*.conf`` under ``directory`` in the server's order: ``Path.rglob("*.conf")``, which is the file
    system's own order within a folder (a folder's files before its subfolders'). Two files of one folder that set
    the same key have no winner fixed by their names; ``check`` reports them. ``by_name``: a directory's own files
    by name, then its subdirectories' (to list them for a person).

    A directory named ``*.conf`` (which crashes the server) raises ConfigReadError, unless ``conf_dirs`` is given:
    then it is added there and skipped, so that `check` can still read every other file."""
    if not directory.is_dir():
        return []
    for _ in os.walk(directory, onerror=_walk_error):  # rglob skips a folder it cannot list; we say so
        pass
    found: list[ConfigFile] = []
    skipped: list[Path] = []
    for path in directory.rglob("*" + SUFFIX):
        if any(path.is_relative_to(d) for d in skipped):
            continue
        if path.is_dir():  # also a link to a directory: the server's rglob finds it and fails on it
            if conf_dirs is None:
                raise conf_directory(path)
            conf_dirs.append(path)
            skipped.append(path)
            continue
        config_file = ConfigFile(directory, path.relative_to(directory).as_posix())
        if not config_file.prefix:
            raise ConfigReadError(
                f"{config_file.path}: the server makes no key of this file name and would crash loading it",
                f"rename or remove {config_file.path}",
            )
        found.append(config_file)
    if by_name:
        found.sort(key=lambda f: [(1, part) for part in f.relative.split("/")[:-1]] + [(0, f.relative)])
    return found


def conf_directory(path: Path) -> ConfigReadError:
    return ConfigReadError(
        f"{path} is a directory named *.conf: the server would crash trying to read it", f"rename or remove {path}"
    )


def _walk_error(error: OSError) -> None:
    raise ConfigReadError(
        f"cannot list {error.filename}: {error.strerror}",
        "check the directory's permissions (the server needs to read it too)",
    )


def file_for_key(directory: Path, existing: list[ConfigFile], path: KeyPath) -> tuple[ConfigFile, KeyPath]:
    """The file of ``directory`` that should hold ``path``, and the key inside it.

    The longest existing file prefix wins (``services/tasks.conf`` for ``services.tasks.x``); otherwise
    ``<first segment>.conf``.
    """
    best: ConfigFile | None = None
    for candidate in existing:
        prefix = candidate.prefix
        if (
            len(prefix) < len(path)
            and path[: len(prefix)] == prefix
            and (best is None or len(prefix) > len(best.prefix))
        ):
            best = candidate
    if best is None:
        name = str(path[0])
        if not name or any(c in name for c in "/.\0"):
            raise UsageError(
                f"{name!r} cannot be the name of a configuration file: the server makes the first "
                "part of a key from a file name, where '/' and '.' separate parts",
                "start the key with the file's name, e.g. apiserver.x (apiserver.conf) or services.tasks.x "
                "(services/tasks.conf)",
            )
        check_file_name(name + SUFFIX, (name,))
        best = ConfigFile(directory, name + SUFFIX)
    inner = path[len(best.prefix) :]
    if not inner:
        raise UsageError(
            f"{format_path(path)} is a whole file ({best.relative}), not a setting in it",
            f"name a setting inside it, e.g. {format_path(path)}.some.key",
        )
    return best, inner


def check_file_name(relative: str, meant: tuple[str, ...] | None = None) -> None:
    """Refuse a new file the server could not load, or would load under another key than ``meant``: it makes a
    key of the name as pyhocon reads a key, so `*.conf` fails its start, and `a$b.conf` is read as `a.b`."""
    prefix = file_prefix(relative)
    if prefix and (meant is None or prefix == meant):
        return
    wanted = ".".join(meant) if meant is not None else relative.removesuffix(SUFFIX)
    effect = (
        f"would read it as the section {'.'.join(prefix)}, not {wanted}"
        if prefix
        else "makes no key of it and would fail to start"
    )
    raise UsageError(
        f"{relative!r} cannot be the name of a configuration file: the server {effect}",
        "name files and the first part of keys with letters, digits, '_' and '-' (apiserver.x is apiserver.conf)",
    )


def check_namespace(path: KeyPath, force: bool) -> None:
    head = path[0]
    if head in KNOWN_NAMESPACES or force:
        return
    import difflib

    close = difflib.get_close_matches(str(head), KNOWN_NAMESPACES, n=1)
    suggestion = f"did you mean {close[0]}.{format_path(path[1:])}? " if close and len(path) > 1 else ""
    raise UsageError(
        f"{head!r} is not a section the server reads: it would load {head}.conf and never use it",
        f"{suggestion}Keys start with one of {', '.join(KNOWN_NAMESPACES)}; --force writes it anyway",
    )


def servers_reading(path: Path) -> tuple[str, ...]:
    """The servers that read the file at ``path``: by the first known section walking up from it
    (``services/tasks.conf`` belongs to ``services``, read by the API server)."""
    names = [path.stem, *(parent.name for parent in path.parents)]
    namespace = next((name for name in names if name in KNOWN_NAMESPACES), "apiserver")
    return READERS.get(namespace, ("apiserver",))
