"""Command lines answered without Typer (cli/fast.py): read exactly as Typer reads them, or left to Typer."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.main import get_command

from clearml_cfg.cli.app import build_app
from clearml_cfg.cli.fast import read_get
from clearml_cfg.cli.get import print_value

TOKENS = [
    *["get", "a.b", "apiserver.auth.cookies.domain", "", "x y", "value", "=x", "-", "--", "-1", "-x", "--nope"],
    *["--json", "--show-secrets", "--quiet", "-q", "--default", "--default=", "--default=v", "--default=-1"],
    *["--config-dir", "--config-dir=d", "-c", "-cdir", "-c=dir", "-qc", "-qe", "-e", "--effective", "--json=1"],
    *["--help", "-h", "--version", "-V", "--component", "apiserver", "--ignore-bad-env", "--defaults"],
]
DEFAULTS = {name: p.default for name, p in inspect.signature(print_value).parameters.items() if name != "key"}


def typer_reading(arguments: list[str]) -> dict[str, Any] | None:
    """The parameters Typer passes to `get` for ``arguments``, or None when it does not run `get` with them."""
    group = get_command(build_app("get"))
    try:
        context = group.make_context("clearml-cfg", list(arguments))
        name, command, rest = group.resolve_command(context, [*context._protected_args, *context.args])
        if name != "get" or command is None:
            return None
        return dict(command.make_context(name, rest, parent=context).params)
    except Exception:  # usage errors, --help, --version: Typer's to answer
        return None


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 300)), deadline=None)
@given(st.booleans(), st.lists(st.sampled_from(TOKENS), max_size=6))
def test_a_command_line_read_here_is_read_as_typer_reads_it(get_first: bool, tokens: list[str]) -> None:
    arguments = ["get", *tokens] if get_first else tokens
    ours = read_get(arguments)
    if ours is not None:
        assert typer_reading(arguments) == {**DEFAULTS, **ours}


@pytest.mark.parametrize(
    "arguments",
    [
        ["get", "apiserver.auth.cookies.domain"],
        ["get", "a.b", "--json", "-q", "--show-secrets"],
        ["get", "--default", "none", "a.b"],
        ["get", "a.b", "--default=", "-c", "/etc/x:/etc/y", "--config-dir=/z"],
    ],
)
def test_the_common_command_lines_are_read_here(arguments: list[str]) -> None:
    ours = read_get(arguments)
    assert ours is not None and typer_reading(arguments) == {**DEFAULTS, **ours}


@pytest.mark.parametrize(
    "arguments",
    [
        *(["get"], ["get", "a", "b"], ["get", "a", "--effective"], ["get", "a", "--"], ["get", "-qc", "d", "a"]),
        *(["get", "a", "--default", "-1"], ["get", "a", "--json=1"], ["get", "--help"], ["show", "a"], ["-V", "get"]),
    ],
)
def test_anything_else_is_left_to_typer(arguments: list[str]) -> None:
    assert read_get(arguments) is None


def test_version_is_the_same_either_way(cli: Run) -> None:
    assert cli("--version").out == cli("-V").out == "clearml-cfg 0.1.0\n"
    assert cli("--version", "--json").code == 2  # not the bare command line: Typer's, which refuses it


def test_get_and_version_do_not_import_typer(tmp_path: Path) -> None:
    write(tmp_path / "apiserver.conf", "a: 1\n")
    code = (
        "import sys; from clearml_cfg.cli import main; "
        "codes = [main(['--version']), main(['get', 'apiserver.a'])]; "
        "print(codes, 'typer' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "CLEARML_CONFIG_DIR": str(tmp_path)},
    )
    assert result.stdout.splitlines()[-1] == "[0, 0] False"
