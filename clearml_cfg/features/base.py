"""What every feature command shares: its options (Options), what a write reports (Outcome), and the one
advice for an edit the HOCON layer refuses (edit_hint)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..hocon import HoconEditError, HoconEditRefused, HoconEditUnresolvable
from ..model.layout import ConfigDirs, missing_dirs, refuse_missing, servers_reading

if TYPE_CHECKING:  # loaded where used: `get`, which only reads the files, does without them
    from ..io.reading import Reader
    from ..io.transaction import Change, Transaction
    from ..views.snapshot import Snapshot


@dataclass
class Options:
    """What every command is told: where the config is, and how careful to be."""

    dirs: ConfigDirs
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    dry_run: bool = False
    backup: bool = True
    force: bool = False
    lock_timeout: float = 10.0
    #: None: the command only reads; else whether it may create the winning directory when missing (--create)
    create: bool | None = None
    #: files already backed up by this command: a second write keeps the backup of the first version
    backed_up: set[Path] = field(default_factory=set)

    def transaction(self) -> Transaction:
        from ..io.transaction import Transaction

        self.require_dirs()
        return Transaction(
            dry_run=self.dry_run,
            backup=self.backup,
            lock_timeout=self.lock_timeout,
            backed_up=self.backed_up,
            read_only_ok=self.force,
        )

    def snapshot(self, reader: Reader | None = None) -> Snapshot:
        """The command's one reading of the configuration; a write passes its transaction's reader (taken
        after the lock), so that what it reads and what it edits are the same documents."""
        from ..views.snapshot import Snapshot

        self.require_dirs()
        return Snapshot(self.dirs, self.env, reader)

    def require_dirs(self) -> None:
        """Refuse (NoConfigDir) a directory that does not exist: a mistyped --config-dir must neither read as
        "nothing is set" nor start a new directory. A write may create the winning one with --create, and the
        server's default directory as it always could."""
        may_create = self.create is True or (self.create is False and self.dirs.origin == "default")
        for directory in missing_dirs(self.dirs):
            if not (may_create and directory == self.dirs.write_dir and not directory.exists()):
                raise refuse_missing(self.dirs, directory)


@dataclass
class Outcome:
    """What a write command did: the changes, and things the user should know."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a note may say why nothing changed ("is not set; nothing to do")
    remarks: list[str] = field(default_factory=list)  # notes on the input (how VALUE was read); never such a reason

    @property
    def servers_to_restart(self) -> list[str]:
        """The servers that read a changed file: they read their configuration at start-up only."""
        return list(dict.fromkeys(server for change in self.changes for server in servers_reading(change.path)))


def edit_hint(
    error: HoconEditError, by_hand: str = "edit this part of the file by hand, or unset the key first"
) -> str:
    """What to do about an edit the HOCON layer refused: the one rule for every command that edits a file.

    ``by_hand``: the advice when the edit cannot be expressed in the text as written (the user can make it)."""
    if isinstance(error, HoconEditRefused):
        return "nothing was written; please report this with the file, it is a bug in clearml-cfg"
    if isinstance(error, HoconEditUnresolvable):
        return "nothing was written; change the substitution named there first (write the value in its place)"
    return by_hand
