"""Running every checker over one reading of the configuration, and applying the mechanical fixes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ...errors import ConfigReadError
from ...hocon import KeyPath
from ...io.atomic import change_mode
from ...io.reading import Reader, read_regular
from ...io.transaction import Change
from ...model.layout import ConfigDirs, discover
from ...views.effective import Effective, compute
from ..base import Options, Outcome
from .appends import check_appends
from .environment import check_environment
from .files import check_dirs, check_files
from .layered import check_effective
from .leftovers import check_leftovers
from .model import Context, Finding, Severity, load_context
from .overlaps import check_overlaps
from .secrets import check_backups, check_built_in_secrets, check_permissions, check_secrets
from .ui_action import check_ui_actions
from .users import check_users
from .values import check_values

# findings that mean a file cannot be read at all: `check` exits 3 on these, as every other command does
UNREADABLE = frozenset(
    {"parse-error", "unreadable-file", "not-utf8", "byte-order-mark", "conf-directory", "server-cannot-load"}
)
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
FIX_PASSES = 3  # a fix can uncover more (a file that reads again is checked further)
MAX_FAILING_FILES = 20  # files the server cannot load, left out one by one to read the others


def run_checks(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    defaults_dir: Path | None = None,
    *,
    show_secrets: bool = False,
    reader: Reader | None = None,
    along: Sequence[KeyPath] | None = None,
) -> list[Finding]:
    """Every finding of every checker. ``reader``: the command's (a write judges its edited documents);
    ``along``: only what lies along these keys (see rules.py)."""
    context = load_context(dirs, env, show_secrets=show_secrets, reader=reader, along=along)
    findings = list(context.unreadable)
    findings.extend(check_dirs(context))
    findings.extend(check_files(context))
    findings.extend(check_overlaps(context))
    findings.extend(check_values(context))
    findings.extend(check_appends(context))
    findings.extend(check_secrets(context))
    findings.extend(check_permissions(context))
    findings.extend(check_backups(context))
    findings.extend(check_leftovers(context))
    effective, failures = _effective_without_failures(context, defaults_dir, along)
    findings.extend(failures)
    if effective is not None:
        findings.extend(check_effective(context, effective))
    if effective is not None and not failures and not context.unreadable:
        # the configuration loads whole: what no file sets is the server's built-in value
        findings.extend(check_built_in_secrets(context))
    findings.extend(check_users(context, effective))
    findings.extend(check_ui_actions(context))
    findings.extend(check_environment(context))
    findings.sort(
        key=lambda f: (str(f.file or ""), f.variable or "", f.line or 0, f.column or 0, _ORDER[f.severity], f.code)
    )
    return _distinct(findings)


def _effective_without_failures(
    context: Context, defaults_dir: Path | None, along: Sequence[KeyPath] | None
) -> tuple[Effective | None, list[Finding]]:
    """The server's view of every file it can load: a file that cannot be read, or that the server cannot load,
    is reported and left out, so that the other files are checked as they are (not as if they were absent)."""
    failures: list[Finding] = []
    without = {f.file for f in context.unreadable if f.file is not None}
    for _ in range(MAX_FAILING_FILES):
        try:
            effective = compute(
                context.dirs,
                context.env,
                defaults_dir=defaults_dir,
                ignore_bad_env=True,
                reader=context.reader,
                without=without,
                along=along,
                lines=False,  # a finding's line comes from its own file's reading, when there is a finding
            )
        except ConfigReadError as e:
            failures.append(_cannot_load(e))
            if e.path is None or e.path in without:
                return None, failures
            without.add(e.path)
        else:
            return effective, failures
    return None, failures


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One line per problem: two entries of one variable's value (no line numbers there) can say the same."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for f in findings:
        key = (f.code, str(f.file), f.variable, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def _cannot_load(error: ConfigReadError) -> Finding:
    """server-cannot-load at the file (and line) the server fails on."""
    return Finding(
        "server-cannot-load", Severity.ERROR, error.reason, error.hint or "", error.path, error.line, error.column
    )


def exit_code(findings: list[Finding], strict: bool) -> int:
    if any(f.code in UNREADABLE for f in findings):
        return 3
    if any(f.severity is Severity.ERROR for f in findings):
        return 1
    if strict and any(f.severity is Severity.WARNING for f in findings):
        return 1
    return 0


def apply_fixes(options: Options, findings: list[Finding]) -> Outcome:
    """Apply every fix (text edits in one transaction, then file modes); returns the changes.

    Actions on the file system come first and alone: an interrupted edit is completed before anything else
    edits those files (the findings of the next pass see them complete)."""
    actions = [f.fix for f in findings if f.fix is not None and f.fix.action is not None]
    if actions:
        outcome = Outcome()
        for action in actions:
            assert action.action is not None
            done = action.description if options.dry_run else action.action(options.lock_timeout)
            outcome.notes.append(("would " if options.dry_run else "") + done)
        return outcome
    fixable = [f for f in findings if f.fix is not None]
    outcome = Outcome()
    with options.transaction() as tx:
        for directory in sorted({f.fix.file.parent for f in fixable if f.fix and not f.fix.file.is_dir()}):
            tx.lock(directory)
        for finding in fixable:
            fix = finding.fix
            assert fix is not None
            if fix.rewrite is not None:
                raw = read_regular(fix.file)[0].decode("utf-8-sig", errors="strict")
                tx.replace_text(fix.file, fix.rewrite(raw))
            elif fix.edit is not None:
                fix.edit(tx.document(fix.file, private=fix.private))
        outcome.changes = tx.commit()
    for finding in fixable:
        fix = finding.fix
        if fix is not None and fix.mode is not None:
            if not options.dry_run:
                change_mode(fix.file, fix.mode)
            outcome.notes.append(("would " if options.dry_run else "") + f"chmod {fix.mode:o} {fix.file}")
    return outcome


Recheck = Callable[[ConfigDirs], list[Finding]]


def preview_fixes(options: Options, findings: list[Finding], recheck: Recheck) -> Outcome:
    """What every pass of --fix would do, together, written nowhere: the passes run on a copy of the config
    directories (only what the server reads), and the result is shown as changes to the real files.

    Falls back to the first pass alone when a directory cannot be copied as it is (a file it cannot read)."""
    with tempfile.TemporaryDirectory(prefix="clearml-cfg-check-") as scratch:
        copies = copy_dirs(options.dirs, Path(scratch))
        if copies is None:
            return apply_fixes(options, findings)
        shadow = Options(
            dirs=ConfigDirs(tuple(copies), options.dirs.origin),
            env=options.env,
            backup=False,
            lock_timeout=options.lock_timeout,
        )
        originals = dict(zip(copies, options.dirs.dirs, strict=True))

        def real(path: Path) -> Path:
            for copy, original in originals.items():
                if path.is_relative_to(copy):
                    return original / path.relative_to(copy)
            return path

        actions = [f.fix.description for f in findings if f.fix is not None and f.fix.action is not None]
        findings = recheck(shadow.dirs)
        before: dict[Path, str | None] = {}
        after: dict[Path, str] = {}
        prefixes: dict[Path, tuple[str, ...] | None] = {}  # masking of the diff follows key paths
        modes: dict[Path, int] = {}
        for _ in range(FIX_PASSES):
            if not any(f.fixable for f in findings):
                break
            outcome = apply_fixes(shadow, findings)
            for change in outcome.changes:
                before.setdefault(change.path, change.before)
                after[change.path] = change.after
                prefixes[change.path] = change.prefix
            for finding in findings:
                if finding.fix is not None and finding.fix.mode is not None:
                    modes[real(finding.fix.file)] = finding.fix.mode
            if not outcome.changes and not outcome.notes:
                break
            findings = recheck(shadow.dirs)
    result = Outcome()
    for path, text in after.items():
        if before[path] != text:
            result.changes.append(Change(real(path), real(path), before[path], text, prefix=prefixes[path]))
    result.notes = [*(f"would {a}" for a in actions), *(f"would chmod {mode:o} {path}" for path, mode in modes.items())]
    return result


def copy_dirs(dirs: ConfigDirs, scratch: Path) -> list[Path] | None:
    """A copy of each directory's *.conf files (links followed, modes kept) and of its *.conf directories."""
    copies = []
    for index, directory in enumerate(dirs.dirs):
        copy = scratch / str(index)
        copies.append(copy)
        if not directory.is_dir():
            continue  # absent here too
        conf_dirs: list[Path] = []
        try:
            copy.mkdir()
            for config_file in discover(directory, conf_dirs):
                target = copy / config_file.relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(config_file.path, target)
            for where in conf_dirs:
                (copy / where.relative_to(directory)).mkdir(parents=True, exist_ok=True)
            shutil.copystat(directory, copy)
        except (OSError, ConfigReadError):
            return None
    return copies
