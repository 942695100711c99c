"""Durations typed by people (``90m``, ``1h30m``, ``2 hours``) as the whole seconds the server needs.

The server passes its ``*_sec`` settings to ``timedelta(seconds=...)``: a HOCON duration such as ``2 hours`` in the
file would reach it as a timedelta and fail (SERVER-SEMANTICS §6). So the command line takes what is natural to
type, and the file always gets a plain number.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..errors import UsageError

UNITS: dict[str, int] = {}
for _seconds, _names in (
    (1, ("s", "sec", "secs", "second", "seconds")),
    (60, ("m", "min", "mins", "minute", "minutes")),
    (3600, ("h", "hr", "hrs", "hour", "hours")),
    (86400, ("d", "day", "days")),
    (604800, ("w", "week", "weeks")),
):
    for _name in _names:
        UNITS[_name] = _seconds

_PART = re.compile(r"\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[a-z]+)?\s*", re.IGNORECASE)
_EXAMPLES = "7200, 7200s, 90m, 2h, 1h30m, 2 hours"


def parse_duration(text: str, what: str = "a duration") -> int:
    """Whole seconds from ``7200``, ``7200s``, ``90m``, ``2h``, ``1h30m``, ``1 hour 30 minutes``, ``1.5h``.

    Zero, negative, fractional-second or unreadable input is a UsageError (exit 2) that says what to write.
    """
    raw = text.strip()
    if raw.startswith("-"):
        raise UsageError(f"{what} must be positive, not {text!r}", f"write e.g. {_EXAMPLES}")
    total = Fraction(0)
    position = 0
    parts = 0
    while position < len(raw):
        match = _PART.match(raw, position)
        if match is None or match.end() == position:
            raise UsageError(f"{what}: cannot read {text!r} as a duration", f"write e.g. {_EXAMPLES}")
        unit = (match.group("unit") or "").lower()
        if not unit:
            if parts or match.end() != len(raw):  # a bare number is only allowed alone: "1h 30" is ambiguous
                raise UsageError(f"{what}: {text!r} has a number without a unit", f"write e.g. {_EXAMPLES}")
            unit = "s"
        if unit not in UNITS:
            known = "s, m, h, d, w (or seconds, minutes, hours, days, weeks)"
            raise UsageError(f"{what}: unknown unit {match.group('unit')!r} in {text!r}", f"use {known}")
        total += Fraction(match.group("number")) * UNITS[unit]
        position = match.end()
        parts += 1
    if not parts:
        raise UsageError(f"{what}: cannot read {text!r} as a duration", f"write e.g. {_EXAMPLES}")
    if total.denominator != 1:
        raise UsageError(
            f"{what} must be a whole number of seconds; {text!r} is {float(total):g} seconds",
            f"round it, e.g. {int(total) or 1}",
        )
    if total <= 0:
        raise UsageError(f"{what} must be positive, not {text!r}", f"write e.g. {_EXAMPLES}")
    return int(total)


def describe_seconds(seconds: int) -> str:
    """``5400`` -> ``1h30m``; the short form people type, for showing next to the number."""
    if seconds <= 0:
        return f"{seconds}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
