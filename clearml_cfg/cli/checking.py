"""`check`: the command's work. No Typer here: ``fast.py`` runs it without building the application."""

from __future__ import annotations

from pathlib import Path

from ..console import Console, escape_controls, wants_color
from ..features.check.model import Finding, Severity
from ..features.check.run import FIX_PASSES, apply_fixes, exit_code, preview_fixes, run_checks
from ..model.layout import ConfigDirs
from ..model.values import to_json
from .context import make_options
from .report import report

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan"}


def check_files(
    strict: bool = False,
    fix: bool = False,
    config_dir: str | None = None,
    defaults: str | None = None,
    dry_run: bool = False,
    no_backup: bool = False,
    json_output: bool = False,
    quiet: bool = False,
    show_secrets: bool = False,
) -> int:
    """`check` (see cli/check.py for the options); returns the exit code."""
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=False, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    defaults_dir = Path(defaults) if defaults else None

    def check(dirs: ConfigDirs) -> list[Finding]:
        return run_checks(dirs, options.env, defaults_dir, show_secrets=show_secrets)

    findings = check(options.dirs)
    if fix and dry_run and any(f.fixable for f in findings):
        report(console, preview_fixes(options, findings, check), dry_run=True, json_output=False)
    elif fix:
        for _ in range(FIX_PASSES):
            if not any(f.fixable for f in findings):
                break
            outcome = apply_fixes(options, findings)
            report(console, outcome, dry_run=False, json_output=False)
            if not outcome.changes and not outcome.notes:
                break
            findings = check(options.dirs)
    if json_output:
        console.data(to_json([f.as_json() for f in findings]))
    else:
        print_findings(console, findings, options.dirs.dirs[-1] if len(options.dirs.dirs) == 1 else None)
    return exit_code(findings, strict)


def print_findings(console: Console, findings: list[Finding], base: Path | None) -> None:
    """Each finding and its hint on stdout (coloured on a terminal), then a summary on stderr."""
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
            line.append(f" {escape_controls(finding.message)}")
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
