"""Secrets and permissions: the public default credentials, files others could change, and backups others can
read."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from ...errors import ConfigReadError
from ...hocon import Document, KeyPath, format_path
from ...io.atomic import backup_path
from ...io.reading import read_regular
from ...model import schema
from ...model.credentials import SECRETS, is_public_default, set_fresh
from .model import Context, Finding, Fix, LoadedEnv, LoadedFile, Severity


def check_secrets(context: Context) -> Iterator[Finding]:
    """A secret of secure.conf that still has a public value shipped with the server: in a file (fixable with a
    fresh value, written as ``secure --rotate`` writes it), or in a variable (which only its owner can change)."""
    for source in context.sources:
        for inner, value in schema.walk(source.tree, ()):
            path = source.key(inner)
            if not path or path[0] != "secure" or not schema.is_secret(path) or not is_public_default(value):
                continue
            fix = None
            hint = "clearml-cfg secure --rotate writes fresh values (and give the agents the new keys)"
            if isinstance(source, LoadedFile):
                fix = Fix(f"a fresh value for {format_path(path)}", source.path, edit=_fresh(inner, path), private=True)
            elif isinstance(source, LoadedEnv):
                hint = f"set {source.variable} to a fresh value where it is defined (no file wins over it)"
            yield source.finding(
                inner,
                "secure-default-credentials",
                Severity.WARNING,
                f"{format_path(path)} still has the public value shipped in clearml-server's defaults: "
                "anyone can read it on GitHub",
                hint,
                fix,
            )


def check_built_in_secrets(context: Context) -> Iterator[Finding]:
    """The secrets no file and no variable sets: the server then uses the public values built into it (a fresh
    install's config directory has no secure.conf at all). One finding for all of them."""
    if not any(directory.is_dir() for directory in context.dirs.dirs):
        return  # no configuration here at all: config-dir-missing says why
    unset = [s.path for s in SECRETS if not any(source.written(s.path) is not None for source in context.sources)]
    if not unset:
        return
    named = ", ".join(format_path(path) for path in unset[:2]) + (
        f" and {len(unset) - 2} more" if len(unset) > 2 else ""
    )
    yield Finding(
        "secure-default-credentials",
        Severity.WARNING,
        f"{named} are set in no file and no variable: the server uses the public values built into it, which "
        "anyone can read on GitHub",
        "clearml-cfg secure --rotate writes them with fresh values into secure.conf (and give the agents the new keys)",
        key=("secure",),  # one finding for all of them, whichever are left
    )


def _fresh(inner: KeyPath, path: KeyPath) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        set_fresh(document, inner, path)

    return edit


def check_permissions(context: Context) -> Iterator[Finding]:
    for directory in context.dirs.dirs:
        if directory.is_dir() and _writable_by_others(directory):
            mode = stat.S_IMODE(directory.stat().st_mode)
            yield Finding(
                "world-writable",
                Severity.WARNING,
                f"{directory} is writable by other users (mode {mode:o}): "
                "anyone could add a .conf file the server loads",
                f"chmod o-w {directory} (--fix does it)",
                directory,
                fix=Fix(f"chmod o-w {directory}", directory, mode=mode & ~0o002),
            )
    for loaded in context.files:
        if _writable_by_others(loaded.path):
            mode = stat.S_IMODE(os.stat(loaded.path).st_mode)
            yield Finding(
                "world-writable",
                Severity.WARNING,
                f"{loaded.file.relative} is writable by other users (mode {mode:o}): "
                "anyone could change the server's configuration",
                f"chmod o-w {loaded.path} (--fix does it)",
                loaded.path,
                fix=Fix(f"chmod o-w {loaded.path}", loaded.path, mode=mode & ~0o002),
            )


def check_backups(context: Context) -> Iterator[Finding]:
    """A NAME.conf.bak that others can read while it holds passwords or secrets. clearml-cfg makes its backups
    owner-only; older versions, copies by hand and other tools did not, and a backup outlives the secret's
    removal from the file itself."""
    from ...model.masking import mask_text

    seen: set[Path] = set()
    for loaded in context.files:
        backup = backup_path(loaded.path.resolve())
        if backup in seen:
            continue
        seen.add(backup)
        try:
            info = os.stat(backup)
            mode = stat.S_IMODE(info.st_mode)
            if not mode & 0o004 or not stat.S_ISREG(info.st_mode):
                continue
            text = read_regular(backup)[0].decode("utf-8-sig")
            holds_secret = mask_text(text, loaded.prefix) != text
        except (OSError, ConfigReadError, UnicodeDecodeError, ValueError):
            continue  # unreadable or not text: nothing to say about its content
        if holds_secret:
            yield Finding(
                "backup-readable",
                Severity.WARNING,
                f"{backup.name} keeps an earlier {loaded.file.relative} with passwords or secrets in it, and every "
                f"user of this machine can read it (mode {mode:o})",
                f"chmod 600 {backup} (--fix does), or delete it once you no longer need it",
                backup,
                fix=Fix(f"chmod 600 {backup}", backup, mode=mode & ~0o077),
            )


def _writable_by_others(path: os.PathLike[str]) -> bool:
    try:
        return bool(os.stat(path).st_mode & stat.S_IWOTH)
    except OSError:
        return False
