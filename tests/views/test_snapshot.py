"""views/snapshot.py: one reading per command; every view made once from it, and made again after an edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_files import config_dir, dirs_of
from helpers import DATA

from clearml_cfg.io import reading
from clearml_cfg.io.reading import Reader
from clearml_cfg.views import effective
from clearml_cfg.views.snapshot import Snapshot

DEFAULTS = DATA / "effective" / "defaults"
AUTH = ("apiserver", "auth")


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    monkeypatch.setattr(effective, "IMAGE_DEFAULTS", {"apiserver": DEFAULTS, "fileserver": DEFAULTS})
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "auth.x: 1\n", "fileserver.conf": "cors.max_age: 5\n"})
    return Snapshot(dirs_of(directory), {"CLEARML__APISERVER__AUTH__Y": "2"})


def test_each_view_is_made_once(snapshot: Snapshot) -> None:
    assert snapshot.files is snapshot.files
    api = snapshot.effective()
    assert snapshot.effective("apiserver") is api
    assert snapshot.effective("fileserver") is not api
    assert snapshot.effective(ignore_bad_env=True) is not api
    assert snapshot.effective(defaults_dir=DEFAULTS / "services") is not api


def test_every_view_reads_a_file_once(snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    real = reading.read_stamped
    reads: list[Path] = []

    def counted(path: Path) -> tuple[str, reading.Stamp]:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(reading, "read_stamped", counted)
    snapshot.files.merged()
    snapshot.effective()
    snapshot.effective("fileserver")
    snapshot.overridden(AUTH)
    mine = snapshot.dirs.dirs[0]
    assert sorted(p.name for p in reads if p.is_relative_to(mine)) == ["apiserver.conf", "fileserver.conf"]
    assert len(reads) == len(set(reads))  # the defaults too: once each


def test_the_views_agree(snapshot: Snapshot) -> None:
    assert snapshot.files.value(("apiserver", "auth", "x")) == 1
    assert snapshot.effective().tree["apiserver"]["auth"]["x"] == 1
    assert snapshot.effective().tree["apiserver"]["auth"]["y"] == 2
    overridden = snapshot.overridden(AUTH)
    assert overridden is not None
    assert overridden.value((*AUTH, "y")) == 2
    assert overridden.variable((*AUTH, "y")) == "CLEARML__APISERVER__AUTH__Y"
    assert snapshot.overridden(("apiserver", "cors")) is None


def test_overridden_over_a_tree_as_an_edit_would_leave_it(snapshot: Snapshot) -> None:
    overridden = snapshot.overridden(AUTH, {"apiserver": {"auth": {"x": 3}}})
    assert overridden is not None and overridden.tree == {"apiserver": {"auth": {"x": 3, "y": 2}}}


def test_refresh_follows_an_edit_without_reading_again(snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot.effective()
    path = snapshot.dirs.dirs[0] / "apiserver.conf"
    snapshot.reader.document(path).set(("auth", "x"), 7)
    assert snapshot.effective() is before  # not yet: a view is made once
    monkeypatch.setattr(reading, "read_stamped", lambda path: pytest.fail(f"read {path} again"))
    snapshot.refresh()
    assert snapshot.effective().tree["apiserver"]["auth"]["x"] == 7
    assert snapshot.files.value(("apiserver", "auth", "x")) == 7


def test_a_given_reader_is_shared(tmp_path: Path) -> None:
    reader = Reader()
    assert Snapshot(dirs_of(tmp_path), {}, reader).reader is reader
