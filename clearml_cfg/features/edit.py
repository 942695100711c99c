"""edit: a hand edit with the tool's safety, as visudo, crontab -e and kubectl edit give one.

The file is copied into a private temporary directory; the person (or an EDITOR script) edits the copy. What comes
back must parse, and `check` runs on the whole configuration as it would be with it: the errors it did not report
before are the edit's. Only then is the copy installed, through the same transaction as every write, and only if
the file on disk still holds the bytes the copy was made from: a change made meanwhile is never overwritten.
The editor itself and every question are the command line's (``cli/edit.py``); this module decides.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CfgError, ConfigReadError, ExitCode, Message, WriteError
from ..io.reading import parse_document, read_text
from ..model.layout import ConfigDirs, ConfigFile
from .check.model import Finding, Severity
from .check.rules import added
from .check.run import UNREADABLE, copy_dirs, run_checks
from .common import Options, Outcome
from .export_variables import holds_secrets
from .locate import config_file, current_bytes

#: Every line of the note put at the top of a copy re-opened after a failed check starts with this; the note is
#: removed again before the copy is read (kubectl edit does the same).
MARK = "#|"


class ChangedMeanwhile(WriteError):
    """The file changed on disk while the editor was open: the edit is not installed over that change (exit 4)."""


class NewErrors(CfgError):
    """The edit brings errors `check` did not report before, and no one was there to choose (exit 1)."""

    exit_code = ExitCode.NO


@dataclass
class Session:
    """One file opened for editing, and its content at that moment."""

    file: ConfigFile
    original: bytes | None  # None: the file does not exist yet

    @property
    def text(self) -> str:
        return "" if self.original is None else self.original.decode("utf-8")

    def unchanged(self, text: str) -> bool:
        """Whether ``text`` is what the file holds (for a file that does not exist: whether it is empty)."""
        return text == self.text


def open_session(dirs: ConfigDirs, name: str | None) -> Session:
    """The file ``name`` stands for, read as it is now; a file that cannot be read as text is refused (exit 3)."""
    target = config_file(dirs, name)
    try:
        # UTF-8 text, no byte-order mark, not too large: what an editor gives back; encoding it again gives the bytes
        original: bytes | None = read_text(target.path).encode("utf-8")
    except FileNotFoundError:
        original = None
    return Session(target, original)


# --- the temporary copy ---------------------------------------------------------------------------------------


@dataclass
class Workspace:
    """A directory only its owner can enter, holding the copy under the file's own name (editors choose their
    syntax by it). Removed when done, unless kept on purpose: then ``kept`` says so and the copy stays."""

    directory: Path
    copy: Path
    kept: bool = False

    @classmethod
    def create(cls, session: Session) -> Workspace:
        directory = Path(tempfile.mkdtemp(prefix="clearml-cfg-edit-"))  # mode 0700
        copy = directory / session.file.relative.replace("/", ".")
        write_private(copy, session.text)
        return cls(directory, copy)

    def read(self) -> str:
        """What the editor left (a ConfigReadError naming the copy for text that is not UTF-8)."""
        return read_text(self.copy)

    def write(self, text: str) -> None:
        write_private(self.copy, text)

    def keep(self) -> Path:
        self.kept = True
        return self.copy

    def close(self) -> None:
        if not self.kept:
            shutil.rmtree(self.directory, ignore_errors=True)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable and writable by its owner only (it may hold passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(text)


# --- the note on top of a re-opened copy ------------------------------------------------------------------------


def with_note(text: str, problems: list[str]) -> str:
    """``text`` under a note that says why it was not saved; every line of the note starts with MARK."""
    lines = ["clearml-cfg did not save this file:"]
    for problem in problems:
        lines.extend("  " + line for line in problem.splitlines())
    lines.append(f"Fix it and save: the lines starting with {MARK} are removed. To give up, quit and answer d.")
    return "".join(f"{MARK} {line}".rstrip() + "\n" for line in lines) + text


def without_note(text: str) -> str:
    """``text`` without the note at its top (what is left of it: some of its lines may have been deleted)."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith(MARK):
        start += 1
    return "".join(lines[start:])


# --- the check of the configuration as it would be --------------------------------------------------------------


@dataclass
class Verdict:
    """What the edited text would do: a syntax error, or the findings `check` reports that it did not before."""

    syntax: ConfigReadError | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    checked: bool = True  # False: the configuration could not be copied, so only the file itself was read

    @property
    def unloadable(self) -> list[Finding]:
        """The new errors that stop the server from loading the configuration at all (never installed)."""
        return [f for f in self.errors if f.code in UNREADABLE]

    @property
    def exit_code(self) -> int:
        """As `check` exits: 3 when the server could not load the result, 1 when the edit brings errors, else 0."""
        if self.syntax is not None or self.unloadable:
            return int(ExitCode.UNREADABLE)
        return int(ExitCode.NO) if self.errors else int(ExitCode.OK)


def verify(
    options: Options, session: Session, text: str, *, source: Path | None = None, show_secrets: bool = False
) -> Verdict:
    """Whether ``text`` may replace the file: it must parse, and `check` over the whole configuration with it
    in place must report no error it did not report with the file as it was when opened.

    ``source``: the file ``text`` was read from, named in a syntax error (else the file it would replace)."""
    target = session.file
    try:
        parse_document(source or target.path, text)
    except ConfigReadError as e:
        return Verdict(syntax=e)
    with tempfile.TemporaryDirectory(prefix="clearml-cfg-edit-check-") as scratch:
        copies = copy_dirs(options.dirs, Path(scratch))
        index = _index(options.dirs, target.directory)
        if copies is None or index is None:
            return Verdict(checked=False)
        shadow = dataclasses.replace(options.dirs, dirs=tuple(copies))
        copied = copies[index] / target.relative
        copied.parent.mkdir(parents=True, exist_ok=True)
        if session.original is None:
            copied.unlink(missing_ok=True)
        else:
            copied.write_bytes(session.original)
        before = run_checks(shadow, options.env, show_secrets=show_secrets)
        copied.write_bytes(text.encode("utf-8"))
        after = run_checks(shadow, options.env, show_secrets=show_secrets)
        new = added(before, after)
        originals = {copy: Path(os.path.abspath(options.dirs.dirs[i])) for i, copy in enumerate(copies)}
        new = [_real(f, originals) for f in new]
    errors = [f for f in new if f.severity is Severity.ERROR]
    return Verdict(errors=errors, warnings=[f for f in new if f.severity is Severity.WARNING])


def _index(dirs: ConfigDirs, directory: Path) -> int | None:
    found = [i for i, d in enumerate(dirs.dirs) if Path(os.path.abspath(d)) == directory]
    return found[-1] if found else None


def _real(finding: Finding, originals: dict[Path, Path]) -> Finding:
    """A finding about the copy, told about the real file."""
    for copy, original in originals.items():
        if finding.file is not None and finding.file.is_relative_to(copy):
            return dataclasses.replace(
                finding,
                file=original / finding.file.relative_to(copy),
                message=finding.message.replace(str(copy), str(original)),
                hint=finding.hint.replace(str(copy), str(original)),
                fix=None,
            )
    return dataclasses.replace(finding, fix=None)


# --- installing --------------------------------------------------------------------------------------------------


def install(options: Options, session: Session, text: str, kept: Path) -> Outcome:
    """Write ``text`` over the file through a transaction, if the file still holds what it held when opened.

    ``kept``: where the edited copy stays when the file changed meanwhile (named in the error)."""
    target = session.file
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(target.directory)
        if current_bytes(target.path) != session.original:
            raise ChangedMeanwhile(
                f"{target.path} changed on disk while the editor was open; it was not overwritten",
                f"your edit is kept in {kept}: compare it with the file now (diff {target.path} {kept}) "
                "and run clearml-cfg edit again",
            )
        document = parse_document(target.path, text)
        secret = holds_secrets(document.to_dict(resolve=False), target.prefix)
        tx.replace_text(target.path, text, secret=secret)
        outcome.changes = tx.commit()
    return outcome


def warning(finding: Finding, base: Path | None = None) -> Message:
    """A finding as a warning to show after the diff."""
    return Message(f"{finding.where(base)} {finding.code}: {finding.message}", finding.hint)
