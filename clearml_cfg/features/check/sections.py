"""Sections whose every key is known (SERVER-SEMANTICS §5-6 and the server's default files, keys shown commented
out included): any other key in them is a typo that the server silently ignores.

Only sections the server reads key by key are listed; sections that hold names of the user's choosing (storage
credentials, hosts, loggers) are not. A test checks the lists against ``../shared/reference``.
"""

from __future__ import annotations

from ...model import schema

FIXED_USERS = schema.FIXED_USERS
FIXED_USERS_KEYS = ("enabled", "pass_hashed", "users")

COMPLETE: dict[tuple[str, ...], tuple[str, ...]] = {
    ("apiserver", "listen"): ("ip", "port"),
    ("services", "tasks", "non_responsive_tasks_watchdog"): ("enabled", "threshold_sec", "watch_interval_sec"),
    FIXED_USERS: FIXED_USERS_KEYS,
}

# how close a typo must be to a known key for `did you mean`: in a complete section any unknown key is reported,
# so a looser match helps (`prot` -> `port`); elsewhere clearml_cfg.known decides what is a near miss
CLOSE_IN_COMPLETE = 0.6
