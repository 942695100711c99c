"""Command lines answered without Typer (cli/fast.py): read exactly as Typer reads them, or left to Typer."""

from __future__ import annotations

import importlib
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
from clearml_cfg.cli.fast import GRAMMARS, read

TOKENS = [
    *["get", "add-user", "a.b", "jane", "", "x y", "value", "=x", "-", "--", "-1", "-x", "--nope", "12", "x12"],
    *["--json", "--show-secrets", "--quiet", "-q", "--default", "--default=", "--default=v", "--default=-1"],
    *["--config-dir", "--config-dir=d", "-c", "-cdir", "-c=dir", "-qc", "-qe", "-e", "--effective", "--json=1"],
    *["--help", "-h", "--version", "-V", "--component", "apiserver", "--ignore-bad-env", "--defaults"],
    *["--name", "--name=Jane Doe", "--company", "--guest", "--password-stdin", "--generate", "--password", "pw"],
    *["--plaintext", "--rounds", "--rounds=4", "--rounds= 12", "--rounds=1_0", "--rounds=x", "-n", "--dry-run"],
    *["--no-backup", "--guest=1", "show", "--origin", "--changed", "--defaults=/x", "--component=fileserver"],
    *["export", "--format", "helm", "-f", "--format=json", "--output", "-o", "out.yaml", "--fileserver-configs"],
    *["--namespace", "--namespace=ns", "--name=x", "--component=all", "--output=", "-f=helm"],
    *["check", "--strict", "--fix", "--fix=1"],
]


def defaults(command: str) -> dict[str, Any]:
    """What the command's function takes when an option (or an optional argument) is not given."""
    module, function = GRAMMARS[command].run.split(":")
    run = getattr(importlib.import_module(f"clearml_cfg.cli.{module}"), function)
    parameters = inspect.signature(run).parameters.items()
    return {name: p.default for name, p in parameters if p.default is not inspect.Parameter.empty}


def typer_reading(arguments: list[str]) -> dict[str, Any] | None:
    """The parameters Typer passes to the command for ``arguments``, or None when it does not run it with them."""
    command = arguments[0] if arguments and arguments[0] in GRAMMARS else "get"
    group = get_command(build_app(command))
    try:
        context = group.make_context("clearml-cfg", list(arguments))
        name, found, rest = group.resolve_command(context, [*context._protected_args, *context.args])
        if name != command or found is None:
            return None
        params = found.make_context(name, rest, parent=context).params
    except Exception:  # usage errors, --help, --version: Typer's to answer
        return None
    # Typer turns the text of a Path option into a Path when it calls the command
    return {key: Path(value) if key == "output" and value is not None else value for key, value in params.items()}


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 300)), deadline=None)
@given(st.sampled_from([*GRAMMARS, None]), st.lists(st.sampled_from(TOKENS), max_size=6))
def test_a_command_line_read_here_is_read_as_typer_reads_it(command: str | None, tokens: list[str]) -> None:
    arguments = [command, *tokens] if command else tokens
    ours = read(arguments)
    if ours is not None:
        assert typer_reading(arguments) == {**defaults(arguments[0]), **ours}


@pytest.mark.parametrize(
    "arguments",
    [
        ["get", "apiserver.auth.cookies.domain"],
        ["get", "a.b", "--json", "-q", "--show-secrets"],
        ["get", "--default", "none", "a.b"],
        ["get", "a.b", "--default=", "-c", "/etc/x:/etc/y", "--config-dir=/z"],
        ["get", "a.b", "--effective", "--component", "fileserver", "--defaults=/d", "--ignore-bad-env"],
        ["show"],
        ["show", "apiserver.auth", "-e", "--origin", "--json", "--changed", "-c", "/x"],
        ["check"],
        ["check", "--json", "--strict", "--fix", "-n", "--no-backup", "--defaults", "/d", "-c", "/x", "-q"],
        ["export", "--format", "helm"],
        ["export", "-f", "k8s-secret", "--name", "cfg", "--namespace=ns", "-o", "out.yaml", "--component", "all"],
        ["add-user", "jane", "--password-stdin"],
        ["add-user", "jane", "--name", "Jane Doe", "--password-stdin", "--rounds", "12", "-q", "--no-backup"],
        ["add-user", "--generate", "--guest", "--company=c1", "-n", "--json", "--show-secrets", "bob", "--plaintext"],
    ],
)
def test_the_common_command_lines_are_read_here(arguments: list[str]) -> None:
    ours = read(arguments)
    assert ours is not None and typer_reading(arguments) == {**defaults(arguments[0]), **ours}


@pytest.mark.parametrize(
    "arguments",
    [
        *(["get"], ["get", "a", "b"], ["get", "a", "-eq"], ["get", "a", "--"], ["get", "-qc", "d", "a"]),
        *(["show", "a", "b"], ["show", "--help"], ["show", "--origin=1"], ["export"], ["export", "-f", "helm", "x"]),
        *(["get", "a", "--default", "-1"], ["get", "a", "--json=1"], ["get", "--help"], ["list-users"], ["-V", "get"]),
        *(["add-user", "jane", "--password", "pw"], ["add-user", "jane", "--rounds", "x"], ["add-user", "-n"]),
    ],
)
def test_anything_else_is_left_to_typer(arguments: list[str]) -> None:
    assert read(arguments) is None


def test_version_is_the_same_either_way(cli: Run) -> None:
    assert cli("--version").out == cli("-V").out == "clearml-cfg 0.1.0\n"
    assert cli("--version", "--json").code == 2  # not the bare command line: Typer's, which refuses it


def test_the_commands_read_here_do_not_import_typer(tmp_path: Path) -> None:
    write(tmp_path / "apiserver.conf", "a: 1\n")
    code = (
        "import sys; from clearml_cfg.cli import main; "
        "codes = [main(['--version']), main(['get', 'apiserver.a']), main(['get', '-e', 'apiserver.a'])]; "
        "codes += [main(['show', '--json']), main(['show', '--effective', '--origin', 'apiserver'])]; "
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
    assert result.stdout.splitlines()[-1] == "[0, 0, 0, 0, 0] False"
