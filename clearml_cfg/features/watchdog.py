"""The non-responsive task watchdog: `services.tasks.non_responsive_tasks_watchdog` (SERVER-SEMANTICS §6).

The server stops in-progress tasks that have not reported for ``threshold_sec`` seconds, checking every
``watch_interval_sec`` seconds. Both must be plain numbers: the server builds ``timedelta(seconds=...)`` from them.
The keys live in ``services.conf`` (under ``tasks { ... }``), or in ``services/tasks.conf`` where that file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..hocon import KeyPath
from ..model.durations import describe_seconds
from ..model.keys import MISSING
from ..model.schema import MAX_SECONDS
from .common import Options, Outcome, Row, current, invalid, rows, value_of, write_settings

SECTION: KeyPath = ("services", "tasks", "non_responsive_tasks_watchdog")
ENABLED: KeyPath = (*SECTION, "enabled")
THRESHOLD: KeyPath = (*SECTION, "threshold_sec")
INTERVAL: KeyPath = (*SECTION, "watch_interval_sec")
KEYS = (ENABLED, THRESHOLD, INTERVAL)


@dataclass
class State:
    rows: list[Row]
    warnings: list[str]


def state(options: Options) -> State:
    """The watchdog as the server will run it, each value with where it comes from."""
    effective = current(options)
    found = rows(effective, KEYS)
    return State(found, invalid(found) + _check(value_of(effective, THRESHOLD), value_of(effective, INTERVAL)))


def check_duration(seconds: int, option: str, text: str) -> int:
    """Refuse a duration the server cannot wait for: ``timedelta(seconds=...)`` overflows at 999999999 days, and
    long before that a watchdog that never acts is better disabled."""
    if seconds > MAX_SECONDS:
        raise UsageError(
            f"{option} {text} is {seconds} seconds, more than the {MAX_SECONDS} ({describe_seconds(MAX_SECONDS)}, "
            "10 years) the watchdog can wait",
            f"write at most {describe_seconds(MAX_SECONDS)}; to stop the watchdog, use --disable",
        )
    return seconds


def configure(options: Options, *, enabled: bool | None, threshold: int | None, interval: int | None) -> Outcome:
    """Write the settings given (whole seconds, already parsed); warn when the result makes little sense."""
    values: dict[KeyPath, Any] = {}
    if enabled is not None:
        values[ENABLED] = enabled
    if threshold is not None:
        values[THRESHOLD] = threshold
    if interval is not None:
        values[INTERVAL] = interval
    outcome, after = write_settings(options, values)
    effective = current(after, for_write=True)
    final_threshold = threshold if threshold is not None else value_of(effective, THRESHOLD)
    final_interval = interval if interval is not None else value_of(effective, INTERVAL)
    outcome.warnings.extend(_check(final_threshold, final_interval))
    for path, label in ((THRESHOLD, "threshold"), (INTERVAL, "interval")):
        if path in values and outcome.changes:  # how the DURATION was read; "unchanged" says enough otherwise
            outcome.notes.append(f"{label}: {values[path]} seconds ({describe_seconds(values[path])})")
    return outcome


def _check(threshold: Any, interval: Any) -> list[str]:
    if not all(isinstance(v, int) and not isinstance(v, bool) and v is not MISSING for v in (threshold, interval)):
        return []
    if interval > threshold:
        return [
            f"the watchdog checks every {interval} s ({describe_seconds(interval)}), longer than the threshold of "
            f"{threshold} s ({describe_seconds(threshold)}): a silent task may run up to "
            f"{threshold + interval} s ({describe_seconds(threshold + interval)}) before it is stopped; "
            "make --interval shorter than --threshold"
        ]
    return []
