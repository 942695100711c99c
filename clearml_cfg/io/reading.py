"""Reading configuration files: the text exactly as it is on disk, and its parsed document.

Every failure is a ConfigReadError that names the file (and line and column where the parser knows them).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigReadError
from ..hocon import Document
from ..hocon.errors import HoconSemanticError, HoconSyntaxError, line_starts, source_line

T = TypeVar("T")

#: A configuration file larger than this is refused: the largest real ones are a few kilobytes, and pyhocon
#: (the server's parser) would take minutes on it.
MAX_FILE_BYTES = 8 * 1024 * 1024


def read_text(path: Path) -> str:
    """The file's text, exactly (no newline translation); every failure is a ConfigReadError.

    A file that does not exist raises FileNotFoundError (a transaction creates it); a symlink that leads nowhere
    is a ConfigReadError, as the server fails on it too.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reason = (
                f"{size / 1024 / 1024:.1f} MB is far too large for a configuration file "
                f"(the limit is {MAX_FILE_BYTES // 1024 // 1024} MB; the server's parser would take minutes on it)"
            )
            raise ConfigReadError(
                f"{path}:1:1: {reason}",
                "this is not a configuration file: move it out of the config directory",
                path=path,
                line=1,
                column=1,
                reason=reason,
            )
        data = path.read_bytes()
    except FileNotFoundError as e:
        if path.is_symlink():
            raise ConfigReadError(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist",
                f"the server fails on it too: point the link at the real file, or remove {path}",
                path=path,
            ) from e
        raise
    except IsADirectoryError as e:
        raise ConfigReadError(f"{path} is a directory, not a file", f"rename or remove {path}", path=path) from e
    except PermissionError as e:
        raise ConfigReadError(
            f"cannot read {path}: permission denied",
            "run as a user who can read it (the server reads it too)",
            path=path,
            reason="permission denied",
        ) from e
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ConfigReadError(
                f"cannot read {path}: its symbolic links form a loop",
                f"the server fails on it too: point the link at the real file, or remove {path}",
                path=path,
                reason="its symbolic links form a loop",
            ) from e
        raise ConfigReadError(
            f"cannot read {path}: {e.strerror}",
            "the server cannot read it either: check the file and its disk",
            path=path,
            reason=str(e.strerror),
        ) from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        reason = f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        raise ConfigReadError(
            f"{path}:{line}:{column}: {reason}",
            "the server reads its files as UTF-8: re-save the file as UTF-8",
            code="not-utf8",
            path=path,
            line=line,
            column=column,
            reason=reason,
        ) from e
    if text.startswith("\ufeff"):
        reason = "the file starts with a UTF-8 byte-order mark, which the server's parser rejects"
        raise ConfigReadError(
            f"{path}:1:1: {reason}",
            f"remove the first 3 bytes of {path}, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' {path}",
            code="byte-order-mark",
            path=path,
            line=1,
            column=1,
            reason=reason,
        )
    return text


def parse_document(path: Path, text: str) -> Document:
    try:
        document = Document(text)
        document.unresolved()  # the server would fail on a file it cannot make a tree of
        _check_includes(path, document)
    except HoconSyntaxError as e:
        raise ConfigReadError(
            f"{path}:{e.line}:{e.column}: {e.reason}",
            "fix the file by hand; the server cannot start with it either",
            detail=_masked_excerpt(e),
            code="parse-error",
            path=path,
            line=e.line,
            column=e.column,
            reason=e.reason,
        ) from e
    except HoconSemanticError as e:
        raise _semantic_error(path, text, e, "fix the file by hand; the server cannot read it either") from e
    return document


def _check_includes(path: Path, document: Document, seen: tuple[str, ...] = ()) -> None:
    """The includes pyhocon fails on (the server cannot load the file): a pattern (`*`, `?`) that matches no file
    (pyhocon then has nothing to include and raises AttributeError), `required(...)` of a file that is not there,
    and a file that includes itself, directly or through others (RecursionError). A plain include of a missing
    file is skipped, as pyhocon skips it."""
    import glob

    seen = (*seen, os.path.realpath(path))
    for include, location in document.include_statements():
        if include.kind not in ("", "file"):
            continue  # url(...) and package(...): not looked at here
        target = os.path.join(os.path.dirname(path), include.target)
        found = glob.glob(target, recursive=True) if "*" in target or "?" in target else [target]
        why = ""
        if not found:
            why = f'include "{include.target}" matches no file, and pyhocon fails on that (AttributeError)'
        elif include.required and not os.path.exists(target) and found == [target]:
            why = f'include required("{include.target}") names {target}, which does not exist'
        elif any(os.path.realpath(f) in seen for f in found):
            why = f'include "{include.target}" closes a cycle of includes, which pyhocon follows until RecursionError'
        if why:
            reason = f"{why}: the server cannot load this file"
            raise ConfigReadError(
                f"{path}:{location.line}:{location.column}: {reason}",
                "remove the include, or make it name a file that exists (and does not include this one)",
                code="server-cannot-load",
                path=path,
                line=location.line,
                column=location.column,
                reason=reason,
            )
        for included in found:
            _check_included(Path(included), path, location, seen)


def _check_included(included: Path, path: Path, location: Any, seen: tuple[str, ...]) -> None:
    """Follow an included file's own includes, to find a cycle back to one of ``seen``."""
    try:
        document = Document(included.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, HoconSyntaxError):
        return  # not ours to judge here: what fails in it fails the server's reading of that file
    try:
        _check_includes(included, document, seen)
    except ConfigReadError as e:
        raise ConfigReadError(
            f"{path}:{location.line}:{location.column}: it includes {included}: {e.reason}",
            e.hint,
            code=e.code,
            path=path,
            line=location.line,
            column=location.column,
            reason=f"it includes {included}: {e.reason}",
        ) from None


def _masked_excerpt(error: HoconSyntaxError) -> str:
    from ..model.masking import mask_excerpt

    return mask_excerpt(error.source_line, error.column)


def read_document(path: Path) -> Document:
    return parse_document(path, read_text(path))


class Reader:
    """Reads each configuration file once for a command: its text, and the document parsed from it.

    Every view of a command and its write transaction share one Reader, so that a file is read and parsed once
    however many views look at it. A failure is kept like a result: every view meets the same error. A file
    that does not exist is not remembered (a write may create it).
    """

    def __init__(self) -> None:
        self._texts: dict[Path, str | ConfigReadError] = {}
        self._documents: dict[Path, Document | ConfigReadError] = {}
        self._derived: dict[tuple[Path, str], tuple[str, Any]] = {}

    def derived(self, path: Path, what: str, text: str, make: Callable[[], T]) -> T:
        """What ``make`` computes from ``text`` (the file's text as read, or as the command edited it), once per
        text: the server's own reading of a file (pyhocon) is not repeated for a file that did not change."""
        key = (Path(os.path.abspath(path)), what)
        found = self._derived.get(key)
        if found is not None and found[0] is text:
            return found[1]  # type: ignore[no-any-return]
        value = make()
        self._derived[key] = (text, value)
        return value

    def text(self, path: Path) -> str:
        """The file's text (FileNotFoundError when there is no file; ConfigReadError when it cannot be read)."""
        key = Path(os.path.abspath(path))
        found = self._texts.get(key)
        if found is None:
            try:
                found = read_text(key)
            except ConfigReadError as e:
                found = e
            self._texts[key] = found
        if isinstance(found, ConfigReadError):
            raise found
        return found

    def document(self, path: Path) -> Document:
        """The file parsed (ConfigReadError, with the place, when it does not parse)."""
        key = Path(os.path.abspath(path))
        found = self._documents.get(key)
        if found is None:
            text = self.text(key)
            try:
                found = parse_document(key, text)
            except ConfigReadError as e:
                found = e
            self._documents[key] = found
        if isinstance(found, ConfigReadError):
            raise found
        return found


def resolved_tree(path: Path, document: Document, env: Mapping[str, str]) -> Any:
    """The file's tree with substitutions resolved, as the server resolves each file on its own (shared with
    the document: not to be changed)."""
    try:
        return document.resolved(env)
    except HoconSemanticError as e:
        raise _semantic_error(path, document.text, e, "the server would fail to start with this file") from e


def _semantic_error(path: Path, text: str, error: HoconSemanticError, hint: str) -> ConfigReadError:
    """``FILE:LINE:COL: reason`` and the line with a caret, as for a syntax error, when the error has a place."""
    line, column, reason = error.line, error.column, error.reason
    if line is None or column is None:
        return ConfigReadError(f"{path}: {error}", hint, code="parse-error", path=path, reason=str(error))
    starts = line_starts(text)
    if line > len(starts):
        return ConfigReadError(
            f"{path}:{line}:{column}: {reason}",
            hint,
            code="parse-error",
            path=path,
            line=line,
            column=column,
            reason=reason,
        )
    source = source_line(text, starts[line - 1])
    # The reader counts columns after expanding tabs to 8-column stops (as pyparsing does): find the character.
    index = next((i for i in range(len(source) + 1) if len(source[:i].expandtabs()) >= column - 1), len(source))
    detail = f"{source.expandtabs(1)}\n{' ' * index}^"
    return ConfigReadError(
        f"{path}:{line}:{index + 1}: {reason}",
        hint,
        detail=detail,
        code="parse-error",
        path=path,
        line=line,
        column=index + 1,
        reason=reason,
    )
