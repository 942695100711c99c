"""Output shared by the feature commands: a group of settings with their origins, as a table or as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..console import Console
from ..features.common import Row
from ..hocon import format_path
from ..model.values import show_value, to_json


def show_rows(
    console: Console,
    rows: list[Row],
    *,
    json_output: bool,
    warnings: list[str] | None = None,
    notes: list[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    value: Callable[[Row], str] | None = None,
) -> None:
    """The rows as KEY / VALUE / ORIGIN on stdout (or one JSON document), warnings and notes on stderr."""
    if json_output:
        console.data(
            to_json({"settings": [row.as_json() for row in rows], **(extra or {}), "warnings": warnings or []})
        )
    else:
        console.table(["KEY", "VALUE", "ORIGIN"], [[format_path(r.key), shown(r, value), r.label] for r in rows])
    for warning in warnings or []:
        console.warn(warning)
    for note in notes or []:
        console.note(note)


def shown(row: Row, value: Callable[[Row], str] | None = None) -> str:
    if not row.is_set:
        return "(not set)"
    return value(row) if value is not None else show_value(row.value)
