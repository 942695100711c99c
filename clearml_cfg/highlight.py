"""HOCON syntax highlighting for a terminal, from our own tokenizer (pygments has no HOCON lexer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hocon.parser import parse_tree
from .hocon.syntax import Kind

if TYPE_CHECKING:
    from rich.text import Text

_STYLES = {
    Kind.KEY: "bold blue",
    Kind.QUOTED: "green",
    Kind.TRIPLE: "green",
    Kind.UNQUOTED: "green",
    Kind.NUMBER: "magenta",
    Kind.PERIOD: "magenta",
    Kind.TRUE: "yellow",
    Kind.FALSE: "yellow",
    Kind.NULL: "yellow",
    Kind.COMMENT: "dim",
    Kind.SUBSTITUTION: "bold cyan",
    Kind.INCLUDE: "bold cyan",
}


def highlight_hocon(text: str) -> Text:
    from rich.text import Text

    out = Text()
    try:
        tokens = parse_tree(text).tokens
    except Exception:
        out.append(text)
        return out
    for token in tokens:
        out.append(token.text, style=_STYLES.get(token.kind, ""))
    return out
