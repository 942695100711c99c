"""The configuration files as they are: every *.conf of every config directory, read once, merged as the
server merges them (without its built-in defaults and environment overrides: that is the effective view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..hocon import Document, KeyPath
from ..io.reading import read_document, resolved_tree
from ..model.layout import ConfigDirs, ConfigFile, discover
from ..model.merge import merge, put_file


@dataclass
class LoadedFile:
    file: ConfigFile
    document: Document
    tree: Any  # resolved, as the server reads this file on its own


class FilesView:
    """Every ``*.conf`` of every config directory, read once, and the tree they merge into."""

    def __init__(self, dirs: ConfigDirs, env: Mapping[str, str]) -> None:
        self.dirs = dirs
        self.env = env
        self.layers: list[tuple[Path, list[LoadedFile]]] = []
        for directory in dirs.dirs:
            loaded = []
            for config_file in discover(directory):
                document = read_document(config_file.path)
                loaded.append(LoadedFile(config_file, document, resolved_tree(config_file.path, document, dict(env))))
            self.layers.append((directory, loaded))

    def files(self, directory: Path | None = None) -> list[ConfigFile]:
        return [f.file for d, layer in self.layers if directory is None or d == directory for f in layer]

    def loaded(self, config_file: ConfigFile) -> LoadedFile | None:
        for directory, layer in self.layers:
            if directory == config_file.directory:
                for loaded in layer:
                    if loaded.file.relative == config_file.relative:
                        return loaded
        return None

    def merged(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _, layer in self.layers:
            tree: dict[str, Any] = {}
            for loaded in layer:
                put_file(tree, loaded.file.prefix, loaded.tree)
            merge(result, tree, dash_rule=True)
        return result

    def definitions(self, path: KeyPath) -> list[tuple[LoadedFile, KeyPath]]:
        """The files that set ``path`` (or something under it), with the key as written inside each file.

        A key written ``-name`` (in the file, or as the file's name: ``-apiserver.conf``) defines ``name``
        (SERVER-SEMANTICS §3), so it is found as well.
        """
        found = []
        for _, layer in self.layers:
            for loaded in layer:
                prefix = loaded.file.prefix
                if len(path) > len(prefix) and all(_spells(w, s) for w, s in zip(prefix, path, strict=False)):
                    for inner in written_as(loaded.document, path[len(prefix) :]):
                        found.append((loaded, inner))
        return found


def _spells(written: str | int, segment: str | int) -> bool:
    return written == segment or (isinstance(segment, str) and written == "-" + segment)


def written_as(document: Document, path: KeyPath) -> list[KeyPath]:
    """Every way ``path`` is written in ``document``: at each level the key itself and its ``-key`` form, which
    replaces what the layers below say instead of merging into it (SERVER-SEMANTICS §3)."""
    found: list[KeyPath] = [()]
    for segment in path:
        forms = [segment] if isinstance(segment, int) or segment.startswith("-") else [segment, "-" + segment]
        found = [(*prefix, form) for prefix in found for form in forms if (*prefix, form) in document]
        if not found:
            break
    return found


def where_to_set(document: Document, path: KeyPath) -> KeyPath:
    """The key to edit for ``path``: inside an existing ``-key`` block when only that form is written, so that
    ``set apiserver.cors.origins`` edits the file's ``-cors { }`` instead of adding a second ``cors { }``."""
    written: KeyPath = ()
    for index, segment in enumerate(path):
        dashed = f"-{segment}"
        if (
            isinstance(segment, str)
            and not segment.startswith("-")
            and (*written, segment) not in document
            and (*written, dashed) in document
        ):
            segment = dashed
        written = (*written, segment)
        if written not in document:
            return (*written, *path[index + 1 :])
    return written
