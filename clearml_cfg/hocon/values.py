"""Semantic values that plain Python types cannot carry: durations and values left unresolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Period:
    """A duration such as `2 hours` or `5m`: pyhocon turns these into timedelta/relativedelta objects.

    Settings that want a number of seconds (the watchdog's `threshold_sec`) cannot take one; we keep the
    text so that messages can quote it.
    """

    amount: int
    unit: str  # canonical: "seconds", "minutes", ... "months", "years"
    text: str = field(compare=False)

    def seconds(self) -> float | None:
        """The length in seconds; None for months and years, which have no fixed length."""
        import datetime

        if self.unit in ("months", "years"):
            return None
        if self.unit == "nanoseconds":  # pyhocon rounds nanoseconds down to whole microseconds
            return datetime.timedelta(microseconds=self.amount // 1000).total_seconds()
        return datetime.timedelta(**{self.unit: self.amount}).total_seconds()

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class Substitution:
    """`${path}` or `${?path}` inside a value."""

    variable: str
    path: tuple[str, ...]
    optional: bool
    ws: str  # blanks written after it, which pyhocon keeps when it is not the last part
    offset: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Substitution) and (self.path, self.optional, self.ws) == (
            other.path,
            other.optional,
            other.ws,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"${{{'?' if self.optional else ''}{self.variable}}}"


@dataclass(eq=False)
class Unresolved:
    """A value that still holds substitutions (``to_dict(resolve=False)``).

    ``previous`` is the value the same key had before this definition: `a += [1]` and `a: ${a} x`
    build on it.
    """

    parts: list[Any]
    previous: Any = None
    offset: int = 0
    # pyhocon lost track of where it lives (a merge copied its object): resolving to nothing leaves null
    detached: bool = False

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Unresolved)
            and strict_equal(self.parts, other.parts)
            and strict_equal(self.previous, other.previous)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Unresolved(" + " ".join(repr(p) for p in self.parts) + ")"


@dataclass(eq=False)
class QuotedPart:
    """A quoted string inside a concatenation, with the blanks after it (pyhocon's ConfigQuotedString)."""

    value: str
    ws: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QuotedPart) and (self.value, self.ws) == (other.value, other.ws)

    __hash__ = None  # type: ignore[assignment]


def _kind(value: Any) -> type:
    if isinstance(value, bool):
        return bool
    if isinstance(value, str):
        return str
    if isinstance(value, dict):
        return dict
    if isinstance(value, list):
        return list
    return type(value)


def strict_equal(a: Any, b: Any) -> bool:
    """Equality that tells 1 from 1.0 from True and "1" from 1: what a config value means depends on its type."""
    if _kind(a) is not _kind(b):
        return False
    if isinstance(a, dict):
        return bool(a.keys() == b.keys()) and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:  # NaN cannot come from HOCON, but compare it sanely anyway
        return bool(b != b)
    return bool(a == b)
