"""The small things of the command line: exit codes before prompts, prompts that refuse an empty password and
leave on Ctrl-C cleanly, one suggestion per typo, the help a usage error points at, notes only where they
help, --missing-ok on every remove, env's --config-dir, and completion of every fixed set of choices."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import Run, write
from test_user_commands import LOW, Prompt, Terminal, hashed_file
from test_user_commands import prompt as prompt  # the fixture: getpass answers from a list

# --- exit codes and prompts ------------------------------------------------------------------------------------


def test_passwd_of_nobody_without_a_terminal_is_no_such_user(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("passwd", "nobody", stdin="")  # stdin is no terminal and holds nothing
    assert result.code == 1, result
    assert result.err.count("error: ") == 1


@pytest.mark.parametrize("command", [["add-user", "ada", *LOW], ["passwd", "jane", *LOW], ["hash-password", *LOW]])
def test_an_empty_password_is_refused_at_once(cli: Run, config_dir: Path, prompt: Prompt, command: list[str]) -> None:
    hashed_file(config_dir)
    path = config_dir / "apiserver.conf"
    before = path.read_text()
    prompt.append("")
    result = cli(*command)
    assert result.code == 2, result
    assert len(prompt.asked) == 1  # not asked again
    assert path.read_text() == before


def test_ctrl_c_at_a_prompt_ends_the_line_and_exits_130(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object, **__: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)
    monkeypatch.setattr(sys, "stdin", Terminal())
    result = cli("hash-password")
    assert (result.code, result.out, result.err) == (130, "", "\n")
    as_json = cli("hash-password", "--json")
    assert as_json.code == 130
    assert json.loads(as_json.out)["error"] == {
        "message": "interrupted",
        "hint": None,
        "exit_code": 130,
        "code": "interrupted",
    }


def test_ctrl_c_at_the_expose_question_exits_130(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Interrupting(Terminal):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    compose = write(tmp_path / "docker-compose.yml", "services:\n  redis:\n    image: redis\n")
    monkeypatch.setattr(sys, "stdin", Interrupting())
    result = cli("expose", "redis")
    assert result.code == 130, result
    assert result.err.endswith("[y/N]: \n")
    assert compose.read_text() == "services:\n  redis:\n    image: redis\n"


# --- suggestions and hints ---------------------------------------------------------------------------------------


def test_a_typo_gets_one_suggestion(cli: Run) -> None:
    result = cli("wachdog")
    assert result.code == 2
    assert result.err.lower().count("did you mean") == 1
    assert "'clearml-cfg watchdog'" in result.err


def test_an_unknown_option_gets_one_suggestion(cli: Run) -> None:
    result = cli("watchdog", "--jsn")
    assert result.code == 2
    assert result.err.lower().count("did you mean") == 1 and "--json" in result.err


def test_a_usage_error_points_at_the_help_of_the_command_at_fault(cli: Run) -> None:
    assert cli("ui-action", "add", "task").err.endswith("hint: see 'clearml-cfg ui-action add --help'\n")
    assert cli("get").err.endswith("hint: see 'clearml-cfg get --help'\n")


def test_a_choice_outside_the_set_suggests_the_closest(cli: Run) -> None:
    result = cli("export", "--format", "k8s-secrets")
    assert result.code == 2
    assert "hint: did you mean k8s-secret? " in result.err


# --- the defaults note -----------------------------------------------------------------------------------------


def test_the_defaults_note_only_where_a_default_is_shown(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.domain: .x.com\nx: 1\n")
    assert "note: defaults:" not in cli("show", "--effective").err
    assert "note: defaults:" not in cli("show", "--effective", "--origin", "apiserver.auth.cookies.domain").err
    assert "note: defaults:" in cli("show", "--effective", "--origin", "apiserver.auth.cookies").err
    assert "note: defaults:" in cli("explain", "apiserver.auth.cookies.secure").err
    assert "note: defaults:" not in cli("explain", "apiserver.x").err  # a key with no default


# --- --missing-ok ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["unset", "apiserver.nope"], ["remove-user", "nobody"], ["ui-action", "remove", "task", "Nope"]]
)
def test_missing_ok_makes_nothing_to_remove_a_success(cli: Run, config_dir: Path, command: list[str]) -> None:
    hashed_file(config_dir)
    write(config_dir / "services.conf", "organization.ui_actions.task: []\n")
    before = {p.name: p.read_bytes() for p in config_dir.iterdir()}
    assert cli(*command).code == 1
    result = cli(*command, "--missing-ok", "--json")
    assert result.code == 0, result
    assert json.loads(result.out)["changed"] == []
    assert {p.name: p.read_bytes() for p in config_dir.iterdir()} == before


# --- env reads the configuration --------------------------------------------------------------------------------


def test_env_names_the_lines_its_variable_overrides(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "auth {\n    cookies.domain: .x.com\n}\n")
    result = cli("env", "apiserver.auth.cookies.domain", ".y.com", "--json")
    assert json.loads(result.out)["notes"] == [
        "apiserver.conf:2 sets apiserver.auth.cookies.domain too: the variable overrides it "
        "(the server applies variables last)"
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    elsewhere = cli("env", "apiserver.auth.cookies.domain", "--json", "-c", str(empty))
    assert json.loads(elsewhere.out)["notes"] == []


# --- completion --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["export", "--format", ""], ["helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json"]),
        (["expose", ""], ["elasticsearch", "mongo", "redis"]),
        (["ui-action", "add", ""], ["project", "task", "model", "dataview", "queue"]),
        (["ui-action", "add", "task", "X", "--method", ""], ["GET", "POST", "DELETE"]),
        (["get", "x", "--component", ""], ["apiserver", "fileserver"]),
        (["cors", "--component", ""], ["all", "apiserver", "fileserver"]),
        (["set", "x", "1", "--type", ""], ["auto", "string", "int", "float", "bool", "json", "hocon"]),
        (["env", "x", "--format", ""], ["both", "shell", "compose"]),
        (["watch"], ["watchdog"]),
    ],
)
def test_completion_offers_every_fixed_set_of_choices(
    cli: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], words: list[str], expected: list[str]
) -> None:
    from clearml_cfg.cli import main

    monkeypatch.setenv("_CLEARML_CFG_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", " ".join(["clearml-cfg", *words]))
    monkeypatch.setenv("COMP_CWORD", str(len(words)))
    with pytest.raises(SystemExit) as done:
        main(words)
    assert done.value.code == 0
    assert capsys.readouterr().out.split() == expected
