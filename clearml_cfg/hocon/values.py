"""Semantic values that plain Python types cannot carry: durations and values left unresolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class QuotedKey(str):
    """A key written in quotes. pyhocon keeps the quotes of a key that holds one of ``$}[]:=+#`^?!@*&.``
    (``"a.b"``, ``"-x.y"``), and the server's `-key` rule looks at the key as pyhocon stores it, starting with a
    quote, so a ``"-x.y"`` never replaces anything. A name the reader knows quoted (an HTTP header such as
    ``"Content-Type"``, as the ClearML docs write it) is written quoted even where it could go bare.

    It reads, compares and hashes as its text without the quotes.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, object]) -> QuotedKey:
        return self


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
    # While a text is read: the value it is a part of, and its place among the parts (pyhocon's parent, index)
    owner: Unresolved | None = field(default=None, repr=False)
    index: int = field(default=0, repr=False)
    appends: bool = field(default=False, repr=False)  # the `${?key}` that `key += value` stands for

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
    # While a text is read: where pyhocon writes the value once it is computed (its parent and key). That may
    # be a container no longer in the tree (pyhocon copied it), or a slot a later definition took over.
    parent: Any = field(default=None, repr=False)
    key: Any = field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        # A key extended with `+=` on many lines is a long chain of previous values: walk it, do not recurse.
        a: Any = self
        b: Any = other
        while isinstance(a, Unresolved):
            if not isinstance(b, Unresolved) or not strict_equal(a.parts, b.parts):
                return False
            a, b = a.previous, b.previous
        return strict_equal(a, b)

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
    if a is b:  # every value equals itself (NaN too, below): an edited tree shares what the edit left alone
        return True
    if _kind(a) is not _kind(b):
        return False
    if isinstance(a, dict):
        return bool(a.keys() == b.keys()) and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:  # NaN cannot come from HOCON, but compare it sanely anyway
        return bool(b != b)
    return bool(a == b)
