"""A configuration file named on the command line (`edit`, `restore`), resolved inside a config directory.

A name is a file of the directory that wins (`services`, `services/tasks.conf`), or a path inside one of the
config directories. It never leads outside them: not through `..`, not through a link (a linked subdirectory
or file whose target lies elsewhere), since these commands may run as root and would otherwise rewrite any file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigReadError, UsageError
from ..model.layout import SUFFIX, ConfigDirs, ConfigFile

DEFAULT_FILE = "apiserver.conf"


def config_file(dirs: ConfigDirs, name: str | None) -> ConfigFile:
    """The file ``name`` stands for (``apiserver.conf`` of the winning directory when None); it need not exist."""
    name = DEFAULT_FILE if name is None else name
    if not name or "\0" in name:
        raise UsageError("the file name is empty", "name a file of the config directory, e.g. services")
    candidate = Path(name if name.endswith(SUFFIX) else name + SUFFIX)
    if candidate.is_absolute():
        directory = next(
            (d for d in reversed(dirs.dirs) if _inside(Path(os.path.normpath(candidate)), _absolute(d))), None
        )
        if directory is None:
            raise _outside(name, dirs.write_dir)
    else:
        directory = dirs.write_dir
        candidate = _absolute(directory) / candidate
    base = _absolute(directory)
    path = Path(os.path.normpath(candidate))
    if not _inside(path, base) or path == base:
        raise _outside(name, directory)
    real_base = Path(os.path.realpath(base))
    if not _inside(Path(os.path.realpath(path)), real_base):
        raise UsageError(
            f"{name} leads outside the config directory {directory} through a symbolic link "
            f"(to {os.path.realpath(path)})",
            f"edit {os.path.realpath(path)} as that file's owner would, or replace the link by a real file",
        )
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a configuration file", f"name a *{SUFFIX} file inside it")
    if path.exists() and not path.is_file():  # a FIFO would block the read, a device never end
        raise UsageError(f"{path} is not a regular file", f"replace {path} by a file, or remove it")
    found = ConfigFile(base, path.relative_to(base).as_posix())
    if not found.prefix:
        raise UsageError(
            f"{found.relative}: the server makes no key of this file name and would crash loading it",
            "name the file after the section it holds, e.g. services",
        )
    return found


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes as they are now (a symlink followed); None when there is no file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigReadError(f"cannot read {path}: {e.strerror}", "check the file and its permissions") from e


def _absolute(directory: Path) -> Path:
    return Path(os.path.abspath(directory))


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or path.is_relative_to(directory)


def _outside(name: str, directory: Path) -> UsageError:
    return UsageError(
        f"{name} is outside the config directory {directory}",
        f"name a file inside it, e.g. services or services/tasks{SUFFIX} (--config-dir chooses the directory)",
    )
