"""Running every checker over one reading of the configuration, and applying the mechanical fixes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path as FsPath

from ..effective import Effective, compute
from ..errors import ConfigReadError
from ..layout import ConfigDirs
from ..settings import Options, Outcome
from .effective import check_effective
from .environment import check_environment
from .files import check_files
from .model import Finding, Severity, load_context
from .secrets import check_permissions, check_secrets
from .ui_actions import check_ui_actions
from .users import check_users
from .values import check_values

# findings that mean a file cannot be read at all: `check` exits 3 on these, as every other command does
UNREADABLE = frozenset(
    {"parse-error", "unreadable-file", "not-utf8", "byte-order-mark", "conf-directory", "server-cannot-load"}
)
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def run_checks(dirs: ConfigDirs, env: Mapping[str, str], defaults_dir: FsPath | None = None) -> list[Finding]:
    context = load_context(dirs, env)
    findings = list(context.unreadable)
    findings.extend(check_files(context))
    findings.extend(check_values(context))
    findings.extend(check_secrets(context))
    findings.extend(check_permissions(context))
    effective: Effective | None = None
    if not context.unreadable:
        try:
            effective = compute(dirs, env, defaults_dir=defaults_dir, ignore_bad_env=True)
        except ConfigReadError as e:
            findings.append(Finding("server-cannot-load", Severity.ERROR, e.message, e.hint or ""))
    if effective is not None:
        findings.extend(check_effective(context, effective))
    findings.extend(check_users(context, effective))
    findings.extend(check_ui_actions(context))
    findings.extend(check_environment(context, effective))
    findings.sort(key=lambda f: (str(f.file or ""), f.line or 0, f.column or 0, _ORDER[f.severity], f.code))
    return findings


def exit_code(findings: list[Finding], strict: bool) -> int:
    if any(f.code in UNREADABLE for f in findings):
        return 3
    if any(f.severity is Severity.ERROR for f in findings):
        return 1
    if strict and any(f.severity is Severity.WARNING for f in findings):
        return 1
    return 0


def apply_fixes(options: Options, findings: list[Finding]) -> Outcome:
    """Apply every fix (text edits in one transaction, then file modes); returns the changes."""
    fixable = [f for f in findings if f.fix is not None]
    outcome = Outcome()
    with options.transaction() as tx:
        for directory in sorted({f.fix.file.parent for f in fixable if f.fix and not f.fix.file.is_dir()}):
            tx.lock(directory)
        for finding in fixable:
            fix = finding.fix
            assert fix is not None
            if fix.rewrite is not None:
                raw = fix.file.read_bytes().decode("utf-8-sig", errors="strict")
                tx.replace_text(fix.file, fix.rewrite(raw))
            elif fix.edit is not None:
                fix.edit(tx.document(fix.file))
        outcome.changes = tx.commit()
    for finding in fixable:
        fix = finding.fix
        if fix is not None and fix.mode is not None:
            if not options.dry_run:
                os.chmod(fix.file, fix.mode)
            outcome.notes.append(("would " if options.dry_run else "") + f"chmod {fix.mode:o} {fix.file}")
    return outcome
