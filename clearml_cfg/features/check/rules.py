"""The rules every write obeys: the findings of `check`, applied to the configuration as an edit leaves it.

A write judges the sections it touches, and the few every rule reads (web login, cookies, CORS, UI actions,
secrets, what tells HTTPS), before and after its edit, with the same checkers `check` runs. A finding the edit
adds refuses the write when it is an error (exit 2, nothing written) unless ``--force``, and is shown after the
diff when it is a warning; a finding that was there before is not the edit's doing. So an edit never leaves
`check` with more errors than it found.

Judging a few sections reads each file with our own parser (the effective view ``along`` those keys), which is
what makes this cheap enough to run on every write: a 50,000-line file is pruned, not walked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ...errors import IncludeDecides, UsageError
from ...hocon import KeyPath, format_path, strict_equal
from ...model import schema
from ...model.keys import MISSING, lookup
from ...model.layout import component_of
from ...views.snapshot import Snapshot
from .model import Finding, Severity
from .run import run_checks

#: Sections some checker reads whatever the edit: the web login as a whole, cookies and what tells HTTPS,
#: CORS of both servers, UI actions, and the secrets.
ALWAYS: tuple[KeyPath, ...] = (
    schema.FIXED_USERS,
    schema.COOKIES,
    ("apiserver", "cors"),
    ("fileserver", "cors"),
    schema.UI_ACTIONS,
    ("hosts", "fileserver"),
    ("services", "async_urls_delete", "fileserver", "url_prefixes"),
    ("secure",),
)


class Refused(UsageError):
    """A write that would add an error `check` reports; ``findings`` are those errors."""

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        # A hint that says "--fix does it" speaks of a file that has the problem; nothing was written here, so
        # the fix itself is the advice.
        hint = first.fix.description if first.fix is not None and first.fix.edit is not None else first.hint
        super().__init__(
            f"{_where(first)}{first.message} [{first.code}]{more}; nothing was written",
            f"{hint}{' ' if hint.endswith(('?', '.')) else '; '}--force writes it anyway",
            detail="\n".join(f"  {_where(f)}{f.message} [{f.code}]" for f in findings[1:]) or None,
        )
        self.findings = findings
        self.code = first.code


def _where(finding: Finding) -> str:
    """Where a refused finding is: its variable, or its file (not the line: nothing was written, so the line
    is one of a text that does not exist). The message names the key."""
    if finding.variable is not None:
        return f"{finding.variable}: "
    return f"{finding.file.name}: " if finding.file is not None else ""


def focus(edited: Iterable[KeyPath]) -> list[KeyPath]:
    """What an edit of ``edited`` can change findings about: each key's parent section (its siblings, a closed
    set of keys), and the sections every rule reads."""
    return list(dict.fromkeys([*_sections(edited), *ALWAYS]))


def _sections(edited: Iterable[KeyPath]) -> list[KeyPath]:
    """The section each edited key belongs to: its siblings are a closed set of keys."""
    return list(dict.fromkeys(path[:-1] if len(path) > 2 else path for path in edited))


def refuse_what_includes_decide(snapshot: Snapshot, sections: Sequence[KeyPath]) -> None:
    """Refuse (IncludeDecides) to edit ``sections`` when an included file sets part of them: the server reads
    them with the include followed (pyhocon), our view of the files without. Costs nothing without includes."""
    view = snapshot.files
    including = [
        loaded.file.path
        for config_file in view.files()
        if (loaded := view.loaded(config_file)) is not None
        and any(i.kind not in ("url", "package") for _, _, i in loaded.document.include_statements())
    ]
    if not including:
        return
    for section in sections:
        component = component_of(section)
        ours = lookup(snapshot.effective(component, ignore_bad_env=True, along=[section]).tree, section, MISSING)
        server = lookup(snapshot.effective(component, ignore_bad_env=True).tree, section, MISSING)
        if not strict_equal(ours, server):
            raise IncludeDecides(
                f"{including[0]} includes a file that sets {format_path(section)}, which clearml-cfg's edits cannot "
                "reach: the server would read something else than what was written; nothing was written",
                "change the included file by hand (clearml-cfg edit FILE checks it), or move the settings into the "
                "file that includes it",
            )


class Rules:
    """The findings before an edit, to judge the configuration after it (the snapshot's documents are the ones
    the transaction edits, so the same snapshot shows both)."""

    def __init__(self, snapshot: Snapshot, edited: Iterable[KeyPath] | None) -> None:
        """``edited``: the keys the edit sets or removes; None for an edit that can change anything (whole files
        given a new text), judged over the whole configuration."""
        self.snapshot = snapshot
        edited = None if edited is None else list(edited)
        self.along = None if edited is None else focus(edited)
        if edited is not None:
            refuse_what_includes_decide(snapshot, _sections(edited))
        self.before = self._findings()

    def _findings(self) -> list[Finding]:
        snapshot = self.snapshot
        return run_checks(snapshot.dirs, snapshot.env, reader=snapshot.reader, along=self.along)

    def verdict(self, *, force: bool) -> list[str]:
        """Refuse (Refused) when the edit adds an error, unless ``force``; the warnings it adds, to show."""
        new = added(self.before, self._findings())
        errors = [f for f in new if f.severity is Severity.ERROR]
        if errors and not force:
            raise Refused(errors)
        shown = [f"{f.where()}: {f.message} [{f.code}]; {f.hint}" for f in new if f.severity is Severity.WARNING]
        shown += [f"written anyway (--force): {f.where()}: {f.message} [{f.code}]" for f in errors]
        return shown


# A message may name a line of a file ("as written in /x/apiserver.conf:12"); a line that moved is no new problem.
_LINE_IN_MESSAGE = re.compile(r"(\.conf):\d+(?::\d+)?")


def _identity(finding: Finding) -> tuple[object, ...]:
    """What makes a finding the same before and after an edit: its code, where, and the key it is about, but not
    its line, nor a list index (removing an entry moves both for the ones after it). Findings are counted, so an
    edit that adds a second broken entry to a list still adds a finding."""
    if finding.key is None:
        message = _LINE_IN_MESSAGE.sub(r"\1", finding.message)
        return (finding.code, finding.severity, str(finding.file or ""), finding.variable, message)
    key = tuple(segment for segment in finding.key if not isinstance(segment, int))
    return (finding.code, finding.severity, str(finding.file or ""), finding.variable, key)


def added(before: Sequence[Finding], after: Sequence[Finding]) -> list[Finding]:
    """The findings of ``after`` beyond those of ``before`` (as many as there are more of each): what an edit
    added. The rule of every write and of ``edit``."""
    remaining = Counter(_identity(f) for f in before)
    found = []
    for finding in after:
        identity = _identity(finding)
        if remaining[identity]:
            remaining[identity] -= 1
        else:
            found.append(finding)
    return found
