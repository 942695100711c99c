"""Findings, fixes, and the one reading of every config directory that the checkers share."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path as FsPath
from typing import Any

from ..errors import ConfigReadError
from ..hocon import Document, HoconSemanticError, HoconSyntaxError, Location
from ..hocon.paths import Path
from ..layout import ConfigDirs, ConfigFile, discover
from ..store import read_text


class Severity(str, Enum):
    ERROR = "error"  # the server fails, or a setting cannot work
    WARNING = "warning"  # likely wrong, or unsafe
    INFO = "info"  # worth knowing


@dataclass(frozen=True)
class Fix:
    """A mechanical repair of one file: an edit of its document, a rewrite of its raw text (for a file that does
    not parse), and/or a new file mode."""

    description: str
    file: FsPath
    edit: Callable[[Document], None] | None = None
    rewrite: Callable[[str], str] | None = None
    mode: int | None = None


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    hint: str
    file: FsPath | None = None
    line: int | None = None
    column: int | None = None
    fix: Fix | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def where(self, base: FsPath | None = None) -> str:
        if self.file is None:
            return "env" if self.code.startswith("env-") else "-"
        shown = str(self.file)
        if base is not None and self.file.is_relative_to(base):
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
            "message": self.message,
            "hint": self.hint,
            "fixable": self.fixable,
        }


@dataclass
class LoadedFile:
    file: ConfigFile
    text: str
    document: Document
    tree: Any  # the file's own tree, unresolved (substitutions kept), under no prefix
    _locations: dict[Path, Location] | None = None

    @property
    def path(self) -> FsPath:
        return self.file.path

    def locate(self, inner: Path) -> Location | None:
        """Where the key ``inner`` (a path inside this file) is written, or its nearest written parent."""
        if self._locations is None:
            self._locations = self.document.field_locations()
        probe = inner
        while probe:
            if probe in self._locations:
                return self._locations[probe]
            probe = probe[:-1]
        return None


@dataclass
class Context:
    dirs: ConfigDirs
    env: Mapping[str, str]
    files: list[LoadedFile] = field(default_factory=list)
    unreadable: list[Finding] = field(default_factory=list)  # files that could not be read or parsed

    def finding_at(
        self,
        loaded: LoadedFile,
        inner: Path,
        code: str,
        severity: Severity,
        message: str,
        hint: str,
        fix: Fix | None = None,
    ) -> Finding:
        location = loaded.locate(inner)
        return Finding(
            code,
            severity,
            message,
            hint,
            loaded.path,
            location.line if location else None,
            location.column if location else None,
            fix,
        )


def load_context(dirs: ConfigDirs, env: Mapping[str, str]) -> Context:
    """Read every file of every directory; a file that fails becomes a finding rather than an exception."""
    context = Context(dirs, env)
    for directory in dirs.dirs:
        try:
            files = discover(directory)
        except ConfigReadError as e:
            context.unreadable.append(Finding("conf-directory", Severity.ERROR, e.message, e.hint or "", directory))
            continue
        for config_file in files:
            try:
                text = read_text(config_file.path)
            except ConfigReadError as e:
                context.unreadable.append(_read_failure(config_file, e))
                continue
            except FileNotFoundError:
                continue
            try:
                document = Document(text)
                tree = document.to_dict(resolve=False)
            except HoconSyntaxError as e:
                context.unreadable.append(
                    Finding(
                        "parse-error",
                        Severity.ERROR,
                        f"{e.reason}: the server cannot start with this file",
                        "fix the file by hand",
                        config_file.path,
                        e.line,
                        e.column,
                    )
                )
                continue
            except HoconSemanticError as e:
                context.unreadable.append(
                    Finding(
                        "parse-error",
                        Severity.ERROR,
                        f"{e}: the server cannot load this file",
                        "fix the file by hand",
                        config_file.path,
                    )
                )
                continue
            context.files.append(LoadedFile(config_file, text, document, tree))
    return context


_LOCATED = re.compile(r"^.*?:(\d+):(\d+): (.*)$", re.DOTALL)


def _read_failure(config_file: ConfigFile, error: ConfigReadError) -> Finding:
    fix = None
    code = "unreadable-file"
    if "byte-order mark" in error.message:
        code = "byte-order-mark"
        fix = Fix("remove the byte-order mark", config_file.path, rewrite=lambda text: text.lstrip("\ufeff"))
    elif "not UTF-8" in error.message:
        code = "not-utf8"
    m = _LOCATED.match(error.message)
    line: int | None = None
    column: int | None = None
    if m:
        line, column, message = int(m.group(1)), int(m.group(2)), m.group(3)
    else:
        message = error.message.split(": ", 1)[1] if ": " in error.message else error.message
    return Finding(code, Severity.ERROR, message, error.hint or "", config_file.path, line, column, fix)
