"""Where ClearML Server looks for its configuration, and which file holds which key (SERVER-SEMANTICS §1-2).

- Directories: ``CLEARML_CONFIG_DIR``, else ``TRAINS_CONFIG_DIR`` (the first non-empty one; never both), else
  ``/opt/trains/config`` then ``/opt/clearml/config``. The value splits on ``os.pathsep``; later ones win.
- Files: every ``*.conf`` found recursively; ``services/tasks.conf`` holds the keys under ``services.tasks``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigReadError, UsageError
from .hocon.parser import key_segments
from .hocon.paths import Path as KeyPath
from .hocon.paths import format_path

#: The first key segments something in the server reads; a file outside them is loaded and never used.
KNOWN_NAMESPACES = ("apiserver", "services", "secure", "hosts", "logging", "fileserver")
DEFAULT_DIRS = ("/opt/trains/config", "/opt/clearml/config")
CONFIG_DIR_VARIABLES = ("CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR")
SUFFIX = ".conf"


@dataclass(frozen=True)
class ConfigDirs:
    """The directories the server reads, lowest priority first, and where that list came from."""

    dirs: tuple[Path, ...]
    origin: str  # "--config-dir", "CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR" or "default"

    @property
    def write_dir(self) -> Path:
        """Edits go to the directory that wins."""
        return self.dirs[-1]

    def describe(self) -> str:
        names = ":".join(str(d) for d in self.dirs)
        return names if self.origin == "default" else f"{names}, from {self.origin}"


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
    dirs = tuple(Path(os.path.expandvars(os.path.expanduser(part))) for part in value.split(os.pathsep) if part)
    if not dirs:
        raise UsageError(f"{origin} names no directory", f"set {origin} to a directory, e.g. ./clearml-config")
    return ConfigDirs(dirs, origin)


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
    stem = relative[: -len(SUFFIX)] if relative.endswith(SUFFIX) else relative
    return key_segments(stem.replace("/", "."))


def discover(directory: Path) -> list[ConfigFile]:
    """Every ``*.conf`` under ``directory`` in the server's order (``os.walk`` top-down: a directory's own files
    before its subdirectories'), sorted by name within a directory so that runs are repeatable."""
    if not directory.is_dir():
        return []
    found: list[ConfigFile] = []
    for root, subdirs, files in os.walk(directory, onerror=_walk_error):
        subdirs.sort()
        base = Path(root)
        for name in subdirs:
            if name.endswith(SUFFIX) and not (base / name).is_symlink():
                where = base / name
                raise ConfigReadError(
                    f"{where} is a directory named *.conf: the server would crash trying to read it",
                    f"rename or remove {where}",
                )
        for name in sorted(files):
            if name.endswith(SUFFIX) and len(name) > len(SUFFIX):
                relative = (base / name).relative_to(directory).as_posix()
                found.append(ConfigFile(directory, relative))
    return found


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
        best = ConfigFile(directory, name + SUFFIX)
    inner = path[len(best.prefix) :]
    if not inner:
        raise UsageError(
            f"{format_path(path)} is a whole file ({best.relative}), not a setting in it",
            f"name a setting inside it, e.g. {format_path(path)}.some.key",
        )
    return best, inner
