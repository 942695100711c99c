"""`--help` of every command reads right at 60, 80 and 120 columns: nothing cut, no word split across lines, no
empty item in a list, every choice listed, every example whole, usage lines without `{KEY}` or `<str>`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer.main
from typer import _click as click
from typer.core import TyperArgument, TyperGroup, TyperOption

from clearml_cfg.cli import main
from clearml_cfg.cli.app import build_app
from clearml_cfg.cli.helptext import MAX_WIDTH, example_lines, shell_words, split_help, wrap


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(build_app())))


def _help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: tuple[str, ...], width: int
) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


def _texts(command: click.Command) -> list[str]:
    """Every text the help is made of: the docstring's paragraphs and each parameter's help."""
    paragraphs, _ = split_help(command.help or "")
    return [*paragraphs, *(getattr(p, "help", None) or "" for p in command.params if not getattr(p, "hidden", False))]


def _joined_examples(out: str) -> list[str]:
    """The examples as printed, continuation lines (`` \\``) joined back into one command each."""
    block = out.split("\nExample:\n" if "\nExample:\n" in out else "\nExamples:\n", 1)[1]
    commands, current = [], ""
    for line in block.splitlines():
        current += (" " if current else "") + line.strip().removesuffix("\\").strip()
        if not line.endswith("\\"):
            commands.append(current)
            current = ""
    return commands


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "clearml-cfg" for p, _ in COMMANDS])
def test_help_reads_right_at_every_width(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: tuple[str, ...],
    command: click.Command,
    width: int,
) -> None:
    out = _help(monkeypatch, capsys, path, width)
    limit = min(width, MAX_WIDTH) - 1
    assert "…" not in out
    assert [line for line in out.splitlines() if len(line) > limit] == []
    assert out == out.rstrip("\n") + "\n" and "\n\n\n" not in out
    words = set(out.split())
    for text in _texts(command):
        for word in text.split():
            assert word in words, f"{word!r} is not whole in the help of {path} at {width} columns"
    assert not re.search(r",\s*,|\(\s*,|,\s*\)|\[\s*,|,\s*\]", out), "an empty item in a list"
    usage = out.split("\n\n", 1)[0]
    assert usage.startswith("Usage: clearml-cfg")
    assert not re.search(r"[{}<>]", usage)
    assert "<str>" not in out
    for param in command.params:
        if isinstance(param, TyperOption) and not param.hidden:
            assert all(name in words or f"{name}," in words for name in param.opts), param.opts
            for choice in getattr(param.type, "choices", ()):
                assert re.search(rf"(?<![\w-]){re.escape(str(choice))}(?![\w-])", out), (param.opts, choice)
        if isinstance(param, TyperArgument):
            for choice in getattr(param.type, "choices", ()):
                assert re.search(rf"(?<![\w-]){re.escape(str(choice))}(?![\w-])", out), (param.name, choice)
    _, examples = split_help(command.help or "")
    if examples:
        assert _joined_examples(out) == [" ".join(shell_words(example)) for example in examples]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "clearml-cfg" for p, _ in COMMANDS])
def test_every_command_has_an_example_of_itself(path: tuple[str, ...], command: click.Command) -> None:
    _, examples = split_help(command.help or "")
    assert examples, f"{' '.join(path)} --help shows no example"
    assert any(f"clearml-cfg {' '.join(path)}".rstrip() in example for example in examples)


def test_a_long_example_is_continued_at_spaces_outside_quotes() -> None:
    command = "clearml-cfg ui-action add task 'Run the CI job now' --url 'https://ci.example.com/run/${id}' -m POST"
    lines = example_lines(command, 50)
    assert all(len(line) <= 50 for line in lines)
    assert all(line.endswith(" \\") for line in lines[:-1])
    assert " ".join(line.strip().removesuffix("\\").strip() for line in lines) == command
    assert "      --url 'https://ci.example.com/run/${id}' \\" in lines  # an option stays with its value


def test_wrapping_never_splits_a_word() -> None:
    text = "k8s-configmap compose helm-env " + "x" * 50
    assert wrap(text, 20) == ["k8s-configmap", "compose helm-env", "x" * 50]
