"""Directories and files: a config directory that is not there, files the server loads but never reads
(sections outside its namespaces, backups left as *.conf)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from ...model.layout import KNOWN_NAMESPACES, missing_dirs, refuse_missing
from ...views.server_reading import url_includes
from .model import Context, Finding, Severity

# `apiserver.old.conf`, `apiserver.conf.bak.conf`, `backup/apiserver.conf`, `apiserver-copy.conf`, ...
_BACKUP = re.compile(
    r"(^|[._\-/ ])(old|bak|backup|orig|copy|save|saved|prev|previous|tmp|~)([._\-/ ]|$)", re.IGNORECASE
)


def check_dirs(context: Context) -> Iterator[Finding]:
    """A directory given that is not there (of the default list, none there: /opt/trains/config alone is usually
    absent, and that is fine): the server skips it, and runs without that configuration. The rule every read and
    write refuses by (``model.layout.missing_dirs``)."""
    for directory in missing_dirs(context.dirs):
        error = refuse_missing(context.dirs, directory)
        yield Finding(
            error.code,
            Severity.ERROR,
            f"{error.message}: the server skips it and runs without the configuration meant to be there",
            error.hint or "",
            directory,
        )


def check_files(context: Context) -> Iterator[Finding]:
    for loaded in context.files:
        for location, url in url_includes(loaded.document):
            yield Finding(
                "include-url",
                Severity.WARNING,
                f"the server fetches {url} at every start (an `include`), and cannot start while it is unreachable "
                "if the include is required; clearml-cfg never fetches it, so nothing it brings is checked",
                "copy what it serves into a .conf file of the config directory, so that the configuration is on "
                "disk and checked",
                loaded.path,
                location.line,
                location.column,
            )
        relative = loaded.file.relative
        stem = relative[: -len(".conf")]
        namespace = str(loaded.key(())[0]) if loaded.prefix else ""  # `-apiserver.conf` replaces `apiserver`
        if _BACKUP.search(stem):
            yield Finding(
                "backup-file-loaded",
                Severity.WARNING,
                f"{relative} looks like a backup, but it ends in .conf, so the server loads it "
                f"(under the key {'.'.join(loaded.file.prefix)})",
                f"rename it so that it does not end in .conf (e.g. {relative}.bak), "
                f"or move it out of {loaded.file.directory}",
                loaded.path,
            )
        elif namespace not in KNOWN_NAMESPACES:
            close = difflib.get_close_matches(namespace, KNOWN_NAMESPACES, n=1)
            yield Finding(
                "unknown-namespace",
                Severity.WARNING,
                f"{relative} is loaded as {'.'.join(loaded.file.prefix)}.*, which no server code reads",
                f"did you mean {close[0]}.conf?" if close else f"the server reads {', '.join(KNOWN_NAMESPACES)}",
                loaded.path,
            )
