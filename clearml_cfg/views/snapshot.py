"""One reading of the configuration per command, and every view of it.

A command makes one Snapshot (a write command: once it holds its lock, on its transaction's Reader). Every view
it needs comes from it: the files' merged tree (``files``), the server's effective view (``effective``), and
what the environment variables do to one section (``overridden``). Each file is read and parsed once; a view is
computed when first asked for, once. After the command's own edits, ``refresh()`` makes the views follow the
edited documents without reading anything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..hocon import KeyPath
from ..io.reading import Reader
from ..model.layout import ConfigDirs
from .effective import Effective, compute
from .environment import Overridden, apply
from .files import FilesView


class Snapshot:
    def __init__(self, dirs: ConfigDirs, env: Mapping[str, str], reader: Reader | None = None) -> None:
        self.dirs = dirs
        self.env = env
        self.reader = reader if reader is not None else Reader()
        self._files: FilesView | None = None
        self._effective: dict[tuple[str, Path | None, bool, tuple[KeyPath, ...] | None, bool], Effective] = {}

    @property
    def files(self) -> FilesView:
        """Every file of every config directory, merged as the server merges them (no defaults, no variables)."""
        if self._files is None:
            self._files = FilesView(self.dirs, self.env, self.reader)
        return self._files

    def effective(
        self,
        component: str = "apiserver",
        *,
        defaults_dir: Path | None = None,
        ignore_bad_env: bool = False,
        along: Sequence[KeyPath] | None = None,
        lines: bool | None = None,
    ) -> Effective:
        """The configuration exactly as ``component``'s loader computes it, with the origin of every value;
        with ``along``, only what lies along those keys (see ``compute``: what a write asks of a few keys), their
        origins naming the file but not the line (which would take the edited file's syntax tree) unless
        ``lines``."""
        lines = along is None if lines is None else lines
        key = (component, defaults_dir, ignore_bad_env, None if along is None else tuple(along), lines)
        found = self._effective.get(key)
        if found is None:
            found = compute(
                self.dirs,
                self.env,
                component=component,
                defaults_dir=defaults_dir,
                ignore_bad_env=ignore_bad_env,
                reader=self.reader,
                along=along,
                lines=lines,
            )
            self._effective[key] = found
        return found

    def overridden(self, section: KeyPath, tree: dict[str, Any] | None = None) -> Overridden | None:
        """The variables that touch ``section`` laid over the files' tree (or over ``tree``, the files as they
        would be after an edit); None when no variable touches it."""
        return apply(self.files.merged() if tree is None else tree, self.env, section)

    def refresh(self) -> None:
        """Views computed again from the documents as the command edited them (nothing is read again)."""
        self._effective.clear()
