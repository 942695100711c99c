"""Command lines answered without Typer (cli/fast.py): read exactly as Typer reads them, or left to Typer."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from hypothesis import HealthCheck, given, settings
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
        ["export", "--format", "k8s-secret", "--name", "cfg", "--namespace=ns", "-o", "out.yaml", "--component", "all"],
        ["export", "--format=json", "--json", "--fileserver-configs", "-q", "--show-secrets"],
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
        *(["show", "a", "b"], ["show", "--help"], ["show", "--origin=1"], ["export"]),
        *(["export", "--format", "helm", "x"],),
        *(["export", "-f", "helm"], ["export", "--format", "yaml"], ["get", "a", "--component", "all"]),
        *(["get", "a", "--default", "-1"], ["get", "a", "--json=1"], ["get", "--help"], ["list-users"], ["-V", "get"]),
        *(["add-user", "jane", "--password", "pw"], ["add-user", "jane", "--rounds", "x"], ["add-user", "-n"]),
    ],
)
def test_anything_else_is_left_to_typer(arguments: list[str]) -> None:
    assert read(arguments) is None


@pytest.mark.parametrize("command", sorted(GRAMMARS))
def test_the_grammar_names_every_option_of_the_command(command: str) -> None:
    """An option added to a command is read here too, or deliberately left to Typer (a password in argv, which
    earns a warning, and the old spellings, which earn theirs)."""
    group = get_command(build_app(command))
    found = group.commands[command]  # type: ignore[attr-defined]
    options = {name for p in found.params if not getattr(p, "hidden", False) for name in p.opts if name[0] == "-"}
    grammar = GRAMMARS[command]
    assert {*grammar.flags, *grammar.valued} == options - {"--password"}


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


# --- the outcome, judged by the Typer application -------------------------------------------------------------

CONFIG = {
    "apiserver.conf": (
        "auth {\n  cookies { domain: .example.com }\n"
        "  fixed_users { enabled: true, pass_hashed: false\n"
        '    users: [ { username: ada, password: "pw1", name: Ada } ] }\n'
        "}\nsecure.http.session_secret.apiserver: not-the-default\n"
    ),
    "services.conf": "tasks.non_responsive_tasks_watchdog { threshold_sec: 7200 }\n",
    "fileserver.conf": "download { cache_timeout_sec: 300 }\n",
}
VALUES = [
    *["apiserver", "fileserver", "all", "APISERVER", "helm", "json", "env", "k8s-secret", "compose", "yaml"],
    *["4", "5", "3", "x", " 4", "1_0", "", "x y", "ünï", "-", "=", "a.b", "/nonexistent", "d", "cfg", "ns"],
]
KEYS = ["apiserver.auth.cookies.domain", "apiserver.auth", "services.tasks", "apiserver.nope", "a..b", "ü", "", "-k"]
NOISE = ["--", "-h", "--help", "--nope", "-x", "--json=1", "-qn", "-cd", "extra", "--format", "-f", "--password"]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command line of one of the commands read here: its options in any order, as `--opt value` or
    `--opt=value`, values good and bad, its argument anywhere, and now and then a token it does not take."""
    command = draw(st.sampled_from(sorted(GRAMMARS)))
    grammar = GRAMMARS[command]
    parts: list[list[str]] = []
    for name in draw(st.lists(st.sampled_from(sorted(grammar.flags)), max_size=3, unique=True)):
        parts.append([name])
    for name in draw(st.lists(st.sampled_from(sorted(grammar.valued)), max_size=3, unique=True)):
        value = draw(st.sampled_from(VALUES))
        joined = name.startswith("--") and draw(st.booleans())
        parts.append([f"{name}={value}"] if joined else [name, value])
    if grammar.argument is not None and draw(st.integers(0, 9)) > 0:
        parts.append([draw(st.sampled_from(["jane", "ada", "bad:name"] if command == "add-user" else KEYS))])
    if grammar.required and draw(st.integers(0, 9)) > 0:
        parts.append(["--format", draw(st.sampled_from(["helm", "json", "env", "yaml"]))])
    parts = draw(st.permutations(parts))
    if draw(st.integers(0, 4)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), [draw(st.sampled_from(NOISE))])
    return [command, *(token for part in parts for token in part)]


# what else the command finds: a bad lock timeout, a CLEARML__ value the server cannot parse, a broken file
SETUPS = {
    "plain": ({}, {}),
    "bad timeout": ({"CLEARML_CFG_LOCK_TIMEOUT": "soon"}, {}),
    "bad variable": ({"CLEARML__apiserver__auth__cookies__domain": "{a"}, {}),
    "broken file": ({}, {"services.conf": "tasks { x: [ 1\n"}),
    "odd directories": ({"CLEARML_CONFIG_DIR": "::"}, {}),
}


def _outcome(
    run: Callable[[list[str]], int], arguments: list[str], root: Path, monkeypatch: pytest.MonkeyPatch, setup: str
) -> tuple[int, str, str, dict[str, bytes]]:
    """Exit code, stdout, stderr and every file afterwards, of ``run(arguments)`` on a fresh copy of CONFIG."""
    import io
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    (root / "work").mkdir(parents=True)
    env, files = SETUPS[setup]
    for name, text in {**CONFIG, **files}.items():
        write(root / "config" / name, text)
    out, err = io.StringIO(), io.StringIO()
    with monkeypatch.context() as scoped:
        scoped.chdir(root / "work")
        scoped.setattr(sys, "stdout", out)
        scoped.setattr(sys, "stderr", err)
        scoped.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
        for name, value in env.items():
            scoped.setenv(name, value)
        code = run(list(arguments))
    files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    return code, out.getvalue(), err.getvalue(), files


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(command_lines(), st.sampled_from(sorted(SETUPS)))
def test_a_command_answered_here_ends_as_under_typer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, arguments: list[str], setup: str
) -> None:
    """The same exit code, output and files, whether the command line is answered here or by the Typer app."""
    import bcrypt

    from clearml_cfg.cli import app, main, prompts

    for name in list(os.environ):
        if name.startswith(("CLEARML", "TRAINS")) or name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARML_CONFIG_DIR", str(tmp_path / "run" / "config"))
    monkeypatch.setenv("CLEARML__apiserver__auth__cookies__max_age", "99")
    monkeypatch.setenv("COLUMNS", "80")
    salt = bcrypt.gensalt(4)
    monkeypatch.setattr(bcrypt, "gensalt", lambda *_, **__: salt)  # the same hash on both sides, and a fast one
    monkeypatch.setattr(prompts, "generate", lambda: "generated-password")
    here = _outcome(main, arguments, tmp_path / "run", monkeypatch, setup)
    typer = _outcome(app.run, arguments, tmp_path / "run", monkeypatch, setup)
    assert here == typer, arguments


@pytest.mark.parametrize("raised", [KeyboardInterrupt, EOFError, BrokenPipeError, RuntimeError])
@pytest.mark.parametrize("json_output", [False, True])
def test_an_interruption_or_a_failure_ends_as_under_typer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raised: type[BaseException], json_output: bool
) -> None:
    """Ctrl-C, Ctrl-D, a closed pipe and a bug inside a command: the same exit (or SystemExit), stdout, stderr."""
    import io

    import clearml_cfg.cli.get
    from clearml_cfg.cli import app, main

    def broken(*_: object, **__: object) -> None:
        raise raised()

    monkeypatch.setattr(clearml_cfg.cli.get, "get_value", broken)
    monkeypatch.delenv("CLEARML_CFG_DEBUG", raising=False)
    monkeypatch.setenv("CLEARML_CONFIG_DIR", str(tmp_path))
    arguments = ["get", "apiserver.a", *(["--json"] if json_output else [])]

    def outcome(run: Callable[[list[str]], int]) -> tuple[object, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as scoped:
            scoped.setattr(sys, "stdout", out)
            scoped.setattr(sys, "stderr", err)
            try:
                code: object = run(list(arguments))
            except SystemExit as e:
                code = ("SystemExit", e.code)
            streams = type(sys.stdout).__name__, type(sys.stderr).__name__  # a closed pipe: wrapped by both
        return code, out.getvalue() + streams[0], err.getvalue() + streams[1]

    assert outcome(main) == outcome(app.run)
