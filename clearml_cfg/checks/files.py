"""Files the server loads but never reads: sections outside its namespaces, backups left as *.conf."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from ..layout import KNOWN_NAMESPACES
from .model import Context, Finding, Severity

# `apiserver.old.conf`, `apiserver.conf.bak.conf`, `backup/apiserver.conf`, `apiserver-copy.conf`, ...
_BACKUP = re.compile(
    r"(^|[._\-/ ])(old|bak|backup|orig|copy|save|saved|prev|previous|tmp|~)([._\-/ ]|$)", re.IGNORECASE
)


def check_files(context: Context) -> Iterator[Finding]:
    for loaded in context.files:
        relative = loaded.file.relative
        stem = relative[: -len(".conf")]
        namespace = loaded.file.namespace
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
