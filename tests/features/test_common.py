"""features/common.py: settings shown with their origins, written in one transaction, and warned about when the
server will not use what was written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of
from helpers import DATA

from clearml_cfg.errors import ConfigReadError, NotSet, UsageError
from clearml_cfg.features.common import (
    Options,
    Outcome,
    edit_hint,
    invalid,
    not_taking_effect,
    rows,
    write_settings,
)
from clearml_cfg.hocon import HoconEditError, HoconEditRefused, HoconEditUnresolvable
from clearml_cfg.io.transaction import Change
from clearml_cfg.model.keys import MISSING
from clearml_cfg.views import effective
from clearml_cfg.views.effective import compute
from clearml_cfg.views.snapshot import Snapshot

WATCHDOG = ("services", "tasks", "non_responsive_tasks_watchdog")
THRESHOLD = (*WATCHDOG, "threshold_sec")
ENABLED = (*WATCHDOG, "enabled")
DOMAIN = ("apiserver", "auth", "cookies", "domain")


@pytest.fixture(autouse=True)
def defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small stand-in for the server's default folder, as if it were installed."""
    folder = DATA / "effective" / "defaults"
    monkeypatch.setattr(effective, "IMAGE_DEFAULTS", {"apiserver": folder, "fileserver": folder})


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return config_dir(
        tmp_path / "config", {"services/tasks.conf": "# the watchdog\nnon_responsive_tasks_watchdog.enabled: true\n"}
    )


def options(directory: Path, env: dict[str, str] | None = None, **kwargs: Any) -> Options:
    return Options(dirs_of(directory), env or {}, **kwargs)


def test_settings_are_written_to_the_file_that_holds_them_in_one_transaction(directory: Path) -> None:
    outcome, snapshot = write_settings(options(directory), {THRESHOLD: 60, DOMAIN: ".example.com"})
    assert [(c.path.relative_to(directory).as_posix(), c.created) for c in outcome.changes] == [
        ("services/tasks.conf", False),
        ("apiserver.conf", True),
    ]
    assert (directory / "services" / "tasks.conf").read_text() == (
        "# the watchdog\nnon_responsive_tasks_watchdog.enabled: true\nnon_responsive_tasks_watchdog.threshold_sec: 60\n"
    )
    assert outcome.warnings == []
    assert snapshot.effective().tree["services"]["tasks"]["non_responsive_tasks_watchdog"]["threshold_sec"] == 60
    assert outcome.servers_to_restart == ["apiserver"]


def test_one_invalid_value_and_nothing_is_written(directory: Path) -> None:
    before = (directory / "services" / "tasks.conf").read_bytes()
    with pytest.raises(UsageError):
        write_settings(options(directory), {THRESHOLD: "2 hours", DOMAIN: ".example.com"})
    with pytest.raises(UsageError):  # the same when worked out from the configuration
        write_settings(options(directory), lambda snapshot: {DOMAIN: ".x.com", THRESHOLD: -1})
    assert (directory / "services" / "tasks.conf").read_bytes() == before
    assert not (directory / "apiserver.conf").exists()


def test_values_worked_out_from_the_configuration_under_the_lock(directory: Path) -> None:
    def toggled(snapshot: Snapshot) -> dict[Any, Any]:
        return {ENABLED: not snapshot.effective().tree["services"]["tasks"]["non_responsive_tasks_watchdog"]["enabled"]}

    write_settings(options(directory), toggled)
    write_settings(options(directory), toggled)
    write_settings(options(directory), toggled)
    assert "enabled: false" in (directory / "services" / "tasks.conf").read_text()


def test_a_dry_run_writes_nothing_but_shows_the_edited_configuration(directory: Path) -> None:
    before = (directory / "services" / "tasks.conf").read_bytes()
    outcome, snapshot = write_settings(options(directory, dry_run=True), {THRESHOLD: 60})
    assert [c.written for c in outcome.changes] == [False]
    assert snapshot.effective().tree["services"]["tasks"]["non_responsive_tasks_watchdog"]["threshold_sec"] == 60
    assert (directory / "services" / "tasks.conf").read_bytes() == before


def test_a_variable_that_overrides_the_value_is_warned_of(directory: Path) -> None:
    env = {"CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC": "30"}
    outcome, _ = write_settings(options(directory, env), {THRESHOLD: 60})
    assert len(outcome.warnings) == 1
    dry, _ = write_settings(options(directory, env, dry_run=True), {THRESHOLD: 90})
    assert len(dry.warnings) == 1


def test_a_value_the_server_does_not_read_as_written_is_warned_of(directory: Path) -> None:
    """After a write, what the server reads is compared with what was written; a dry run only names variables."""
    snapshot = Snapshot(dirs_of(directory), {})
    assert not_taking_effect(snapshot, {ENABLED: True}, dry_run=False) == []
    assert len(not_taking_effect(snapshot, {ENABLED: False}, dry_run=False)) == 1
    assert not_taking_effect(snapshot, {ENABLED: False}, dry_run=True) == []  # only a variable, in a dry run


def test_a_secret_in_a_warning_is_masked(directory: Path) -> None:
    key = ("services", "organization", "ui_actions", "task")
    action = [{"name": "Go", "action": {"url": "http://x/", "headers": {"Authorization": "Bearer tok-1"}}}]
    text = '[{ name: Go, action { headers { Authorization: "Bearer tok-1" } } }]'
    env = {"CLEARML__SERVICES__ORGANIZATION__UI_ACTIONS__TASK": text}
    warnings = not_taking_effect(Snapshot(dirs_of(directory), env), {key: action}, dry_run=False)
    assert len(warnings) == 1 and "tok-1" not in warnings[0]


def test_a_file_elsewhere_the_server_cannot_read_stops_the_write_before_it(directory: Path) -> None:
    (directory / "apiserver.conf").write_text("a: {\n")
    with pytest.raises(ConfigReadError):
        write_settings(options(directory), {THRESHOLD: 60})
    assert "threshold" not in (directory / "services" / "tasks.conf").read_text()


def test_a_list_index_that_is_not_there_is_not_set(directory: Path) -> None:
    with pytest.raises(NotSet):
        write_settings(options(directory), {("apiserver", "auth", "fixed_users", "users", 3, "name"): "x"})


def test_rows_list_the_leaves_of_each_path_with_their_origin(directory: Path) -> None:
    view = compute(dirs_of(directory), {"CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED": "false"})
    found = rows(view, [WATCHDOG, ("apiserver", "nothing")])
    assert [(r.key[-1], r.value, r.label) for r in found] == [
        ("enabled", False, "env CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED"),
        ("threshold_sec", 7200, "default services/tasks.conf:3"),
        ("watch_interval_sec", 900, "default services/tasks.conf:4"),
        ("nothing", MISSING, "-"),
    ]
    assert [r.is_set for r in found] == [True, True, True, False]
    assert found[3].as_json() == {
        "key": "apiserver.nothing",
        "set": False,
        "value": None,
        "origin": None,
        "file": None,
        "line": None,
        "variable": None,
    }
    assert found[0].as_json()["variable"] == "CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED"


def test_invalid_names_each_value_the_server_cannot_use(tmp_path: Path) -> None:
    directory = config_dir(
        tmp_path / "c", {"services/tasks.conf": "non_responsive_tasks_watchdog.threshold_sec: 2 hours\n"}
    )
    view = compute(dirs_of(directory), {})
    assert len(invalid(rows(view, [WATCHDOG]))) == 1
    assert invalid(rows(compute(dirs_of(tmp_path / "none"), {}), [WATCHDOG])) == []


def test_servers_to_restart_follow_the_files_changed(tmp_path: Path) -> None:
    def change(name: str) -> Change:
        return Change(tmp_path / name, tmp_path / name, None, "")

    assert Outcome().servers_to_restart == []
    assert Outcome([change("fileserver.conf")]).servers_to_restart == ["fileserver"]
    assert Outcome([change("secure.conf"), change("services/tasks.conf")]).servers_to_restart == [
        "apiserver",
        "fileserver",
    ]


def test_options_make_a_transaction_as_told(tmp_path: Path) -> None:
    backed_up: set[Path] = set()
    tx = Options(dirs_of(tmp_path), {}, dry_run=True, backup=False, lock_timeout=2.5, backed_up=backed_up).transaction()
    assert (tx.dry_run, tx.backup, tx.lock_timeout, tx.backed_up is backed_up) == (True, False, 2.5, True)


def test_an_edit_refused_as_a_bug_an_unresolvable_one_and_the_rest_get_their_own_hints() -> None:
    hints = {
        edit_hint(HoconEditRefused("x")),
        edit_hint(HoconEditUnresolvable("x")),
        edit_hint(HoconEditError("x")),
        edit_hint(HoconEditError("x"), by_hand="edit it by hand"),
    }
    assert len(hints) == 4
