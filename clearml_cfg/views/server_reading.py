"""Reading a file or a variable as the server does: with pyhocon, its tree turned into plain data."""

from __future__ import annotations

import datetime
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError
from ..hocon import Document, KeyPath, Location, Period, QuotedKey, format_path
from ..io.reading import read_regular


def plain(value: Any) -> Any:
    """pyhocon's tree as plain data: quotes off keys (a key pyhocon keeps quoted becomes a QuotedKey, which the
    `-key` rule skips, as the server's does), NoneValue to None, durations to our Period.

    An include used as a value stays an include object in pyhocon's tree: it is shown as pyhocon prints it."""
    from pyhocon.config_tree import ConfigInclude, ConfigTree, NoneValue

    if isinstance(value, ConfigTree):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, NoneValue):
        return None
    if isinstance(value, datetime.timedelta) or type(value).__name__ == "relativedelta":
        return _period(value)
    if isinstance(value, ConfigInclude):
        return object.__repr__(value)
    return value


def _key(key: str) -> str:
    """The key as ``as_plain_ordered_dict`` gives it, still telling the `-key` rule whether it was quoted."""
    return QuotedKey(key.strip('"')) if key.startswith('"') else key


# what pyhocon leaves in a value where null is concatenated, or an include is used as a value
_JUNK = {
    "<pyhocon.config_tree.NoneValue object at ": "null",
    "<pyhocon.config_tree.ConfigInclude object at ": "include",
}


def junk(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    """Where pyhocon turned a value into the text of one of its objects, and which ("null" or "include")."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from junk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from junk(item, (*path, index))
    elif isinstance(value, str):
        for marker, what in _JUNK.items():
            if marker in value:
                yield path, what
                return


def junk_warning(where: str, key: KeyPath, what: str, fix: str) -> str:
    if what == "include":
        return (
            f"{where}: {format_path(key)} is an include used as a value: pyhocon leaves an include object there, "
            f"which no server code can use (shown as pyhocon prints it); {fix}"
        )
    return (
        f"{where}: {format_path(key)} concatenates null with other text: pyhocon makes it the text of its null "
        f"object (shown as pyhocon prints it), and the server gets that string; {fix}"
    )


def as_server_reads(value: Any) -> Any:
    """Our reading of a file (``Document.resolved``) in the form ``plain`` gives pyhocon's: a duration as pyhocon
    makes it (``14 days`` is a relativedelta that reports 2 weeks), the rest as it is. A fresh copy: the
    document's own tree is not to be changed."""
    if isinstance(value, dict):
        return {key: as_server_reads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_server_reads(item) for item in value]
    if isinstance(value, Period):
        return _period(_pyhocon_duration(value))
    return value


def _pyhocon_duration(period: Period) -> Any:
    """The object pyhocon makes of a duration: timedelta for milliseconds, relativedelta otherwise."""
    from dateutil.relativedelta import relativedelta

    if period.unit == "milliseconds":
        return datetime.timedelta(milliseconds=period.amount)
    if period.unit == "nanoseconds":
        return relativedelta(microseconds=period.amount // 1000)
    units: dict[str, Any] = {period.unit: period.amount}
    return relativedelta(**units)


_DELTA_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds", "microseconds")


def _period(value: Any) -> Period:
    """pyhocon's timedelta/relativedelta back as a Period, for display and JSON."""
    if isinstance(value, datetime.timedelta):
        micros = value // datetime.timedelta(microseconds=1)
        amount, unit = (micros // 1000, "milliseconds") if micros % 1000 == 0 else (micros, "microseconds")
        return Period(amount, unit, f"{amount} {unit}")
    fields: dict[str, int] = {unit: int(getattr(value, unit, 0) or 0) for unit in _DELTA_UNITS}
    for unit in _DELTA_UNITS:  # relativedelta(weeks=2) also reports days=14: take the largest unit
        if fields[unit]:
            return Period(fields[unit], unit, f"{fields[unit]} {unit}")
    return Period(0, "seconds", "0 seconds")


def read_file(path: Path, text: str | None = None) -> Any:
    """The file as the server's loader reads it (``parse_file``); ``text``: its content, already read (pyhocon
    then parses it as ``parse_file`` would, with the file's directory for relative includes).

    Included files are read as the tool reads every file (regular files only, at most 8 MB); an `include url(...)`
    is never fetched: it reads as empty here (the server fetches it at every start; ``check`` says so)."""
    if text is None and os.path.isdir(path):
        raise ConfigReadError(
            f"{path} is a link to a directory: the server crashes trying to read it as a file (IsADirectoryError)",
            f"remove the link or rename it so that it does not end in .conf: {path}",
            code="server-cannot-load",
            path=path,
        )
    try:
        with guarded_includes() as factory:
            if text is None:
                data, _ = read_regular(path)
                text = data.decode("utf-8")
            tree = factory.parse_string(text, os.path.dirname(path))
    except _IncludeFailed as e:
        reason = f"its include of {e.filename} fails: {e.reason}"
        raise ConfigReadError(
            f"{path}: {reason}",
            e.hint or "the server cannot start with it either: fix the include, or the file it names",
            code="server-cannot-load",
            path=path,
            reason=reason,
        ) from None
    except ConfigReadError:
        raise
    except RecursionError:
        reason = (
            "the server cannot load this file: its parser runs out of room (RecursionError) on keys nested this deep"
        )
        raise ConfigReadError(
            f"{path}: {reason}",
            "the server fails at start too (near 976 levels in all): nest the keys less deeply",
            code="server-cannot-load",
            path=path,
            reason=reason,
        ) from None
    except Exception as e:
        reason = f"the server cannot load this file: {short_message(e)}"
        line, column = _place(e)
        raise ConfigReadError(
            f"{path}: {reason}",
            _substitution_hint(str(e)) or "fix the file by hand; the server cannot start with it either",
            code="server-cannot-load",
            path=path,
            line=line,
            column=column,
            reason=reason,
        ) from None
    return plain(tree)  # with the room of the command, not the server's: pyhocon's part is done


_URL_PREFIXES = ("http://", "https://", "file://")


def url_includes(document: Document) -> list[tuple[Location, str]]:
    """Where the file includes a URL (`include url("...")`, or a bare string that pyhocon reads as one), and
    which (a password in it masked): the server fetches each at every start, clearml-cfg never."""
    from ..model.schema import mask_value_secrets

    return [
        (location, mask_value_secrets(include.target))
        for _, location, include in document.include_statements()
        if include.kind == "url" or (include.kind == "" and include.target.startswith(_URL_PREFIXES))
    ]


def url_include_warning(where: str, url: str) -> str:
    return (
        f"{where}: the server fetches {url} at every start (an `include`); clearml-cfg does not, so what it brings "
        "is not shown"
    )


class _IncludeFailed(Exception):
    """An included file that cannot be read, carried out through pyhocon's parser to ``read_file``."""

    def __init__(self, filename: str, reason: str, hint: str | None = None) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
        self.hint = hint


@contextmanager
def guarded_includes() -> Iterator[Any]:
    """pyhocon's ConfigFactory, its includes made safe for as long as the context lasts: a URL is never
    fetched (a host that never answers would hang the command, and what the server would get is its business at
    start), and a file is read only if it is a regular file of at most 8 MB (``include "/dev/zero"``). A file
    that cannot be read, or that is not HOCON, is a ConfigReadError that names it, without its content."""
    factory = pyhocon_factory()
    original_file, original_url = factory.__dict__["parse_file"], factory.__dict__["parse_URL"]

    def parse_file(
        cls: Any, /, filename: str, encoding: str = "utf-8", required: bool = True, resolve: bool = True, **rest: Any
    ) -> Any:
        try:
            data, _ = read_regular(Path(filename), what="included file", hint=_INCLUDE_HINT)
            content = data.decode(encoding)
        except FileNotFoundError:
            if required:
                raise
            return []
        except ConfigReadError as e:
            raise _IncludeFailed(filename, e.reason, e.hint) from None
        except UnicodeDecodeError:
            raise _IncludeFailed(filename, "it is not UTF-8 text") from None
        try:
            return cls.parse_string(content, os.path.dirname(filename), resolve, **rest)
        except _IncludeFailed:
            raise
        except Exception as e:
            raise _IncludeFailed(filename, _syntax_reason(content, e)) from None

    def parse_url(cls: Any, url: str, *_: Any, **__: Any) -> Any:
        return []  # never fetched

    factory.parse_file, factory.parse_URL = classmethod(parse_file), classmethod(parse_url)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + SERVER_ROOM)  # where pyhocon runs out of room, it does in the server
    try:
        yield factory
    finally:
        sys.setrecursionlimit(limit)
        factory.parse_file, factory.parse_URL = original_file, original_url


#: The frames pyhocon has in the server: Python's default limit (1,000) less the server's own calls below it. A
#: dotted key of 976 parts in apiserver.conf stops the server (RecursionError); one of 975 does not.
SERVER_ROOM = 989


def _stack_depth() -> int:
    depth = 0
    frame: Any = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


_INCLUDE_HINT = "the server cannot start with it either: remove the include, or point it at a real file"


def _syntax_reason(content: str, error: Exception) -> str:
    """Why an included file does not parse, located by our own parser when it can (pyparsing's own message
    lists its whole grammar); never with the file's content, which may be anything (/etc/shadow)."""
    from ..hocon import Document, HoconSyntaxError

    try:
        Document(content)
    except HoconSyntaxError as e:
        return f"it is not HOCON (line {e.line}, column {e.column}: {e.reason})"
    except Exception:
        pass
    line, column = _place(error)
    return f"it is not HOCON (the server's parser stops at line {line}, column {column})"


# pyhocon's own exceptions say where only in their text: "... (line: 2, col: 4)"
_PYHOCON_PLACE = re.compile(r"\(line: (\d+), col: (\d+)\)")


def _place(error: Exception) -> tuple[int, int]:
    """Line and column of pyhocon's failure: pyparsing's exceptions carry them; pyhocon's say them; else 1:1."""
    line, column = getattr(error, "lineno", None), getattr(error, "col", None)
    if isinstance(line, int) and isinstance(column, int):
        return line, column
    place = _PYHOCON_PLACE.search(str(error))
    return (int(place.group(1)), int(place.group(2))) if place else (1, 1)


def short_message(error: Exception) -> str:
    """pyhocon's message, short: pyparsing's lists its whole grammar, so say where it stopped instead."""
    text, loc = getattr(error, "pstr", None), getattr(error, "loc", None)
    if isinstance(text, str) and isinstance(loc, int) and "\n" not in text and len(text) < 200:
        found = repr(text[loc]) if loc < len(text) else "the end"
        return f"pyhocon stops at {found}, column {loc + 1} of {text!r}"
    if isinstance(text, str) and isinstance(loc, int):
        line, column = _place(error)
        return f"pyhocon stops at line {line}, column {column}"
    return " ".join(str(error).split())[:300]


def pyhocon_factory() -> Any:
    """pyhocon's ConfigFactory, its log quiet: what it logs (a missing include) comes back as our warnings."""
    import logging

    from pyhocon import ConfigFactory

    logging.getLogger("pyhocon").setLevel(logging.ERROR)
    return ConfigFactory


def _substitution_hint(message: str) -> str | None:
    if "Cannot resolve variable" not in message:
        return None
    return (
        "the server resolves each file on its own, then falls back to environment variables: a substitution "
        "cannot refer to a key of another file; write the value itself, or set the environment variable"
    )
