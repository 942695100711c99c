"""edit: open a configuration file in an editor, and install the result only when it is valid."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from ..console import Console
from ..errors import ConfigReadError, UsageError
from ..features import edit
from ..features.check.model import Finding
from ..features.common import Options
from ..io.reading import read_text
from ..model.values import to_json
from . import prompts
from .checking import print_findings
from .command import add_commands
from .options import ConfigDir, DryRun, Json, NoBackup, Quiet, ShowSecrets, make_options
from .report import report, shown_path

#: Tried in this order when neither VISUAL nor EDITOR is set (Debian's choice of the user's editor first).
FALLBACK_EDITORS = ("sensible-editor", "editor", "nano", "vi")


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"edit": edit_command})


def edit_command(
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="[FILE]",
            help="A file of the config directory: services, services/tasks.conf, ... Default: apiserver.conf.",
            show_default=False,
        ),
    ] = None,
    check_file: Annotated[
        Path | None,
        typer.Option(
            "--check",
            metavar="EDITED",
            help="Open no editor: check EDITED as the new content of FILE (exit 0 valid, 1 new errors, 3 syntax "
            "error); nothing is written.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Install despite new check errors (never despite a syntax error).")
    ] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Edit a configuration file by hand, safely: in $VISUAL or $EDITOR, on a private copy.

    When the editor exits, the copy must parse, and check runs on the whole configuration as it would be: new
    errors are shown and, on a terminal, you choose to edit again (the errors on top of the file), write anyway
    or discard. Without a terminal nothing is asked: exit 3 (syntax) or 1 (new errors), nothing written, the copy
    kept. The file is installed with a backup, and never over a change made while the editor was open.

    Example: EDITOR=nano clearml-cfg edit services
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    session = edit.open_session(options.dirs, file)
    if check_file is not None:
        try:
            edited = read_text(check_file)
        except FileNotFoundError:
            raise UsageError(f"--check {check_file}: no such file", "name the edited file to check") from None
        verdict = edit.verify(options, session, edited, source=check_file, show_secrets=show_secrets)
        if verdict.syntax is not None:
            raise verdict.syntax
        _unchecked(console, verdict)
        findings = [*verdict.errors, *verdict.warnings]
        if json_output:
            console.data(to_json({"findings": [f.as_json() for f in findings], "exit_code": verdict.exit_code}))
        else:
            print_findings(console, findings, session.file.directory)
        if verdict.exit_code:
            raise typer.Exit(verdict.exit_code)
        return
    command = editor(options.env)
    workspace = edit.Workspace.create(session)
    try:
        _edit_until_done(
            console,
            options,
            session,
            workspace,
            command,
            force=force,
            show_secrets=show_secrets,
            json_output=json_output,
        )
    finally:
        workspace.close()


def editor(env: Mapping[str, str]) -> str:
    """$VISUAL, else $EDITOR (a command line, as git reads them), else the first editor found on PATH."""
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return value
    for candidate in FALLBACK_EDITORS:
        if shutil.which(candidate, path=env.get("PATH")):
            return candidate
    raise UsageError("no editor found: neither VISUAL nor EDITOR is set", "set one, e.g. EDITOR=nano clearml-cfg edit")


def run_editor(command: str, path: Path) -> None:
    """Run the editor on ``path`` through the shell, so that EDITOR may hold arguments (`code --wait`)."""
    try:
        result = subprocess.run(["/bin/sh", "-c", f'{command} "$@"', command, str(path)], check=False)
    except OSError as e:
        raise UsageError(f"cannot run the editor {command!r}: {e.strerror}", "set VISUAL or EDITOR") from e
    if result.returncode:
        raise UsageError(
            f"the editor {command!r} exited with status {result.returncode}: nothing was written",
            "set VISUAL or EDITOR to an editor that works, and run clearml-cfg edit again"
            if result.returncode in (126, 127)
            else "run clearml-cfg edit again",
        )


def _edit_until_done(
    console: Console,
    options: Options,
    session: edit.Session,
    workspace: edit.Workspace,
    command: str,
    *,
    force: bool,
    show_secrets: bool,
    json_output: bool,
) -> None:
    base = session.file.directory
    shown = shown_path(session.file.path)
    while True:
        run_editor(command, workspace.copy)
        text: str | None = None
        try:
            edited = edit.without_note(workspace.read())
        except FileNotFoundError:
            raise UsageError(
                f"the editor removed the copy {workspace.copy}: nothing was written", "run clearml-cfg edit again"
            ) from None
        except ConfigReadError as e:  # not UTF-8 text: it cannot be re-opened with a note either
            verdict = edit.Verdict(syntax=e)
        else:
            if session.unchanged(edited):
                console.info(f"no change: {shown} was left as it was")
                return
            text, verdict = edited, edit.verify(options, session, edited, show_secrets=show_secrets)
        if verdict.syntax is not None:
            error = verdict.syntax
            if not prompts.interactive():
                raise ConfigReadError(
                    error.message,
                    f"nothing was written; your edit is kept in {workspace.keep()}",
                    detail=error.detail,
                ) from None
            console.error(error)
            choice = prompts.choose(
                "The file does not parse.", {"e": "edit again", "d": "discard"}, default="e", on_end="d"
            )
            if choice == "d":
                _discarded(console, shown, verdict)
            if text is not None:
                workspace.write(edit.with_note(text, [error.message, *(error.detail or "").splitlines()]))
            continue
        assert text is not None
        blocking = verdict.unloadable if force else verdict.errors  # --force never installs what cannot load
        if blocking:
            _show(console, blocking, base)
            count = f"{len(blocking)} error{'s' if len(blocking) != 1 else ''}"
            if not prompts.interactive():
                kept = workspace.keep()
                if verdict.unloadable:
                    raise ConfigReadError(
                        "the server could not load the configuration with this edit: nothing was written",
                        f"your edit is kept in {kept}; fix it there, or run clearml-cfg edit again",
                    )
                raise edit.NewErrors(
                    f"the edit brings {count} that check did not report before: nothing was written",
                    f"your edit is kept in {kept}; --force writes it anyway",
                )
            choices = {"e": "edit again", "d": "discard"}
            if not verdict.unloadable:
                choices = {"e": "edit again", "w": "write anyway", "d": "discard"}
            choice = prompts.choose(f"The edit brings {count}.", choices, default="e", on_end="d")
            if choice == "d":
                _discarded(console, shown, verdict)
            if choice == "e":
                workspace.write(edit.with_note(text, [_problem(f, base) for f in blocking]))
                continue
        _install(console, options, session, workspace, text, verdict, json_output=json_output)
        return


def _install(
    console: Console,
    options: Options,
    session: edit.Session,
    workspace: edit.Workspace,
    text: str,
    verdict: edit.Verdict,
    *,
    json_output: bool,
) -> None:
    try:
        outcome = edit.install(options, session, text, kept=workspace.copy)
    except edit.ChangedMeanwhile:
        workspace.keep()
        raise
    base = session.file.directory
    outcome.warnings.extend(edit.warning(f, base) for f in [*verdict.errors, *verdict.warnings])
    _unchecked(console, verdict)
    report(console, outcome, dry_run=options.dry_run, json_output=json_output)


def _unchecked(console: Console, verdict: edit.Verdict) -> None:
    if not verdict.checked:
        console.warn(
            "the rest of the configuration could not be copied to check it with the edit (a file cannot be read): "
            "only the edited file was read; run clearml-cfg check"
        )


def _discarded(console: Console, shown: str, verdict: edit.Verdict) -> None:
    console.info(f"discarded: {shown} was left as it was")
    raise typer.Exit(verdict.exit_code)


def _problem(finding: Finding, base: Path) -> str:
    return f"{finding.severity.value} {finding.where(base)} {finding.code}: {finding.message}\nhint: {finding.hint}"


def _show(console: Console, findings: list[Finding], base: Path) -> None:
    """New findings on stderr (they are messages here, not the command's data)."""
    for finding in findings:
        console.err.write(_problem(finding, base).replace("\nhint: ", "\n  hint: ") + "\n")
    console.err.flush()
