"""pyhocon as the judge, in a process of its own.

Some self-referring values make pyhocon loop for ever, or copy a value into itself until memory runs out. A
judge that never answers is a server that never starts: after a time limit the reading counts as failing and the
process is replaced. A signal in the test's own process cannot do this safely (it lands in whatever code is
running, pyhocon catches exceptions in places, hypothesis runs code in gc callbacks).
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from helpers import pyhocon_plain

TIME_LIMIT = 5.0  # seconds of the judge's own CPU time: a loaded machine slows the clock, not the judgement
WALL_LIMIT = 60.0  # and of the clock, should the judge be stopped from running at all
MEMORY_LIMIT = 2 << 30  # bytes of address space for the judge: past that pyhocon fails with MemoryError

# the repr of an object pyhocon leaves in a text (a duration's text, `relativedelta(seconds=+10)`, is a text)
_GARBAGE = ("NoneValue object", "ConfigValues", "ConfigInclude object")


def _holds(value: Any, test: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds(v, test) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, test) for v in value)
    return bool(test(value))


def _judge(text: str, strict: bool) -> tuple[str, Any]:
    from pyhocon.config_tree import ConfigInclude, ConfigValues

    try:
        value = pyhocon_plain(text)
    except Exception:
        return "error", None
    if strict and _holds(
        value,
        lambda v: (
            isinstance(v, (ConfigValues, ConfigInclude)) or (isinstance(v, str) and any(g in v for g in _GARBAGE))
        ),
    ):
        return "error", None  # handing the server an object's repr (or the object) counts as failing
    return "ok", value


def _serve(connection: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    while True:
        text, strict = connection.recv()
        answer = _judge(text, strict)
        try:
            connection.send(answer)
        except Exception as e:  # a value that cannot cross the pipe: say so rather than hang
            connection.send(("unsendable", repr(e)))


class Worker:
    """A forked process that answers messages with ``serve(connection)``; replaced when it does not answer in time
    or dies. Shared by the judges: pyhocon here, the server's loaders in server_oracle.py."""

    def __init__(self, serve: Callable[[Connection], None]) -> None:
        self._serve = serve
        self._process: Any = None
        self._connection: Connection | None = None

    def _start(self) -> Connection:
        ours, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(target=self._serve, args=(theirs,), daemon=True)
        self._process.start()
        theirs.close()
        self._connection = ours
        return ours

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    @property
    def running(self) -> bool:
        return self._connection is not None

    def send(self, message: Any) -> None:
        (self._connection or self._start()).send(message)

    def _cpu_seconds(self) -> float:
        """The process's CPU time so far (user + system), from /proc; the clock where there is no /proc."""
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("inf")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _answered(self, connection: Connection, limit: float) -> bool:
        """Whether the process answers before it has spent ``limit`` seconds of CPU (WALL_LIMIT of the clock at
        most): pyhocon runs away on some texts, and is slow on a busy machine on none."""
        started, spent = time.monotonic(), self._cpu_seconds()
        use_clock = spent == float("inf")
        while not connection.poll(0.05):
            waited = time.monotonic() - started
            if waited > max(WALL_LIMIT, limit) or (use_clock and waited > limit):
                return False
            if not use_clock and self._cpu_seconds() - spent > limit:
                return False
        return True

    def answer(self, limit: float) -> tuple[str, Any]:
        """("answer", what the process sent), ("timeout", None) or ("died", None); the process is replaced then."""
        assert self._connection is not None
        if not self._answered(self._connection, limit):
            self.stop()
            return "timeout", None
        try:
            return "answer", self._connection.recv()
        except EOFError:  # out of memory past its limit, or a crash in C
            self.stop()
            return "died", None


class _Judge:
    def __init__(self) -> None:
        self._worker = Worker(_serve)

    def read(self, text: str, strict: bool) -> tuple[str, Any]:
        self._worker.send((text, strict))
        outcome, answer = self._worker.answer(TIME_LIMIT)
        if outcome != "answer":
            return "error", None
        assert answer[0] != "unsendable", f"pyhocon's reading could not be compared: {answer[1]}"
        return answer  # type: ignore[no-any-return]


_judge_process = _Judge()

# One answer per text for the whole run: hypothesis replays an example to shrink it, and a judge that ran out of
# time once (a loaded machine) must not answer differently the second time.
_answers: dict[tuple[str, bool], tuple[str, Any]] = {}


def _read(text: str, strict: bool) -> tuple[str, Any]:
    key = (text, strict)
    if key not in _answers:
        _answers[key] = _judge_process.read(text, strict=strict)
    state, value = _answers[key]
    return state, copy.deepcopy(value)


def oracle(text: str) -> tuple[str, Any]:
    """pyhocon's reading of ``text``: ("ok", plain value) or ("error", None)."""
    return _read(text, False)


def strict_oracle(text: str) -> tuple[str, Any]:
    """Like :func:`oracle`, where a value pyhocon leaves as an object's repr (or the object) counts as failing."""
    return _read(text, True)
