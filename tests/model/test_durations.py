"""Durations typed on the command line become the whole seconds the server needs."""

from __future__ import annotations

import pytest

from clearml_cfg.errors import UsageError
from clearml_cfg.model.durations import describe_seconds, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7200", 7200),
        (" 7200 ", 7200),
        ("7200s", 7200),
        ("7200 sec", 7200),
        ("90m", 5400),
        ("90 min", 5400),
        ("2h", 7200),
        ("2H", 7200),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1h30m15s", 5415),
        ("2 hours", 7200),
        ("1 hour 30 minutes", 5400),
        ("1 second", 1),
        ("15 minutes", 900),
        ("1.5h", 5400),
        ("1d", 86400),
        ("2 days", 172800),
        ("1w", 604800),
        ("1 week", 604800),
        ("2hrs", 7200),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "must be positive"),
        ("0s", "must be positive"),
        ("0h0m", "must be positive"),
        ("-5", "must be positive"),
        ("-1h", "must be positive"),
        ("", "cannot read"),
        ("   ", "cannot read"),
        ("two hours", "cannot read"),
        ("2 fortnights", "unknown unit 'fortnights'"),
        ("1h 30", "a number without a unit"),
        ("30 1h", "a number without a unit"),
        ("0.5s", "whole number of seconds"),
        ("1e3", "unknown unit 'e'"),
        ("2h!", "cannot read"),
        ("PT2H", "cannot read"),
    ],
)
def test_parse_duration_refuses(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_duration(text, "--threshold")
    assert message in caught.value.message
    assert caught.value.message.startswith("--threshold")
    assert caught.value.hint


@pytest.mark.parametrize(("seconds", "text"), [(900, "15m"), (7200, "2h"), (5415, "1h30m15s"), (90061, "1d1h1m1s")])
def test_describe_seconds(seconds: int, text: str) -> None:
    assert describe_seconds(seconds) == text
    assert parse_duration(text) == seconds
