"""`key += value` inside a block: pyhocon extends the top-level key of that name, not the one in the block."""

from __future__ import annotations

from collections.abc import Iterator

from ...hocon import format_path
from ...model import schema
from .model import Context, Finding, Severity

_FIXED_USERS = schema.FIXED_USERS_LIST


def check_appends(context: Context) -> Iterator[Finding]:
    for loaded in context.files:
        for append in loaded.document.appends_in_blocks():
            written, meant = format_path(append.written), format_path(append.path)
            if append.reads_top_level:
                effect = f"it extends the top-level {written} of this file instead"
            elif append.drops_earlier:
                effect = f"finds nothing there, so the {meant} written before this line is dropped"
                if loaded.key(append.path) == _FIXED_USERS:
                    effect += " (the server deletes those users at its next start)"
            else:
                continue  # nothing before it: it sets the key, as intended
            yield Finding(
                "append-inside-block",
                Severity.ERROR,
                f"`{written} +=` inside a block: pyhocon (the server's parser) looks {written} up from the top "
                f"of the file, not inside the block; {effect}",
                f"write the whole value in one place, or write `{meant} += ...` at the top level of the file, "
                "outside every block",
                loaded.path,
                append.location.line,
                append.location.column,
            )
