"""The configuration files as they are: every *.conf of every config directory, merged as the server merges
them (without its built-in defaults and environment overrides: that is the effective view).

Files are read through a Reader, so a command that also edits them (its transaction shares the Reader) sees its
own edits here: each file's tree is computed again only when its document's text changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..hocon import Document, KeyPath
from ..io.reading import Reader, resolved_tree
from ..model.keys import MISSING, lookup
from ..model.layout import SUFFIX, ConfigDirs, ConfigFile, discover
from ..model.merge import merge, on_the_way, put_along, put_file


def listing(directory: Path, reader: Reader, conf_dirs: list[Path] | None = None) -> list[ConfigFile]:
    """The files of ``directory`` the server would read once the command is done: those on disk (``discover``;
    ``conf_dirs`` as there) in the server's order, and those the command creates (adopted by its reader)."""
    found = discover(directory, conf_dirs)
    listed = {config_file.path for config_file in found}
    base = Path(os.path.abspath(directory))
    for path in sorted(reader.adopted):
        if path.suffix == SUFFIX and path.is_relative_to(base) and (directory / path.relative_to(base)) not in listed:
            _insert(found, ConfigFile(directory, path.relative_to(base).as_posix()))
    return found


def _insert(found: list[ConfigFile], new: ConfigFile) -> None:
    """A file the command creates, where the server will most likely find it: after the files of its folder (the
    file system decides among them; `check` reports two that set the same key), or, in a new folder, in
    discover()'s order of folders."""
    folder = _folder(new)
    same = [i for i, f in enumerate(found) if _folder(f) == folder]
    if same:
        found.insert(same[-1] + 1, new)
        return
    after = next((i for i, f in enumerate(found) if _server_order(f) > _server_order(new)), len(found))
    found.insert(after, new)


def _folder(config_file: ConfigFile) -> str:
    return config_file.relative.rpartition("/")[0]


def will_exist(directory: Path, reader: Reader) -> bool:
    """Whether ``directory`` is there for the server once the command is done (it creates files in it)."""
    base = Path(os.path.abspath(directory))
    return directory.is_dir() or any(path.is_relative_to(base) for path in reader.adopted)


def _server_order(config_file: ConfigFile) -> tuple[tuple[int, str], ...]:
    """A folder's own files before its subfolders', by name: where a file of a new folder goes."""
    *folders, name = config_file.relative.split("/")
    return (*((1, folder) for folder in folders), (0, name))


class LoadedFile:
    """One file of a config directory: its document, and its tree as the server resolves it on its own."""

    def __init__(self, file: ConfigFile, document: Document, env: Mapping[str, str]) -> None:
        self.file = file
        self.document = document
        self._env = env
        self._tree: tuple[str, Any] | None = None  # the text it was computed from, and the tree

    @property
    def tree(self) -> Any:
        """The resolved tree (shared: not to be changed), computed again after an edit of the document."""
        text = self.document.text
        if self._tree is None or self._tree[0] is not text:
            self._tree = (text, resolved_tree(self.file.path, self.document, self._env))
        return self._tree[1]


class FilesView:
    """Every ``*.conf`` of every config directory, and the tree they merge into.

    Every file is read (and resolved) when the view is made: a file the server cannot load fails every command
    that reads the files, as it fails the server.
    """

    def __init__(self, dirs: ConfigDirs, env: Mapping[str, str], reader: Reader | None = None) -> None:
        self.dirs = dirs
        self.env = env
        self.reader = reader if reader is not None else Reader()
        self.layers: list[tuple[Path, list[LoadedFile]]] = []
        for directory in dirs.dirs:
            loaded = []
            for config_file in listing(directory, self.reader):
                found = LoadedFile(config_file, self.reader.document(config_file.path), env)
                found.tree  # noqa: B018 -- resolve now: an unresolvable file is an error for every command
                loaded.append(found)
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

    def add(self, config_file: ConfigFile, document: Document) -> None:
        """A file created since the view was made (by the command's own transaction): merged in the place the
        server gives it (a directory's own files, by name, before its subdirectories')."""
        if self.loaded(config_file) is not None:
            return
        for directory, layer in self.layers:
            if directory == config_file.directory:
                at = next(
                    (
                        i
                        for i, f in enumerate(layer)
                        if "/" in f.file.relative or f.file.relative > config_file.relative
                    ),
                    len(layer),
                )
                layer.insert(at, LoadedFile(config_file, document, self.env))

    def merged(self, along: KeyPath | None = None) -> dict[str, Any]:
        """The merged tree (a copy: the caller may change it); with ``along``, only what lies along that key
        (merging is key by key, so the value at ``along`` is exact without copying everything else)."""
        return self._merge(along)

    def value(self, path: KeyPath) -> Any:
        """The merged value at ``path``, or MISSING. Only what lies along ``path`` is merged (merging is key by
        key), so reading one key does not copy the whole configuration."""
        try:
            return lookup(self._merge(path), path)
        except KeyError:
            return MISSING

    def _merge(self, along: KeyPath | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _, layer in self.layers:
            tree: dict[str, Any] = {}
            for loaded in layer:
                prefix = loaded.file.prefix
                if along is None:
                    put_file(tree, prefix, loaded.tree)
                else:
                    put_along(tree, prefix, loaded.tree, [along])
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
                if len(path) > len(prefix) and on_the_way(prefix, path):
                    for inner in written_as(loaded.document, path[len(prefix) :]):
                        found.append((loaded, inner))
        return found


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
