"""Output: control characters escaped wherever a terminal could act on them."""

from __future__ import annotations

import io
import json

import pytest

from clearml_cfg.console import Console, escape_controls
from clearml_cfg.errors import ChangedOnDisk, UsageError


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred", "\\u001b[31mred"),
        ("\x1b]0;title\x07", "\\u001b]0;title\\u0007"),
        ("tab\tand\nline", "tab\tand\nline"),
        ("crlf\r\nkept", "crlf\r\nkept"),
        ("over\rwrite", "over\\rwrite"),
        ("\x9b31m C1", "\\u009b31m C1"),
        ("evil\u202ereversed", "evil\\u202ereversed"),
    ],
)
def test_escape_controls(text: str, shown: str) -> None:
    assert escape_controls(text) == shown


def test_an_escaped_value_reads_back_as_json_and_as_the_same_text() -> None:
    text = "\x1b[31m\x07\x9b\u202e"
    assert json.loads(f'"{escape_controls(text)}"') == text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_data_is_escaped_on_a_terminal_and_exact_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    for stream, expected in ((_Terminal(), "\\u001b[2J\n"), (io.StringIO(), "\x1b[2J\n")):
        monkeypatch.setattr("sys.stdout", stream)
        monkeypatch.setenv("NO_COLOR", "1")
        Console().data("\x1b[2J")
        assert stream.getvalue() == expected


def test_messages_are_always_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    Console().error(UsageError("bad \x1b]0;x\x07 key", "fix \x1b[2J it"))
    assert err.getvalue() == "error: bad \\u001b]0;x\\u0007 key\nhint: fix \\u001b[2J it\n"


def test_a_change_made_by_another_program_shows_its_masked_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    from pathlib import Path

    error = ChangedOnDisk(
        "x changed",
        "run again",
        path=Path("/c/secure.conf"),
        before="a: 1\n",
        now='a: 1\ntoken: "T0k"\n',
        prefix=("secure",),
    )
    Console().error(error)
    assert err.getvalue() == (
        "error: x changed\n--- a/c/secure.conf\n+++ b/c/secure.conf\n@@ -1 +1,2 @@\n a: 1\n"
        '+token: "********"\nhint: run again\n'
    )
