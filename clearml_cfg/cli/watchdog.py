"""watchdog: the non-responsive task watchdog."""

from __future__ import annotations

from typing import Annotated

import typer

from ..console import Console
from ..features.common import Row
from ..model.durations import describe_seconds, parse_duration
from ..model.values import show_value
from .command import Alias, add_commands
from .options import ConfigDir, Create, DryRun, Force, Json, NoBackup, Quiet, make_options
from .report import report
from .tables import show_rows


def register(app: typer.Typer, names: list[str]) -> None:
    add_commands(app, names, {"watchdog": watchdog_command}, watchdog=[Alias(("-t",), "--threshold")])


def watchdog_command(
    enable: Annotated[
        bool | None,
        typer.Option("--enable/--disable", help="Turn the watchdog on or off.", show_default=False),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            metavar="DURATION",
            help="Stop in-progress tasks that have not reported for this long (server default 2h). "
            "7200, 7200s, 90m, 2h, 1h30m or '2 hours'; written as whole seconds.",
            show_default=False,
        ),
    ] = None,
    interval: Annotated[
        str | None,
        typer.Option(
            "--interval",
            "-i",
            metavar="DURATION",
            help="How often the watchdog looks (server default 15m). Same forms as --threshold.",
            show_default=False,
        ),
    ] = None,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    force: Force = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    json_output: Json = False,
) -> None:
    """Show or change the non-responsive task watchdog.

    The watchdog stops in-progress tasks that stopped reporting. Without options: the watchdog as the server will run
    it, each value with where it comes from. With options: writes services.conf `tasks.non_responsive_tasks_watchdog`
    (or services/tasks.conf where that file exists). Durations are written as whole seconds: the server cannot read `2
    hours` there. Zero, negative, unreadable or longer than 10 years (3650d) is exit 2; an interval longer than the
    threshold is a warning.

    Example: clearml-cfg watchdog --threshold 3h --interval 10m
    """
    from ..features import watchdog

    console = Console(quiet=quiet)
    seconds_threshold = _seconds(threshold, "--threshold")
    seconds_interval = _seconds(interval, "--interval")
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    if enable is None and seconds_threshold is None and seconds_interval is None:
        current = watchdog.state(options)
        show_rows(console, current.rows, json_output=json_output, warnings=current.warnings, value=_with_duration)
        return
    outcome = watchdog.configure(options, enabled=enable, threshold=seconds_threshold, interval=seconds_interval)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def _seconds(text: str | None, option: str) -> int | None:
    from ..features.watchdog import check_duration

    return None if text is None else check_duration(parse_duration(text, option), option, text)


def _with_duration(row: Row) -> str:
    value = row.value
    if (
        row.key[-1] in ("threshold_sec", "watch_interval_sec")
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return f"{value} ({describe_seconds(value)})"
    return show_value(value)
