"""features/explain.py: every layer that sets a key, the one that wins and why, and what will not work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of
from helpers import DATA

from clearml_cfg.features.explain import Explanation, explain, removed_by
from clearml_cfg.model.keys import MISSING
from clearml_cfg.views.effective import Effective, compute

DEFAULTS = DATA / "effective" / "defaults"
PORT = ("apiserver", "listen", "port")
CORS = ("apiserver", "cors")


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "cors { origins: a, max_age: 5 }\nlisten.port: 1\n"})
    high = config_dir(tmp_path / "high", {"apiserver.conf": "# high\n-cors { origins: b }\nlisten.port: 2\n"})
    return low, high


def view(*directories: Path, env: dict[str, str] | None = None) -> Effective:
    return compute(dirs_of(*directories), env or {}, defaults_dir=DEFAULTS)


def steps(explanation: Explanation) -> list[tuple[str, str, Any, bool, bool]]:
    return [(s.origin.kind, s.how, s.value, s.wins, s.merged) for s in explanation.steps]


def test_each_layer_in_order_and_the_last_one_wins(two: tuple[Path, Path]) -> None:
    env = {"CLEARML__APISERVER__LISTEN__PORT": "3"}
    result = explain(view(*two, env=env), PORT, env)
    assert (result.value, result.origin, result.component) == (3, "env CLEARML__APISERVER__LISTEN__PORT", "apiserver")
    assert steps(result) == [
        ("default", "sets", 8008, False, False),
        ("file", "sets", 1, False, False),
        ("file", "sets", 2, False, False),
        ("env", "sets", 3, True, False),
    ]
    assert [(s.origin.file, s.origin.line) for s in result.steps[1:3]] == [
        (two[0] / "apiserver.conf", 2),
        (two[1] / "apiserver.conf", 3),
    ]
    reasons = [s.reason for s in result.steps]
    assert reasons[0] and all(reasons) and len(set(reasons)) == 4  # each step says its own why


def test_the_same_value_again_is_told_apart(tmp_path: Path) -> None:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "listen.port: 1\n"})
    high = config_dir(tmp_path / "high", {"apiserver.conf": "listen.port: 1\n"})
    result = explain(view(low, high), PORT, {})
    assert result.steps[2].reason != explain(view(low), PORT, {}).steps[1].reason


def test_a_dash_key_replaces_the_section_and_removes_what_it_does_not_hold(two: tuple[Path, Path]) -> None:
    effective = view(*two)
    origins = explain(effective, (*CORS, "origins"), {})
    assert steps(origins)[-1] == ("file", "replaces", "b", True, False)
    removed = explain(effective, (*CORS, "supports_credentials"), {})
    assert not removed.is_set and removed.value is MISSING
    assert steps(removed) == [("default", "sets", True, False, False), ("file", "replaces", MISSING, False, False)]
    remover = removed_by(effective, (*CORS, "supports_credentials"))
    assert remover is not None and (remover.file, remover.line) == (two[1] / "apiserver.conf", 2)
    assert removed_by(effective, (*CORS, "origins")) is None


def test_a_section_is_merged_from_several_layers_until_a_replacement(two: tuple[Path, Path]) -> None:
    effective = view(*two)
    listen = explain(effective, ("apiserver", "listen"), {})
    assert listen.origin is None  # an object: the rows say where each part comes from
    assert [(s.wins, s.merged) for s in listen.steps] == [(False, True)] * 3
    cors = explain(effective, CORS, {})
    assert [(s.how, s.wins, s.merged) for s in cors.steps] == [
        ("sets", False, False),
        ("sets", False, False),
        ("replaces", True, False),
    ]


def test_a_parent_set_to_a_value_removes_the_key(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "listen: off\n"})
    effective = view(directory)
    result = explain(effective, PORT, {})
    assert not result.is_set
    assert steps(result)[-1] == ("file", "parent", MISSING, False, False)
    remover = removed_by(effective, PORT)
    assert remover is not None and remover.line == 1


def test_a_section_removed_then_written_again_is_won_by_what_wrote_it_again(tmp_path: Path) -> None:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "auth: off\n"})
    high = config_dir(tmp_path / "high", {"apiserver.conf": "auth.cookies.domain: x\n"})
    result = explain(view(low, high), ("apiserver", "auth", "cookies"), {})
    assert result.value == {"domain": "x"}
    assert steps(result) == [
        ("default", "sets", result.steps[0].value, False, False),
        ("file", "parent", MISSING, False, False),
        ("file", "sets", {"domain": "x"}, True, False),
    ]


def test_a_key_nothing_sets(two: tuple[Path, Path]) -> None:
    result = explain(view(*two), ("apiserver", "nothing", "here"), {})
    assert (result.is_set, result.steps) == (False, [])


@pytest.mark.parametrize(
    ("files", "key", "warned"),
    [
        ({"apiserver.conf": "auth.fixed_user.enabled: true\n"}, ("apiserver", "auth", "fixed_user", "enabled"), 1),
        ({}, ("apiserver", "auth", "fixed_users", "enabeld"), 1),  # not set: did you mean
        ({}, ("apiserver", "auth", "cookies", "secure"), 0),
        ({}, ("apisrever", "x"), 1),  # no server code reads it
        ({"backup/apiserver.conf": "listen.port: 1\n"}, ("backup", "apiserver", "listen", "port"), 1),
        ({"backup/apiserver.conf": "listen.port: 1\n"}, PORT, 1),  # the file sets backup.apiserver...
    ],
)
def test_what_no_server_code_reads_is_warned(
    tmp_path: Path, files: dict[str, str], key: tuple[str, ...], warned: int
) -> None:
    effective = view(config_dir(tmp_path / "c", files))
    result = explain(effective, key, {})
    assert len(result.warnings) - len(effective.warnings) == warned


def test_a_variable_with_a_miscased_prefix_is_named_for_its_key(two: tuple[Path, Path]) -> None:
    env = {"clearml__apiserver__listen__port": "4", "Clearml__apiserver__other": "5"}
    effective = view(*two, env=env)
    result = explain(effective, PORT, env)
    assert len(result.warnings) - len(effective.warnings) == 1
    assert result.value == 2


def test_connection_variables_and_the_file_servers_cors_are_noted(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "cors.origins: x\n"})
    effective = view(directory)
    env = {"CLEARML_MONGODB_SERVICE_HOST": "db", "MONGODB_SERVICE_PORT": "27018"}
    assert len(explain(effective, ("hosts", "mongo", "backend", "host"), env).notes) == 2
    assert explain(effective, ("hosts", "elastic"), env).notes == []
    assert len(explain(effective, ("fileserver", "cors", "origins"), {}).notes) == 1
    both = view(config_dir(tmp_path / "d", {"apiserver.conf": "cors.origins: x\n", "fileserver.conf": "cors.a: 1\n"}))
    assert explain(both, ("fileserver", "cors", "origins"), {}).notes == []


def test_the_defaults_note_and_the_views_warnings_are_carried(tmp_path: Path) -> None:
    effective = compute(dirs_of(tmp_path / "missing"), {"clearml__x": "1"})
    result = explain(effective, PORT, {})
    assert result.defaults_note == effective.defaults_note and result.defaults_note
    assert result.warnings[: len(effective.warnings)] == effective.warnings and len(effective.warnings) == 2


def test_a_section_of_the_defaults_names_its_file(two: tuple[Path, Path]) -> None:
    first = explain(view(*two), ("services", "tasks", "non_responsive_tasks_watchdog"), {}).steps[0]
    assert (first.origin.kind, first.origin.relative) == ("default", "services/tasks.conf")
