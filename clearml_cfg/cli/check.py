"""check: what would break the server, before it does."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated

import typer

from ..checks import Finding, Severity, apply_fixes, run_checks
from ..checks.run import exit_code
from ..console import Console, to_json, wants_color
from .options import ConfigDir, Defaults, DryRun, Json, NoBackup, Quiet, make_options
from .report import report

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan"}


def check_command(
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what is mechanical, show the diff, and check again.")
    ] = False,
    config_dir: ConfigDir = None,
    defaults: Defaults = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    json_output: Json = False,
    quiet: Quiet = False,
) -> None:
    """Find what would break the server, or be silently ignored by it, before it does.

    Reads every config directory and the environment as the server does and reports each problem with its
    file:line, a stable code, why it matters and the fix. Exit 0: no errors (warnings alone pass, or fail with
    --strict); 1: errors; 3: a file cannot be parsed. --fix repairs what is mechanical and checks again.

    Example: clearml-cfg check --fix
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup)
    console = Console(quiet=quiet)
    defaults_dir = FsPath(defaults) if defaults else None
    findings = run_checks(options.dirs, options.env, defaults_dir)
    # A fix can uncover more (a file that reads again is checked further): repeat while it makes progress.
    for _ in range(3):
        if not fix or not any(f.fixable for f in findings):
            break
        outcome = apply_fixes(options, findings)
        report(console, outcome, dry_run=dry_run, json_output=False)
        if dry_run or (not outcome.changes and not outcome.notes):
            break
        findings = run_checks(options.dirs, options.env, defaults_dir)
    if json_output:
        console.data(to_json([f.as_json() for f in findings]))
    else:
        _print(console, findings, options.dirs.dirs[-1] if len(options.dirs.dirs) == 1 else None)
    code = exit_code(findings, strict)
    if code:
        raise typer.Exit(code)


def _print(console: Console, findings: list[Finding], base: FsPath | None) -> None:
    color = wants_color(console.out)
    for finding in findings:
        head = f"{finding.severity.value} {finding.where(base)} {finding.code}"
        if color:
            from rich.console import Console as RichConsole
            from rich.text import Text

            line = Text()
            line.append(finding.severity.value, style=_STYLES[finding.severity])
            line.append(f" {finding.where(base)} ", style="bold")
            line.append(finding.code, style="dim")
            line.append(f" {finding.message}")
            RichConsole(file=console.out, highlight=False, soft_wrap=True).print(line)
        else:
            console.data(f"{head} {finding.message}")
        console.data(f"  hint: {finding.hint}" + (" (fixable: --fix)" if finding.fixable else ""))
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    fixable = sum(1 for f in findings if f.fixable)
    summary = ", ".join(f"{n} {s.value}{'s' if n != 1 and s is not Severity.INFO else ''}" for s, n in counts.items())
    console.info(
        ("no problems found" if not findings else summary) + (f"; {fixable} fixable with --fix" if fixable else "")
    )


def register(app: typer.Typer, names: list[str]) -> None:
    if "check" in names:
        app.command("check")(check_command)
