"""Terminal and pipe input: at most so many bytes, whatever stdin sends."""

from __future__ import annotations

import io
import sys

import pytest

from clearml_cfg.cli.prompts import read_stdin_line, read_stdin_lines
from clearml_cfg.errors import UsageError


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_a_line_longer_than_the_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    source = io.BytesIO(b"\0" * 5000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(source))
    with pytest.raises(UsageError) as caught:
        read_stdin_line("--password-stdin", limit=2048)
    assert (caught.value.message, caught.value.hint) == (
        "--password-stdin: standard input holds more than 2 KB: that is not the password",
        "send the password on one line of at most 2 KB",
    )
    assert source.tell() <= 2049 + 8192  # read up to the limit (and the buffer it came in), not to the end


def test_a_line_within_the_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"pw with spaces \r\nnext\n")
    assert read_stdin_line("--password-stdin", limit=2048) == "pw with spaces "


def test_lines_are_read_up_to_the_limit_in_all(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"A: 1\n\nB: 2\n")
    assert read_stdin_lines("--headers-stdin", what="request headers") == ["A: 1", "B: 2"]
    _stdin(monkeypatch, b"A: 1\n" * 1000)
    with pytest.raises(UsageError) as caught:
        read_stdin_lines("--headers-stdin", what="request headers", limit=1024)
    assert caught.value.message == "--headers-stdin: standard input holds more than 1 KB: that is not request headers"
