"""What a command works with, from its options and the environment: the config directories, the lock timeout.

No Typer here: the commands answered without building the Typer application (``fast.py``) use it too.
"""

from __future__ import annotations

import os

from ..errors import UsageError
from ..features.common import Options
from ..io.locking import DEFAULT_LOCK_TIMEOUT
from ..model.layout import config_dirs


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


def make_options(
    config_dir: str | None, *, dry_run: bool = False, backup: bool = True, force: bool = False, quiet: bool = False
) -> Options:
    """The options every command works with; warns (on stderr) about a directory list the server reads oddly."""
    env = dict(os.environ)
    dirs = config_dirs(config_dir, env)
    if dirs.warnings and not quiet:
        from ..console import Console

        for warning in dirs.warnings:
            Console().warn(warning)
    return Options(
        dirs=dirs,
        env=env,
        dry_run=dry_run,
        backup=backup,
        force=force,
        lock_timeout=lock_timeout(env),
    )
