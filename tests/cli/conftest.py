"""Run the real command line in-process (main() with captured output) over a temporary config directory."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from clearml_cfg.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}"


Run = Callable[..., Result]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """An empty config directory, as a server installation has (a missing one is refused: test_missing_dirs)."""
    directory = tmp_path / "clearml-config"
    directory.mkdir()
    return directory


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, config_dir: Path) -> Run:
    """``cli("get", "KEY")`` runs clearml-cfg with CLEARML_CONFIG_DIR set to a fresh directory."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("CLEARML", "TRAINS", "_CLEARML_CFG")) or name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARML_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("COLUMNS", "80")  # the width a terminal-like output is laid out for, whatever runs the tests
    monkeypatch.setenv("CLEARML_CFG_TEST_HOME", "/home/ada")  # used by substitution fixtures

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, tty: bool = False) -> Result:
        with monkeypatch.context() as scoped:
            for key, value in (env or {}).items():
                if value is None:
                    scoped.delenv(key, raising=False)
                else:
                    scoped.setenv(key, value)
            if stdin is not None:
                scoped.setattr(sys, "stdin", io.StringIO(stdin))
            if tty:  # standard output is a terminal: a person reads it (colour stays off unless FORCE_COLOR)
                scoped.setattr(sys.stdout, "isatty", lambda: True)
            code = main(list(args))
        captured = capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        assert "Traceback" not in result.err, str(result)
        assert result.code != 70, str(result)  # an internal error: a bug, whatever the test expects
        return result

    return run


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path
