"""clearml-cfg watchdog through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import REFERENCE, needs_reference, pyhocon_plain

KEY = "services.tasks.non_responsive_tasks_watchdog"

SERVICES = """\
# our services.conf
tasks {
    non_responsive_tasks_watchdog {
        # stop tasks after two hours
        threshold_sec: 7200

        watch_interval_sec: 900  # fifteen minutes
    }
}
"""


def test_bare_shows_the_defaults_with_their_origin(cli: Run, config_dir: Path) -> None:
    result = cli("watchdog")
    assert result.code == 0, result
    assert result.out == (
        "KEY                                                              VALUE      ORIGIN\n"
        f"{KEY}.enabled             true       default\n"
        f"{KEY}.threshold_sec       7200 (2h)  default\n"
        f"{KEY}.watch_interval_sec  900 (15m)  default\n"
    )
    assert result.err == ""
    assert not any(config_dir.iterdir())  # showing changes nothing, not even a lock file


def test_bare_json_names_file_line_and_variable(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    env = {"CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED": "false"}
    result = cli("watchdog", "--json", env=env)
    assert result.code == 0, result
    assert json.loads(result.out) == {
        "settings": [
            {
                "key": f"{KEY}.enabled",
                "set": True,
                "value": False,
                "origin": "env CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED",
                "file": None,
                "line": None,
                "variable": "CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED",
            },
            {
                "key": f"{KEY}.threshold_sec",
                "set": True,
                "value": 7200,
                "origin": "services.conf:5",
                "file": str(config_dir / "services.conf"),
                "line": 5,
                "variable": None,
            },
            {
                "key": f"{KEY}.watch_interval_sec",
                "set": True,
                "value": 900,
                "origin": "services.conf:7",
                "file": str(config_dir / "services.conf"),
                "line": 7,
                "variable": None,
            },
        ],
        "warnings": [],
    }


def test_bare_warns_about_a_value_the_server_cannot_use(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n")
    result = cli("watchdog")
    assert result.code == 0, result
    assert f"{KEY}.threshold_sec       2 hours    services.conf:1\n" in result.out
    warning, hint = result.err.splitlines()
    assert warning.startswith(f"warning: {KEY}.threshold_sec ") and warning.endswith("(set at services.conf:1)")
    assert hint == f"hint: write 7200: clearml-cfg set {KEY}.threshold_sec 7200"


def test_set_everything_keeps_comments_and_layout(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("watchdog", "--disable", "--threshold", "1h30m", "--interval", "10m")
    assert result.code == 0, result
    assert (
        path.read_text()
        == """\
# our services.conf
tasks {
    non_responsive_tasks_watchdog {
        # stop tasks after two hours
        threshold_sec: 5400

        watch_interval_sec: 600  # fifteen minutes
        enabled: false
    }
}
"""
    )
    assert (config_dir / "services.conf.bak").read_text() == SERVICES
    assert "note: threshold: 5400 seconds (1h30m)" in result.err
    assert "note: interval: 600 seconds (10m)" in result.err
    assert "updated " in result.err and "restart apiserver" in result.err
    assert pyhocon_plain(path.read_text())["tasks"]["non_responsive_tasks_watchdog"] == {
        "threshold_sec": 5400,
        "watch_interval_sec": 600,
        "enabled": False,
    }
    shown = cli("watchdog").out.splitlines()
    assert shown[1].split() == [f"{KEY}.enabled", "false", "services.conf:8"]
    assert shown[2].split() == [f"{KEY}.threshold_sec", "5400", "(1h30m)", "services.conf:5"]


def test_a_new_file_gets_the_documented_block(cli: Run, config_dir: Path) -> None:
    result = cli("watchdog", "--enable", "--threshold", "2 hours", "--interval", "900s")
    assert result.code == 0, result
    assert (config_dir / "services.conf").read_text() == (
        "tasks {\n    non_responsive_tasks_watchdog {\n        enabled: true\n        threshold_sec: 7200\n"
        "        watch_interval_sec: 900\n    }\n}\n"
    )


def test_it_writes_services_tasks_conf_when_that_file_exists(cli: Run, config_dir: Path) -> None:
    services = write(config_dir / "services.conf", SERVICES)
    tasks = write(config_dir / "services" / "tasks.conf", "# tasks only\n")
    assert cli("watchdog", "--threshold", "3h").code == 0
    assert services.read_text() == SERVICES
    assert tasks.read_text() == "# tasks only\n\nnon_responsive_tasks_watchdog {\n    threshold_sec: 10800\n}\n"
    assert "services/tasks.conf:4" in cli("watchdog").out


def test_running_it_again_changes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("watchdog", "--threshold", "2h", "--interval", "15m")
    assert result.code == 0
    assert "unchanged" in result.err
    assert path.read_text() == SERVICES
    assert not (config_dir / "services.conf.bak").exists()


def test_interval_longer_than_threshold_is_a_warning(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("watchdog", "--interval", "3h")  # the threshold stays 7200
    assert result.code == 0, result
    assert "warning: the watchdog checks every 10800 s (3h), longer than the threshold of 7200 s (2h)" in result.err
    assert "watch_interval_sec: 10800  # fifteen minutes" in path.read_text()
    assert "longer than the threshold" in cli("watchdog").err  # and the bare view says so too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "0"], "--threshold must be positive"),
        (["--threshold", "-5"], "--threshold must be positive"),
        (["--threshold", "-1h"], "--threshold must be positive"),
        (["--interval", "soon"], "--interval: cannot read 'soon'"),
        (["--interval", "0.5s"], "--interval must be a whole number of seconds"),
        (["--threshold", "3 fortnights"], "--threshold: unknown unit 'fortnights'"),
        (["--enable", "--threshold", "2h", "--interval", "0"], "--interval must be positive"),
        (["--threshold", "999999999999w"], "--threshold 999999999999w is 604799999999395200 seconds, more than"),
        (["--interval", "3651d"], "--interval 3651d is 315446400 seconds, more than the 315360000 (3650d, 10 years)"),
    ],
)
def test_bad_durations_are_exit_2_and_write_nothing(cli: Run, config_dir: Path, args: list[str], message: str) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("watchdog", *args)
    assert result.code == 2, result
    assert result.err.startswith(f"error: {message}")
    assert "hint: " in result.err
    assert path.read_text() == SERVICES
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]


def test_ten_years_is_the_longest_wait(cli: Run, config_dir: Path) -> None:
    result = cli("watchdog", "--threshold", "3650d", "--interval", "315360000")
    assert result.code == 0, result
    assert "threshold_sec: 315360000" in (config_dir / "services.conf").read_text()
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 604799999999395200\n")
    shown = cli("watchdog")
    assert f"warning: {KEY}.threshold_sec must be at most 315360000 seconds (10 years)" in shown.err
    refused = cli("set", f"{KEY}.watch_interval_sec", "999999999999")
    assert refused.code == 2 and "must be at most 315360000 seconds" in refused.err


def test_dry_run_quiet_and_json(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    dry = cli("watchdog", "--threshold", "1h", "--dry-run")
    assert dry.code == 0
    assert "+        threshold_sec: 3600" in dry.err and "would update" in dry.err
    assert path.read_text() == SERVICES
    quiet = cli("watchdog", "--threshold", "1h", "--quiet", "--no-backup")
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    assert not (config_dir / "services.conf.bak").exists()
    report = json.loads(cli("watchdog", "--threshold", "2h", "--json").out)
    assert report["changed"][0]["path"] == str(config_dir / "services.conf")
    assert report["dry_run"] is False


def test_an_environment_variable_that_wins_is_a_warning(cli: Run, config_dir: Path) -> None:
    env = {"CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC": "60"}
    result = cli("watchdog", "--threshold", "3h", env=env)
    assert result.code == 0, result
    assert (
        f"warning: {KEY}.threshold_sec still reads 60: env "
        "CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC wins over what was written"
    ) in result.err
    dry = cli("watchdog", "--threshold", "4h", "--dry-run", env=env)
    assert "would still read 60" in dry.err


def test_a_bad_config_file_is_exit_3(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "tasks {\n")
    result = cli("watchdog", "--threshold", "1h")
    assert result.code == 3, result
    assert path.read_text() == "tasks {\n"


def test_the_reference_example_is_real(cli: Run) -> None:
    from helpers import COMMANDS_DOC

    reference = COMMANDS_DOC.read_text(encoding="utf-8")
    block = reference.split("```console\n$ clearml-cfg watchdog\n", 1)[1].split("```", 1)[0]
    assert cli("watchdog").out == block


def test_a_bad_variable_stops_the_view_not_the_edit(cli: Run, config_dir: Path) -> None:
    env = {"CLEARML__APISERVER__X": "x = 1"}  # the server would not start with it
    shown = cli("watchdog", env=env)
    assert shown.code == 3
    assert "CLEARML__APISERVER__X=" in shown.err
    written = cli("watchdog", "--threshold", "1h", env=env)
    assert written.code == 0, written
    assert "threshold_sec: 3600" in (config_dir / "services.conf").read_text()


@needs_reference
def test_on_the_docs_example_services_conf(cli: Run, config_dir: Path) -> None:
    example = (REFERENCE / "clearml-server" / "docs" / "services.conf").read_text(encoding="utf-8")
    path = write(config_dir / "services.conf", example)
    result = cli("watchdog", "--threshold", "3h", "--disable")
    assert result.code == 0, result
    after = path.read_text()
    assert (
        after.replace("threshold_sec: 10800", "threshold_sec: 7200").replace("        enabled: false\n", "") == example
    )
    assert [line for line in example.splitlines() if "#" in line] == [
        line for line in after.splitlines() if "#" in line
    ]
    assert pyhocon_plain(after)["tasks"]["non_responsive_tasks_watchdog"]["enabled"] is False
