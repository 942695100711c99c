"""Atomic installs: owner, mode and attributes set on the descriptor; the temporary files and the targets
checked just before the renames; a journal while several files are renamed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from clearml_cfg.errors import ChangedOnDisk, WriteError
from clearml_cfg.io import atomic
from clearml_cfg.io.atomic import JOURNAL_NAME, Write, change_mode, install, write_atomically
from clearml_cfg.io.reading import read_regular


def test_several_files_are_renamed_under_a_journal_that_is_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"
    first.write_text("a: 1\n")
    second.write_text("b: 1\n")
    journal = tmp_path / JOURNAL_NAME
    seen: list[bool] = []
    real_replace = os.replace

    def replace(source: object, target: object, **kwargs: object) -> None:
        if str(target).endswith(".conf"):
            seen.append(journal.exists())
        real_replace(source, target, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    writes = [Write(path, b"new\n", path.read_bytes(), expected=read_regular(path)[1]) for path in (first, second)]
    install(writes)
    assert seen == [True, True]
    assert not journal.exists()
    assert (first.read_text(), second.read_text()) == ("new\n", "new\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conf", "b.conf"]


def test_one_file_needs_no_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.conf"
    path.write_text("a: 1\n")
    monkeypatch.setattr(atomic, "begin_journal", lambda *_: pytest.fail("a journal for one file"))
    install([Write(path, b"a: 2\n", b"a: 1\n", backup=tmp_path / "a.conf.bak")])
    assert path.read_text() == "a: 2\n"


def test_a_changed_target_is_refused_with_both_texts(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_text("a: 1\n")
    stamp = read_regular(path)[1]
    path.write_text("a: 1\nb: 2\n")
    with pytest.raises(ChangedOnDisk) as caught:
        install([Write(path, b"a: 3\n", b"a: 1\n", expected=stamp, prefix=("apiserver",))])
    error = caught.value
    assert (error.before, error.now, error.prefix, error.exit_code) == ("a: 1\n", "a: 1\nb: 2\n", ("apiserver",), 4)
    assert path.read_text() == "a: 1\nb: 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conf"]


def test_a_temporary_file_swapped_before_the_rename_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.conf"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep\n")
    real_stage = atomic._stage

    def stage_then_swap(*args: object, **kwargs: object) -> atomic._Staged:
        staged = real_stage(*args, **kwargs)  # type: ignore[arg-type]
        staged.temporary.unlink()
        staged.temporary.symlink_to(elsewhere)
        return staged

    monkeypatch.setattr(atomic, "_stage", stage_then_swap)
    with pytest.raises(WriteError):
        write_atomically(target, b"x\n", 0o644, None)
    assert not target.exists() and elsewhere.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere"]


def test_change_mode_never_follows_a_link_put_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "secret"
    target.write_text("x")
    target.chmod(0o600)
    link = tmp_path / "link"
    link.symlink_to(target)
    monkeypatch.setattr(os.path, "realpath", lambda path: str(path))  # the name became a link after it was resolved
    with pytest.raises(WriteError):
        change_mode(link, 0o644)
    assert target.stat().st_mode & 0o777 == 0o600


def test_change_mode_changes_the_file_a_link_leads_to(tmp_path: Path) -> None:
    target = tmp_path / "a.conf"
    target.write_text("x")
    target.chmod(0o666)
    (tmp_path / "link.conf").symlink_to(target)
    change_mode(tmp_path / "link.conf", 0o640)
    assert target.stat().st_mode & 0o777 == 0o640


def test_the_journal_names_each_new_content_by_its_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [tmp_path / "a.conf", tmp_path / "b.conf"]
    for path in paths:
        path.write_text("old\n")
    begun: list[list[tuple[Path, Path, str]]] = []
    real_begin = atomic.begin_journal

    def begin(renames: list[tuple[Path, Path, str]]) -> Path:
        begun.append(renames)
        return real_begin(renames)

    monkeypatch.setattr(atomic, "begin_journal", begin)
    install([Write(path, f"new {path.name}\n".encode(), b"old\n") for path in paths])
    ((first, second),) = begun
    assert (first[1], second[1]) == tuple(paths)
    assert first[2] == hashlib.sha256(b"new a.conf\n").hexdigest()
