"""Secrets and permissions: the public default credentials, files others could change, and backups others can
read."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ...errors import ConfigReadError
from ...hocon import format_path
from ...io.atomic import backup_path
from ...io.reading import read_regular
from ...model import schema
from .model import Context, Finding, Fix, Severity

# SHA-256 of the credentials shipped in clearml-server's default secure.conf (public, so they protect nothing).
# Digests, not the values: a test checks them against ../shared/reference where it exists.
PUBLIC_DEFAULT_DIGESTS = frozenset(
    {
        "b6bcb89784ec109857797236fae867027664aa0ae51f5b086ebcfc9409217930",  # auth.token_secret
        "243dc384849c2f27b1e4edd40a2e5f54e107c0cdd35f75e0189db26cc47a84b6",  # credentials.apiserver.user_key
        "e734a805d77c509f1e3db0e8a0c2d7f87d112d6c9ec505fd2b0a27b29b267e1b",  # credentials.apiserver.user_secret
        "984d287f13525ae89ed2a886fca2580b250bef0a25017f5bdd44ac8bcb7c852b",  # credentials.fileserver.user_key
        "12a64aebc6b32ca86da4e1d346917f43256340530f49940cf863636bd51f723a",  # credentials.fileserver.user_secret
        "397d5a1d9bc2b9202cc9c88fe409e9a86e4225e16596e6d8d19bf28d246515c4",  # credentials.tests.user_key
        "de7c1fce12119657e43f4b95961403f8a01c117c18f7d7cb662d2969b9bb4e01",  # credentials.tests.user_secret
        "5b5bdac1a0d4cf22022368baa10c1bac2818e80074b149cafbba2be8f8b312b9",  # credentials.webserver.user_key
        "a1e4036636b52f2c4b0f7fca7d1af9086efe56dd47dc20ffca867cf3c7378a2f",  # credentials.webserver.user_secret
        "98098dd7eb042c94fbd83e1e3979a9cb3aef3e23a0d94679c0ac3118759bebea",  # http.session_secret.apiserver
    }
)


def is_public_default(value: object) -> bool:
    return isinstance(value, str) and hashlib.sha256(value.encode("utf-8")).hexdigest() in PUBLIC_DEFAULT_DIGESTS


def check_secrets(context: Context) -> Iterator[Finding]:
    for loaded in context.files:
        if loaded.file.namespace != "secure":
            continue
        for inner, value in schema.walk(loaded.tree, ()):
            path = (*loaded.file.prefix, *inner)
            if schema.is_secret(path) and is_public_default(value):
                yield context.finding_at(
                    loaded,
                    inner,
                    "secure-default-credentials",
                    Severity.WARNING,
                    f"{format_path(path)} still has the public value shipped in clearml-server's defaults: "
                    "anyone can read it on GitHub",
                    "generate new values for the credentials and secrets in secure.conf "
                    "(and give the agents the new keys)",
                )


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
