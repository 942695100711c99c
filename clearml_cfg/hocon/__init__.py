"""Lossless HOCON: parse, read, edit and render ClearML Server configuration files without losing a byte.

Imports nothing outside the standard library (no pyhocon, typer or rich): every command can afford it.
"""

from .document import Document, Location, parse
from .errors import (
    HoconEditError,
    HoconEditRefused,
    HoconEditUnresolvable,
    HoconError,
    HoconKeyError,
    HoconRunaway,
    HoconSemanticError,
    HoconSyntaxError,
)
from .paths import KeyPath, format_path, parse_path
from .values import Period, QuotedKey, Unresolved, strict_equal

__all__ = [
    "Document",
    "HoconEditError",
    "HoconEditRefused",
    "HoconEditUnresolvable",
    "HoconError",
    "HoconKeyError",
    "HoconRunaway",
    "HoconSemanticError",
    "HoconSyntaxError",
    "KeyPath",
    "Location",
    "Period",
    "QuotedKey",
    "Unresolved",
    "format_path",
    "parse",
    "parse_path",
    "strict_equal",
]
