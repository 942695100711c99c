"""One option vocabulary: a short flag means the same long option in every command that has it, a long option is
a flag everywhere or takes a value everywhere, shared ideas are on every command they concern, docs/options.md
lists them all, and the old spellings still work for one release."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from conftest import Run, write
from helpers import REPO
from typer import _click as click
from typer.core import TyperGroup, TyperOption

from clearml_cfg.cli.app import build_app

VOCABULARY = (REPO / "docs" / "options.md").read_text(encoding="utf-8")


def _leaves(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), command


ROOT = typer.main.get_command(build_app())
LEAVES = dict(_leaves(ROOT))


def _options(command: click.Command) -> list[TyperOption]:
    return [p for p in command.params if isinstance(p, TyperOption) and not p.hidden]


def _names(option: TyperOption) -> list[str]:
    return [*option.opts, *option.secondary_opts]


def _every_option() -> Iterator[tuple[str, TyperOption]]:
    yield "", next(p for p in ROOT.params if isinstance(p, TyperOption) and "--version" in p.opts)
    for name, command in LEAVES.items():
        for option in _options(command):
            yield name, option


def test_a_short_flag_means_one_long_option_everywhere() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for _, option in _every_option():
        longs = [n for n in _names(option) if n.startswith("--")]
        for short in (n for n in _names(option) if not n.startswith("--")):
            meanings[short].update(longs)
    assert meanings and all(len(longs) == 1 for longs in meanings.values()), dict(meanings)


def test_a_long_option_is_the_same_kind_with_the_same_short_flag_everywhere() -> None:
    kinds: dict[str, set[tuple[bool, tuple[str, ...]]]] = defaultdict(set)
    for _, option in _every_option():
        shorts = tuple(sorted(n for n in _names(option) if not n.startswith("--")))
        for name in (n for n in _names(option) if n.startswith("--")):
            kinds[name].add((option.is_flag, shorts))
    assert {name: found for name, found in kinds.items() if len(found) > 1} == {}


def _has(command: click.Command, name: str) -> bool:
    return any(name in _names(option) for option in _options(command))


NO_CONFIGURATION = {"hash-password", "expose", "diff"}  # a password; docker-compose.yml; A and B name the two
WRITERS = {"init", "set", "unset", "import", "check", "add-user", "passwd", "remove-user"}
WRITERS |= {"watchdog", "cors", "subdomain", "expose", "ui-action add", "ui-action remove", "edit", "restore"}
WRITERS |= {"secure"}
REMOVERS = {"unset", "remove-user", "ui-action remove"}


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_shared_ideas_are_on_every_command_they_concern(name: str) -> None:
    command = LEAVES[name]
    assert _has(command, "--json"), f"{name}: every command prints data, so every command takes --json"
    assert _has(command, "--config-dir") == (name not in NO_CONFIGURATION), name
    assert _has(command, "-c") == (name not in NO_CONFIGURATION), name
    if name in WRITERS or _has(command, "--dry-run"):  # a command that writes
        for option in ("--dry-run", "--no-backup", "--quiet"):
            assert _has(command, option), f"{name} writes but has no {option}"
    assert _has(command, "--missing-ok") or name not in REMOVERS, name


def test_docs_options_md_lists_every_option_with_its_short_flag() -> None:
    for _, option in _every_option():
        longs = [n for n in option.opts if n.startswith("--")]
        shorts = [n for n in option.opts if not n.startswith("--")]
        for name in longs:
            assert f"`{name}" in VOCABULARY, f"docs/options.md does not list {name}"
            for short in shorts:
                assert f"`{short}`, `{name}" in VOCABULARY, f"docs/options.md does not pair {short} with {name}"
        for name in option.secondary_opts:
            assert f"`{name}`" in VOCABULARY, name


# --- old spellings, kept for one release ---------------------------------------------------------------------

COMPOSE = "services:\n  redis:\n    image: redis:7.4\n"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (["watchdog", "-t", "3h", "--dry-run"], ["watchdog", "--threshold", "3h", "--dry-run"]),
        (["cors", "-o", "https://a.example.com", "-n"], ["cors", "--allow-origin", "https://a.example.com", "-n"]),
        (
            ["cors", "--origin", "https://a.example.com", "-n"],
            ["cors", "--allow-origin", "https://a.example.com", "-n"],
        ),
        (["cors", "--service", "files", "--json"], ["cors", "--component", "fileserver", "--json"]),
        (["cors", "-s", "api", "--json"], ["cors", "--component", "apiserver", "--json"]),
        (["cors", "--service", "both", "--json"], ["cors", "--component", "all", "--json"]),
        (["export", "-f", "json"], ["export", "--format", "json"]),
        (["expose", "-f", "docker-compose.yml"], ["expose", "--compose", "docker-compose.yml"]),
        (["env", "apiserver.x", "1", "--shell"], ["env", "apiserver.x", "1", "--format", "shell"]),
        (["env", "apiserver.x", "1", "--compose"], ["env", "apiserver.x", "1", "--format", "compose"]),
    ],
)
def test_an_old_spelling_still_works_and_says_so(
    cli: Run, config_dir: Path, tmp_path: Path, old: list[str], new: list[str]
) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.enabled: true\n")
    write(tmp_path / "docker-compose.yml", COMPOSE)
    before, now = cli(*old), cli(*new)
    assert (before.code, before.out) == (now.code, now.out) and now.code == 0, before
    warning = before.err.removesuffix(now.err)  # one warning, with the new spelling in its hint, before the rest
    assert warning.startswith("warning: ") and warning.count("\n") == 2 and "\nhint: write " in warning, before.err


def test_the_old_hash_password_stdin_still_works(cli: Run) -> None:
    result = cli("hash-password", "--stdin", "--rounds", "4", stdin="pw\n")
    assert result.code == 0, result
    assert result.err.startswith("warning: --stdin is deprecated in 'clearml-cfg hash-password'")


def test_old_and_new_spelling_together_are_refused(cli: Run) -> None:
    result = cli("watchdog", "-t", "3h", "--threshold", "2h")
    assert result.code == 2
    assert json.loads(cli("watchdog", "-t", "3h", "--threshold", "2h", "--json").out)["error"]["exit_code"] == 2


def test_old_spellings_are_hidden_from_help(capsys: pytest.CaptureFixture[str]) -> None:
    from clearml_cfg.cli import main

    for command, old in (("watchdog", "-t,"), ("cors", "--service"), ("export", "-f,"), ("env", "--shell")):
        assert main([command, "--help"]) == 0
        assert old not in capsys.readouterr().out.split()
