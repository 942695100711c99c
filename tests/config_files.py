"""Small configuration directories for the unit tests, written byte for byte."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clearml_cfg.model.layout import ConfigDirs


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def config_dir(directory: Path, files: Mapping[str, str]) -> Path:
    """``directory`` holding ``files`` (relative name -> text)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write(directory / name, text)
    return directory


def dirs_of(*directories: Path) -> ConfigDirs:
    """The directories given explicitly (as with --config-dir), lowest priority first."""
    return ConfigDirs(tuple(directories), "--config-dir")


def temporary_files(directory: Path) -> list[str]:
    """What an interrupted write would leave behind: the temporary files of ``atomic``."""
    return sorted(p.name for p in directory.rglob("*.tmp"))
