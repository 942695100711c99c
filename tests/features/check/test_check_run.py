"""features/check/run.py: every checker over one reading, the exit code they make, and their fixes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from config_files import config_dir, dirs_of
from helpers import own_secrets

from clearml_cfg.features.check.run import UNREADABLE, apply_fixes, exit_code, preview_fixes, run_checks
from clearml_cfg.features.common import Options
from clearml_cfg.model.layout import ConfigDirs

FILES = {
    "apiserver.conf": (
        'auth.cookies.domain: "app.clearml.example.com"\n'
        'auth.fixed_users { enabled: true, users: [{ username: "a", password: "12345678", name: "A" }] }\n'
    ),
    "services.conf": "tasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n",
    "secure.conf": own_secrets(),
}
FOUND = {"fixed-user-plain-world-readable", "cookie-domain-no-dot", "watchdog-not-seconds"}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    made = config_dir(tmp_path / "config", FILES)
    (made / "apiserver.conf").chmod(0o644)
    return made


def check(dirs: ConfigDirs) -> set[str]:
    return {f.code for f in run_checks(dirs, {})}


def contents(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_the_findings_and_their_exit_code(directory: Path) -> None:
    findings = run_checks(dirs_of(directory), {})
    assert {f.code for f in findings} == FOUND and all(f.fixable for f in findings)
    assert exit_code(findings, strict=False) == 1  # an error
    warnings = [f for f in findings if f.code != "watchdog-not-seconds"]
    assert (exit_code(warnings, strict=False), exit_code(warnings, strict=True)) == (0, 1)
    assert exit_code([], strict=True) == 0


def test_a_file_that_cannot_be_read_is_exit_3_and_the_rest_is_still_checked(directory: Path) -> None:
    (directory / "fileserver.conf").write_text("cors {\n")
    findings = run_checks(dirs_of(directory), {})
    unreadable = [f for f in findings if f.code in UNREADABLE]
    assert [(f.file, f.line) for f in unreadable] == [(directory / "fileserver.conf", 2)]
    assert exit_code(findings, strict=False) == 3
    assert "watchdog-not-seconds" in {f.code for f in findings}


def test_the_fixes_repair_every_finding_in_one_transaction_with_backups(directory: Path) -> None:
    outcome = apply_fixes(Options(dirs_of(directory), {}), run_checks(dirs_of(directory), {}))
    assert sorted(c.path.name for c in outcome.changes) == ["apiserver.conf", "services.conf"]
    assert len(outcome.notes) == 1  # the chmod
    assert stat.S_IMODE((directory / "apiserver.conf").stat().st_mode) == 0o600
    assert (directory / "services.conf.bak").read_text() == FILES["services.conf"]
    assert check(dirs_of(directory)) == set()


def test_a_dry_run_of_the_fixes_changes_nothing(directory: Path) -> None:
    before = contents(directory)
    outcome = apply_fixes(Options(dirs_of(directory), {}, dry_run=True), run_checks(dirs_of(directory), {}))
    assert [c.written for c in outcome.changes] == [False, False] and len(outcome.notes) == 1
    assert contents(directory) == before
    assert stat.S_IMODE((directory / "apiserver.conf").stat().st_mode) == 0o644


def test_the_preview_runs_every_pass_on_a_copy(directory: Path) -> None:
    before = contents(directory)
    options = Options(dirs_of(directory), {}, dry_run=True)
    preview = preview_fixes(options, run_checks(options.dirs, {}), lambda dirs: run_checks(dirs, {}))
    assert contents(directory) == before
    assert sorted(c.path for c in preview.changes) == [directory / "apiserver.conf", directory / "services.conf"]
    assert [c.before for c in sorted(preview.changes, key=lambda c: c.path)] == [
        FILES["apiserver.conf"],
        FILES["services.conf"],
    ]
    assert len(preview.notes) == 1
    applied = apply_fixes(Options(dirs_of(directory), {}), run_checks(dirs_of(directory), {}))
    assert {c.path: c.after for c in applied.changes} == {c.path: c.after for c in preview.changes}


def test_entries_without_a_username_or_with_a_computed_password_are_checked_without_failing(tmp_path: Path) -> None:
    users = '[{ sername: "a", password: "p", name: "A" }, { username: ["x"], password: ${pw}, name: "B" }]'
    text = f'pw: "p"\nauth.fixed_users {{ enabled: true, pass_hashed: true, users: {users} }}\n'
    directory = config_dir(tmp_path / "c", {"apiserver.conf": text})
    codes = {f.code for f in run_checks(dirs_of(directory), {})}
    assert {"fixed-user-missing-key", "fixed-user-bad-hash"} <= codes


def test_a_username_computed_by_a_substitution_is_checked_without_failing(tmp_path: Path) -> None:
    text = 'n: "a"\nauth.fixed_users { enabled: true, users: [{ username: "jane"${n}, password: "p", name: "J" }] }\n'
    directory = config_dir(tmp_path / "c", {"apiserver.conf": text})
    assert "fixed-user-duplicate" not in {f.code for f in run_checks(dirs_of(directory), {})}
