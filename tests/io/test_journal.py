"""The journal of an edit of several files: completing what a killed command left, and refusing what it did not
write."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from filesystem import as_root, picture

from clearml_cfg.errors import WriteError
from clearml_cfg.io.atomic import JOURNAL_NAME, begin_journal
from clearml_cfg.io.journal import complete, find, temporary_files


def _pending(directory: Path, names: list[str]) -> Path:
    """A journal as a command killed before any rename leaves it: each new content ready beside its file."""
    renames = []
    for name in names:
        (directory / name).write_text(f"old {name}\n")
        temporary = directory / f".{name}.abcd1234.tmp"
        temporary.write_text(f"new {name}\n")
        renames.append((temporary, directory / name, hashlib.sha256(f"new {name}\n".encode()).hexdigest()))
    return begin_journal(renames)


def test_complete_makes_the_renames_left_and_removes_the_journal(tmp_path: Path) -> None:
    path = _pending(tmp_path, ["a.conf", "b.conf"])
    os.replace(tmp_path / ".a.conf.abcd1234.tmp", tmp_path / "a.conf")  # the kill came after the first rename
    journal = find(tmp_path)
    assert journal is not None and journal.path == path
    assert [r.final.name for r in journal.done] == ["a.conf"]
    assert [r.final.name for r in journal.pending] == ["b.conf"]
    assert complete(journal) == [tmp_path / "b.conf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conf", "b.conf"]  # no journal, no temporary file
    assert [(tmp_path / n).read_text() for n in ("a.conf", "b.conf")] == ["new a.conf\n", "new b.conf\n"]


def test_a_temporary_file_that_is_not_what_was_written_is_refused(tmp_path: Path) -> None:
    _pending(tmp_path, ["a.conf", "b.conf"])
    (tmp_path / ".b.conf.abcd1234.tmp").write_text("something else\n")
    before = picture(tmp_path)
    journal = find(tmp_path)
    assert journal is not None
    with pytest.raises(WriteError) as caught:
        complete(journal)
    assert caught.value.message == (
        f"cannot complete the interrupted edit of {tmp_path / 'b.conf'}: its temporary file is not the content the "
        "journal wrote; nothing was renamed"
    )
    assert picture(tmp_path) == before


def test_a_journal_that_names_files_elsewhere_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "etc" / "passwd"
    victim.parent.mkdir()
    victim.write_text("root:x:0:0\n")
    config = tmp_path / "config"
    config.mkdir()
    planted = config / "evil"
    planted.write_text("owned\n")
    entry = {"temporary": str(planted), "final": str(victim), "sha256": hashlib.sha256(b"owned\n").hexdigest()}
    (config / JOURNAL_NAME).write_text(json.dumps({"renames": [entry]}))
    journal = find(config)
    assert journal is not None
    with pytest.raises(WriteError):
        complete(journal)
    assert victim.read_text() == "root:x:0:0\n" and planted.exists()


@pytest.mark.skipif(not as_root, reason="files of two owners can be made only as root")
def test_a_journal_of_another_user_cannot_rename_over_a_file_it_does_not_own(tmp_path: Path) -> None:
    _pending(tmp_path, ["a.conf"])
    os.chown(tmp_path / JOURNAL_NAME, 4242, 4242)  # planted by someone who cannot write a.conf (root's)
    journal = find(tmp_path)
    assert journal is not None
    with pytest.raises(WriteError) as caught:
        complete(journal)
    assert caught.value.message.endswith(
        "the journal does not belong to the owner of the file (or to root); nothing was renamed"
    )
    assert (tmp_path / "a.conf").read_text() == "old a.conf\n"


def test_an_unreadable_journal_is_found_with_nothing_to_complete(tmp_path: Path) -> None:
    (tmp_path / JOURNAL_NAME).write_text("not json")
    journal = find(tmp_path)
    assert journal is not None and journal.renames == ()
    assert complete(journal) == [] and not (tmp_path / JOURNAL_NAME).exists()


def test_only_clearml_cfg_temporary_files_are_found(tmp_path: Path) -> None:
    (tmp_path / "services").mkdir()
    ours = [
        tmp_path / ".apiserver.conf.k3j9_x2a.tmp",
        tmp_path / ".apiserver.conf.bak.abcdefgh.tmp",
        tmp_path / "services" / ".tasks.conf.12345678.tmp",
        tmp_path / "..clearml-cfg.journal.zzzzzzzz.tmp",
    ]
    theirs = [tmp_path / ".notes.txt.abcdefgh.tmp", tmp_path / ".apiserver.conf.short.tmp", tmp_path / "x.tmp"]
    for path in ours + theirs:
        path.write_text("")
    assert sorted(temporary_files(tmp_path)) == sorted(ours)
