"""The docs say what the tool does: README is the door (quick start, a first session, a table of every command),
docs/commands.md documents every command, and every command line they show runs with today's options."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from helpers import REPO
from typer.core import TyperGroup

from clearml_cfg.cli.app import COMMANDS, build_app
from clearml_cfg.errors import ExitCode

README = (REPO / "README.md").read_text(encoding="utf-8")
REFERENCE = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
DOCS = {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8") for path in REPO.glob("docs/*.md")}
APP = typer.main.get_command(build_app())


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_section_in_the_reference(name: str) -> None:
    assert re.search(rf"^### `clearml-cfg {name}\b", REFERENCE, re.MULTILINE), f"docs/commands.md has no {name}"


def test_the_readme_lists_every_command_in_one_line_linked_to_its_section() -> None:
    anchors = {_anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", REFERENCE, re.MULTILINE)}
    rows = re.findall(r"^\| \[`([\w-]+)`\]\(docs/commands\.md#([\w-]+)\) \| (.+) \|$", README, re.MULTILINE)
    assert [name for name, _, _ in rows] == list(COMMANDS)
    for name, anchor, text in rows:
        assert anchor in anchors, f"README links {name} to a missing section #{anchor}"
        assert text == APP.commands[name].short_help  # type: ignore[attr-defined]


def test_the_app_knows_every_command() -> None:
    assert sorted(APP.commands) == sorted(COMMANDS)  # type: ignore[attr-defined]


def test_the_readme_has_the_exit_code_table() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| ", README, re.MULTILINE), code


def _output_matches(shown: list[str], actual: str) -> bool:
    """``actual`` is the output ``shown`` in the docs, where a line ``...`` stands for any lines."""
    pattern = "".join("(?:.*\n)*?" if line == "..." else re.escape(line + "\n") for line in shown)
    return re.fullmatch(pattern, actual) is not None


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}
    env.update(extra)
    return env


def test_the_first_session_in_the_readme_works(tmp_path: Path) -> None:
    """Every command of the session runs, and prints what the README shows (get on stdout, the rest on stderr)."""
    block = re.search(r"A first session[^\n]*:\n\n```console\n(.*?)```", README, re.DOTALL)
    assert block
    env = _clean_env()
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


def _console_example(command: str) -> tuple[list[str], str]:
    """The arguments and the shown output of the ``$ clearml-cfg COMMAND ...`` block of the reference."""
    block = re.search(rf"```console\n\$ clearml-cfg ({command}\b[^\n]*)\n(.*?)```", REFERENCE, re.DOTALL)
    assert block, command
    return shlex.split(block.group(1).removesuffix(" 2>/dev/null")), block.group(2)


def test_the_explain_example_of_the_reference_is_real(tmp_path: Path) -> None:
    """(The watchdog and subdomain examples are run by their own tests.)"""
    config = tmp_path / "c"
    config.mkdir()
    (config / "apiserver.conf").write_text(
        "auth {\n    cookies {\n        # plain HTTP for now\n        httponly: true\n        secure: false\n    }\n}\n"
    )
    env = _clean_env(CLEARML_CONFIG_DIR=str(config), CLEARML__APISERVER__AUTH__COOKIES__SECURE="true")
    args, shown = _console_example("explain")
    result = subprocess.run([sys.executable, "-m", "clearml_cfg", *args], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


# --- every command line the docs show parses with today's options ----------------------------------------------

_SHELL_END = re.compile(r"\s*(?:\||;|&&|\d*>|\)|#)")


def _invocations(text: str) -> Iterator[str]:
    """The arguments after `clearml-cfg` of every command line in the text's sh and console blocks."""
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.removeprefix("$ ")
            for match in re.finditer(r"(?:^|[\s(])clearml-cfg\s", line):
                yield _until_shell_operator(line[match.end() :])


def _until_shell_operator(rest: str) -> str:
    quote = ""
    for index, char in enumerate(rest):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif _SHELL_END.match(rest, index) and (char != "#" or rest[index - 1].isspace()):
            return rest[:index]
    return rest


def _parse(args: list[str]) -> None:
    """Parse ``args`` as the command line does, without running anything (raises on a usage error)."""
    group, parent = APP, None
    context = group.make_context("clearml-cfg", list(args))
    while isinstance(group, TyperGroup):
        name, command, rest = group.resolve_command(context, [*context._protected_args, *context.args])
        assert command is not None, args
        parent, context = context, command.make_context(name, rest, parent=context)
        group = command
    assert parent is not None


TEXTS = [("README.md", README), *DOCS.items()]
EXAMPLES = sorted({(path, line) for path, text in TEXTS for line in _invocations(text)})


def test_the_docs_show_command_lines() -> None:
    assert len(EXAMPLES) > 50


@pytest.mark.parametrize(("path", "line"), EXAMPLES)
def test_every_command_line_in_the_docs_parses_without_an_old_spelling(
    path: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _parse(shlex.split(line))
    assert capsys.readouterr().err == "", f"{path}: clearml-cfg {line}"  # no deprecation warning
