"""The README documents every command, and what it shows is what the tool does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from clearml_cfg.cli.app import COMMANDS, build_app

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_readme_section(name: str) -> None:
    assert re.search(rf"^### `clearml-cfg {name}\b", README, re.MULTILINE), f"README has no section for {name}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_help_has_an_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from clearml_cfg.cli import main

    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example:" in out and f"clearml-cfg {name}" in out


def test_the_app_knows_every_command() -> None:
    import typer.main

    group = typer.main.get_command(build_app())
    assert sorted(group.commands) == sorted(COMMANDS)  # type: ignore[attr-defined]


def test_exit_code_table() -> None:
    for code in range(5):
        assert re.search(rf"^\| {code} \| ", README, re.MULTILINE)


def _output_matches(shown: list[str], actual: str) -> bool:
    """``actual`` is the output ``shown`` in the README, where a line ``...`` stands for any lines."""
    pattern = "".join("(?:.*\n)*?" if line == "..." else re.escape(line + "\n") for line in shown)
    return re.fullmatch(pattern, actual) is not None


def test_the_first_session_in_the_readme_works(tmp_path: Path) -> None:
    """Every command of the session runs, and prints what the README shows (get on stdout, the rest on stderr)."""
    block = re.search(r"A first session[^\n]*:\n\n```console\n(.*?)```", README, re.DOTALL)
    assert block
    env = {**os.environ}
    env.pop("TRAINS_CONFIG_DIR", None)
    command = [sys.executable, "-m", "clearml_cfg"]
    lines = block.group(1).splitlines()
    commands = [i for i, line in enumerate(lines) if line.startswith("$ ")]
    assert [lines[i].split()[1:3] for i in commands[1:]] == [["clearml-cfg", c] for c in ("init", "set", "get")]
    for start, end in zip(commands, [*commands[1:], len(lines)], strict=True):
        line, shown = lines[start], lines[start + 1 : end]
        if line.startswith("$ export "):
            name, value = line[len("$ export ") :].split("=", 1)
            env[name] = value
            continue
        args = line[len("$ clearml-cfg ") :].split()
        result = subprocess.run([*command, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        out, err = (result.stdout, result.stderr) if args[0] == "get" else (result.stderr, result.stdout)
        assert _output_matches(shown, out), (line, out)
        assert err == "", (line, err)


def test_the_explain_example_in_the_readme_is_real(tmp_path: Path) -> None:
    block = re.search(r"```console\n\$ clearml-cfg explain (\S+)\n(.*?)```", README, re.DOTALL)
    assert block
    config = tmp_path / "c"
    config.mkdir()
    (config / "apiserver.conf").write_text(
        "auth {\n    cookies {\n        # plain HTTP for now\n        httponly: true\n        secure: false\n    }\n}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}
    env.update(CLEARML_CONFIG_DIR=str(config), CLEARML__APISERVER__AUTH__COOKIES__SECURE="true")
    result = subprocess.run(
        [sys.executable, "-m", "clearml_cfg", "explain", block.group(1)], env=env, capture_output=True, text=True
    )
    assert result.stdout == block.group(2)
