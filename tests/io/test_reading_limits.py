"""Reading: regular files only, a byte cap enforced while reading, a stamp of what was read, and a cap on the
structure of a configuration file before it is parsed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clearml_cfg.errors import ConfigReadError
from clearml_cfg.io.reading import MAX_STRUCTURE, Reader, Stamp, read_regular, read_stamped


def test_a_regular_file_is_read_with_its_stamp(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_bytes(b"a: 1\n")
    data, stamp = read_regular(path)
    info = path.stat()
    assert data == b"a: 1\n"
    assert stamp == Stamp(info.st_dev, info.st_ino, 5, info.st_mtime_ns, Stamp.of(info, data).sha256)


def test_a_stamp_changes_with_the_content_the_inode_and_the_time(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_bytes(b"a: 1\n")
    _, first = read_regular(path)
    os.utime(path, ns=(1, 1))
    _, touched = read_regular(path)
    path.unlink()
    path.write_bytes(b"a: 1\n")
    _, replaced = read_regular(path)
    assert len({first, touched, replaced}) == 3


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: os.mkfifo(p), "a FIFO (named pipe)"),
        (lambda p: p.symlink_to("/dev/zero"), "a character device"),
        (lambda p: p.mkdir(), "a directory"),
    ],
    ids=["fifo", "device", "directory"],
)
def test_anything_but_a_regular_file_is_refused_before_it_is_opened(tmp_path: Path, make: object, kind: str) -> None:
    path = tmp_path / "x.conf"
    make(path)  # type: ignore[operator]
    with pytest.raises(ConfigReadError) as caught:
        read_regular(path)
    assert caught.value.reason == f"it is {kind}, not a regular file"


def test_the_cap_holds_while_reading_even_if_stat_says_less(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "grows.conf"
    path.write_bytes(b"x" * 2000)
    real_fstat = os.fstat

    def small(fd: int) -> os.stat_result:  # a file that grows after it was measured, or a size that lies
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 10, *info[7:]))

    monkeypatch.setattr(os, "fstat", small)
    with pytest.raises(ConfigReadError) as caught:
        read_regular(path, limit=1000, what="docker-compose file", hint="name the real file")
    assert (caught.value.reason, caught.value.hint) == (
        "more than 1 KB is far too large for a docker-compose file (the limit is 1 KB)",
        "name the real file",
    )


def test_a_file_too_many_settings_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "apiserver.conf"
    path.write_text("".join(f"k{i}: {i}\n" for i in range(MAX_STRUCTURE // 2 + 1)))
    with pytest.raises(ConfigReadError) as caught:
        read_stamped(path)
    assert caught.value.reason == (
        f"{MAX_STRUCTURE + 2:,} lines, separators and brackets are far more than a configuration file holds (the "
        "limit is 150,000; the server's parser would take minutes on it)"
    )


def test_the_reader_keeps_the_stamp_of_each_file(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_text("a: 1\n")
    reader = Reader()
    assert reader.stamp(path) is None
    reader.text(path)
    assert reader.stamp(path) == read_regular(path)[1]
    assert reader.stamp(tmp_path / "other.conf") is None
