"""What a command works with, from its options and the environment: the config directories, the lock timeout.

No Typer here: the commands answered without building the Typer application (``fast.py``) use it too.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from ..errors import UsageError
from ..io.locking import DEFAULT_LOCK_TIMEOUT
from ..model.layout import ConfigDirs, config_dirs

if TYPE_CHECKING:  # add-user reads its settings before it loads the feature modules (cli/add_user.py)
    from ..features.base import Options


def lock_timeout(env: dict[str, str]) -> float:
    raw = env.get("CLEARML_CFG_LOCK_TIMEOUT")
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    hint = f"set it to a number of seconds, e.g. CLEARML_CFG_LOCK_TIMEOUT=30 (unset: {DEFAULT_LOCK_TIMEOUT:g})"
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"CLEARML_CFG_LOCK_TIMEOUT={raw!r} is not a number of seconds", hint) from None
    if not value >= 0:  # also NaN
        raise UsageError(f"CLEARML_CFG_LOCK_TIMEOUT={raw!r} must be zero or more seconds", hint)
    return value


class Settings(NamedTuple):
    """What the options of a command are made from: all that making them can refuse or warn about."""

    dirs: ConfigDirs
    env: dict[str, str]
    lock_timeout: float


def read_settings(config_dir: str | None, *, quiet: bool = False) -> Settings:
    """The config directories and the environment; warns (on stderr) about a directory list the server reads
    oddly, refuses a bad CLEARML_CFG_LOCK_TIMEOUT."""
    env = dict(os.environ)
    dirs = config_dirs(config_dir, env)
    if dirs.warnings and not quiet:
        from ..console import Console

        for warning in dirs.warnings:
            Console().warn(warning)
    return Settings(dirs, env, lock_timeout(env))


def make_options(
    config_dir: str | None,
    *,
    dry_run: bool = False,
    backup: bool = True,
    force: bool = False,
    quiet: bool = False,
    create: bool | None = None,
    settings: Settings | None = None,
) -> Options:
    """The options every command works with (``settings``: read already, with ``read_settings``).

    ``create``: None for a command that only reads (its directories must exist), else whether a write may create
    the winning directory (--create; the server's default one is always created)."""
    from ..features.base import Options

    dirs, env, timeout = settings if settings is not None else read_settings(config_dir, quiet=quiet)
    return Options(dirs=dirs, env=env, dry_run=dry_run, backup=backup, force=force, lock_timeout=timeout, create=create)
