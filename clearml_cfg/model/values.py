"""Values: typed on the command line (read the way the server reads a CLEARML__ variable's value), and shown on
screen or as JSON, the one way the tool shows a value."""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..errors import UsageError
from ..hocon import HoconError, Period, Unresolved
from ..hocon.evaluate import evaluate
from ..hocon.parser import parse_tree
from .keys import MISSING


class ValueType(str, Enum):
    auto = "auto"
    string = "string"
    int = "int"
    float = "float"
    bool = "bool"
    json = "json"
    hocon = "hocon"


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def parse_value(text: str, kind: ValueType) -> tuple[Any, str | None]:
    """The value a command-line VALUE stands for, and a note when auto-typing chose something surprising."""
    if kind is ValueType.string:
        return text, None
    if kind is ValueType.int:
        try:
            return int(text.strip(), 10), None
        except ValueError:
            raise UsageError(f"{text!r} is not a whole number", "pass a number such as 7200") from None
    if kind is ValueType.float:
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"{text!r} is not a number", "pass a number such as 1.5") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise UsageError(f"{text!r} cannot be written in HOCON", "pass a finite number")
        return number, None
    if kind is ValueType.bool:
        try:
            return _BOOLEANS[text.strip().lower()], None
        except KeyError:
            raise UsageError(f"{text!r} is not a boolean", "pass true or false") from None
    if kind is ValueType.json:
        import json

        try:
            return json.loads(text), None
        except json.JSONDecodeError as e:
            raise UsageError(f"VALUE is not valid JSON: {e.msg} at position {e.pos}", "check the quoting") from None
    return _parse_hocon_value(text, strict=kind is ValueType.hocon)


def _parse_hocon_value(text: str, *, strict: bool) -> tuple[Any, str | None]:
    """Read VALUE as the server reads a `CLEARML__...` environment value: the HOCON text `key: VALUE`."""
    try:
        tree = parse_tree(f"value: {text}")
        parsed = evaluate(tree, resolve=False)
    except HoconError as e:
        if strict:
            raise UsageError(f"VALUE is not a HOCON value: {e}", "quote strings, or pass --type string") from None
        return text, None
    if not isinstance(parsed, dict) or list(parsed) != ["value"]:
        if strict:
            raise UsageError("VALUE is not a single HOCON value", "pass --type string to write it as text")
        return text, None
    value = parsed["value"]
    if _holds_substitution(value):  # `${...}` outside quotes: the server would look it up; `"...${id}"` is text
        if strict:
            raise UsageError(
                "VALUE holds a substitution (${...} outside quotes), which the server would resolve from its own "
                "environment: clearml-cfg writes values, not substitutions",
                "quote the text that holds ${...}, or pass --type string to write VALUE as text",
            )
        return text, "written as a string (substitutions such as ${...} are not evaluated)"
    if isinstance(value, Period):
        return value, f"{text.strip()!r} is a duration (the server reads it so); --type string keeps it text"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and text.strip() != str(value):
        return (
            value,
            f"{text.strip()!r} is read as the number {value} (the server reads it so too); --type string keeps it text",
        )
    return value, None


def _holds_substitution(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, dict):
        return any(_holds_substitution(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_substitution(item) for item in value)
    return False


def to_json(value: Any) -> str:
    import json

    from ..hocon import Period

    def default(item: Any) -> Any:
        if isinstance(item, Period):
            return item.text
        raise TypeError(f"cannot show {type(item).__name__} as JSON")

    return json.dumps(value, indent=2, ensure_ascii=False, default=default)


def show_value(value: Any) -> str:
    """A value on one line, as HOCON (a duration as written); "nothing (not set)" for MISSING. The one way the
    tool shows a value in tables and messages."""
    from ..hocon.render import render_value

    if value is MISSING:
        return "nothing (not set)"
    if isinstance(value, Period):
        return value.text
    try:
        return render_value(value, inline=True)
    except Exception:  # a value HOCON cannot write (pyhocon's junk objects): as Python shows it
        return repr(value)


def format_value(value: Any) -> str:
    """A value as ``get`` prints it: a string raw, other scalars as HOCON, objects and lists as HOCON blocks."""
    from ..hocon.render import render_fields, render_scalar, render_value

    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return render_fields(value).rstrip("\n")
    if isinstance(value, list):
        return render_value(value)
    return render_scalar(value)


def as_hocon(value: Any) -> str:
    """A tree as HOCON text (an object as its fields), as ``show`` prints it."""
    from ..hocon.render import render_fields, render_value

    return render_fields(value) if isinstance(value, dict) else render_value(value)
