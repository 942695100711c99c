"""io/transaction.py: lock, read once, edit, then write every changed file or none."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from config_files import temporary_files, write

from clearml_cfg.errors import UsageError, WriteError
from clearml_cfg.io.transaction import Transaction, write_file, write_output

as_root = os.geteuid() == 0


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    write(path / "apiserver.conf", "# the API server\nauth {\n  x: 1\n}\n")
    write(path / "services" / "tasks.conf", "watchdog.enabled: true\n")
    return path


@pytest.fixture
def held(directory: Path) -> Iterator[int]:
    """Another writer holding the directory's lock (flock on the directory, as every clearml-cfg takes it)."""
    fd = os.open(directory, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield fd
    os.close(fd)


def listing(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


def test_edits_of_several_files_are_written_with_backups_and_reported(directory: Path) -> None:
    api, tasks = directory / "apiserver.conf", directory / "services" / "tasks.conf"
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(api).set(("auth", "x"), 2)
        tx.document(tasks).set(("watchdog", "enabled"), False)
        tx.document(directory / "fileserver.conf").set(("cors", "origins"), "*")
        changes = tx.commit()
    assert [(c.path, c.created, c.written, c.prefix) for c in changes] == [
        (api, False, True, ("apiserver",)),
        (tasks, False, True, ("services", "tasks")),
        (directory / "fileserver.conf", True, True, ("fileserver",)),
    ]
    assert api.read_text() == "# the API server\nauth {\n  x: 2\n}\n"
    assert (directory / "apiserver.conf.bak").read_text() == "# the API server\nauth {\n  x: 1\n}\n"
    assert changes[0].backup == directory / "apiserver.conf.bak"
    assert changes[2].backup is None  # nothing to keep of a new file
    assert not (directory / "fileserver.conf.bak").exists()


def test_when_one_file_cannot_be_installed_none_is(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p: p.read_bytes() for p in directory.rglob("*.conf")}
    real_replace = os.replace

    def replace(source: str, destination: str) -> None:
        if Path(destination).name == "tasks.conf":
            raise OSError(errno.EROFS, "Read-only file system")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(directory / "apiserver.conf").set(("auth", "x"), 2)
        tx.document(directory / "services" / "tasks.conf").set(("watchdog", "enabled"), False)
        with pytest.raises(WriteError):
            tx.commit()
    assert {p: p.read_bytes() for p in directory.rglob("*.conf")} == before
    assert temporary_files(directory) == []


def test_an_unchanged_file_is_not_touched(directory: Path) -> None:
    path = directory / "apiserver.conf"
    os.utime(path, ns=(1, 1))
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(path).set(("auth", "x"), 1)  # the value it already has
        tx.document(directory / "new.conf")  # opened, never edited
        assert tx.commit() == []
    assert path.stat().st_mtime_ns == 1
    assert listing(directory) == ["apiserver.conf", "services", "services/tasks.conf"]


def test_a_dry_run_takes_no_lock_and_writes_nothing(directory: Path, held: int) -> None:
    before = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    with Transaction(dry_run=True, lock_timeout=0) as tx:
        tx.lock(directory)  # held by another writer: a dry run does not wait for it
        tx.lock(directory.parent / "missing")
        assert not tx.locked
        tx.document(directory / "apiserver.conf").set(("auth", "x"), 2)
        tx.document(directory.parent / "missing" / "apiserver.conf").set(("a",), 1)
        changes = tx.commit()
    assert [(c.after, c.written) for c in changes] == [
        ("# the API server\nauth {\n  x: 2\n}\n", False),
        ("a: 1\n", False),
    ]
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == before
    assert not (directory.parent / "missing").exists()


def test_a_missing_directory_is_made_and_locked_by_the_commit(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "config"
    with Transaction() as tx:
        tx.lock(directory)
        assert tx.locked and not directory.exists()
        tx.document(directory / "apiserver.conf").set(("auth", "x"), 1)
        assert not directory.exists()
        tx.commit()
        assert (directory / "apiserver.conf").read_text() == "auth {\n    x: 1\n}\n"
        with pytest.raises(WriteError):  # the commit took the new directory's lock
            Transaction(lock_timeout=0).lock(directory)


def test_a_command_that_fails_before_its_commit_creates_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "config"
    with pytest.raises(UsageError), Transaction() as tx:
        tx.lock(directory)
        tx.document(directory / "apiserver.conf").set(("a",), 1)
        raise UsageError("refused before writing")
    assert not directory.exists()


def test_a_file_created_by_someone_else_meanwhile_is_not_overwritten(directory: Path) -> None:
    new = directory / "fileserver.conf"
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(new).set(("cors", "origins"), "*")
        tx.document(directory / "apiserver.conf").set(("auth", "x"), 2)
        write(new, "# made by hand meanwhile\n")
        with pytest.raises(WriteError):
            tx.commit()
    assert new.read_text() == "# made by hand meanwhile\n"
    assert (directory / "apiserver.conf").read_text() == "# the API server\nauth {\n  x: 1\n}\n"


def test_a_held_lock_times_out(directory: Path, held: int) -> None:
    tx = Transaction(lock_timeout=0.05)
    with pytest.raises(WriteError):
        tx.lock(directory)
    assert not tx.locked


def test_the_lock_is_released_on_leaving(directory: Path) -> None:
    with Transaction() as tx:
        tx.lock(directory)
    with Transaction(lock_timeout=0) as again:
        again.lock(directory)
        assert again.locked


def test_a_file_given_as_the_directory_is_a_usage_error(directory: Path) -> None:
    with pytest.raises(UsageError):
        Transaction().lock(directory / "apiserver.conf")


def test_nothing_is_read_before_the_lock(directory: Path) -> None:
    tx = Transaction()
    with pytest.raises(RuntimeError):
        tx.reader  # noqa: B018
    with pytest.raises(RuntimeError):
        tx.document(directory / "apiserver.conf")
    assert Transaction(dry_run=True).reader is not None


def test_reread_reads_the_files_anew_and_refuses_once_a_file_is_open(directory: Path) -> None:
    path = directory / "apiserver.conf"
    with Transaction() as tx:
        tx.lock(directory)
        assert tx.reader.text(path).startswith("# the API server")
        write(path, "changed: 1\n")
        assert tx.reader.text(path).startswith("# the API server")  # read once
        tx.reread()
        assert tx.reader.text(path) == "changed: 1\n"
        tx.document(path)
        with pytest.raises(RuntimeError):
            tx.reread()


def test_a_document_is_read_once_and_shared_with_the_reader(directory: Path) -> None:
    path = directory / "apiserver.conf"
    with Transaction() as tx:
        tx.lock(directory)
        document = tx.document(path)
        assert tx.document(directory / "." / "apiserver.conf") is document
        assert tx.reader.document(path) is document


def test_a_symlinked_file_is_written_at_its_target_and_the_link_stays(directory: Path, tmp_path: Path) -> None:
    real = write(tmp_path / "mounted" / "..data" / "secure.conf", "auth.token_secret: a\n")
    link = directory / "secure.conf"
    link.symlink_to(real)
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(link).set(("auth", "token_secret"), "b")
        [change] = tx.commit()
    assert (change.path, change.target) == (link, real)
    assert link.is_symlink() and real.read_text() == 'auth.token_secret: "b"\n'
    assert change.backup == real.parent / "secure.conf.bak"
    assert change.backup.read_text() == "auth.token_secret: a\n"


def test_backups_are_private_hold_the_original_bytes_and_keep_the_first_version(directory: Path) -> None:
    path = write(directory / "apiserver.conf", b"# caf\xc3\xa9\r\nauth.x: 1\r\n")
    path.chmod(0o644)
    backed_up: set[Path] = set()
    for value in (2, 3):
        with Transaction(backed_up=backed_up) as tx:
            tx.lock(directory)
            tx.document(path).set(("auth", "x"), value)
            tx.commit()
    backup = directory / "apiserver.conf.bak"
    assert backup.read_bytes() == b"# caf\xc3\xa9\r\nauth.x: 1\r\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_bytes() == b"# caf\xc3\xa9\r\nauth.x: 3\r\n"


def test_no_backup_when_told_not_to(directory: Path) -> None:
    with Transaction(backup=False) as tx:
        tx.lock(directory)
        tx.document(directory / "apiserver.conf").set(("auth", "x"), 2)
        [change] = tx.commit()
    assert change.backup is None
    assert not (directory / "apiserver.conf.bak").exists()


@pytest.mark.skipif(not as_root, reason="giving a file to another user needs root")
def test_mode_and_owner_are_kept(directory: Path) -> None:
    path = directory / "apiserver.conf"
    os.chown(path, 1234, 1234)
    path.chmod(0o640)
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(path).set(("auth", "x"), 2)
        tx.commit()
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1234, 0o640)


def test_a_new_file_that_holds_secrets_is_private(directory: Path) -> None:
    with Transaction() as tx:
        tx.lock(directory)
        tx.document(directory / "secure.conf", secret=True).set(("auth", "token_secret"), "s")
        tx.document(directory / "hosts.conf").set(("a",), 1)
        tx.commit()
    assert stat.S_IMODE((directory / "secure.conf").stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / "hosts.conf").stat().st_mode) != 0o600


def test_replace_text_keeps_the_bytes_of_a_file_that_does_not_read(directory: Path) -> None:
    path = write(directory / "apiserver.conf", b"\xef\xbb\xbfauth.x: \xff\n")  # a BOM and a byte that is not UTF-8
    with Transaction() as tx:
        tx.lock(directory)
        tx.replace_text(path, "auth.x: 1\n")
        [change] = tx.commit()
    assert path.read_text() == "auth.x: 1\n"
    assert (directory / "apiserver.conf.bak").read_bytes() == b"\xef\xbb\xbfauth.x: \xff\n"
    assert not change.created


def test_an_empty_new_file_given_whole_is_written(directory: Path) -> None:
    with Transaction() as tx:
        tx.lock(directory)
        tx.replace_text(directory / "empty.conf", "")
        tx.replace_text(directory / "notes.txt", "x: 1\n")
        changes = tx.commit()
    assert [(c.path.name, c.prefix) for c in changes] == [("empty.conf", ("empty",)), ("notes.txt", None)]
    assert (directory / "empty.conf").read_text() == ""


def test_write_file_writes_a_changed_text_only(tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", "services: {}\n")
    same = write_file(compose, "services: {}\n", "services: {}\n")
    assert not same.written and not (tmp_path / "docker-compose.yml.bak").exists()
    changed = write_file(compose, "services: {}\n", "services: {a: 1}\n")
    assert changed.written and compose.read_text() == "services: {a: 1}\n"
    assert changed.backup is not None and changed.backup.read_text() == "services: {}\n"


def test_write_output_is_private_when_it_holds_secrets(tmp_path: Path) -> None:
    public, private = tmp_path / "values.yaml", write(tmp_path / "secret.yaml", "old\n")
    private.chmod(0o644)
    write_output(public, "a\n", private=False)
    write_output(private, "b\n", private=True)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "b\n"
    assert public.read_text() == "a\n"


# --- owner-only files, and a file that is not HOCON ----------------------------------------------------------


@pytest.mark.parametrize(("mode", "expected"), [(0o644, 0o600), (0o640, 0o600), (0o600, 0o600), (0o4755, 0o4700)])
def test_private_makes_an_existing_file_owner_only(tmp_path: Path, mode: int, expected: int) -> None:
    path = tmp_path / "secure.conf"
    path.write_text("a: 1\n")
    path.chmod(mode)
    with Transaction() as tx:
        tx.lock(tmp_path)
        tx.document(path, private=True).set(("a",), 2)
        tx.commit()
    assert path.stat().st_mode & 0o7777 == expected
    assert (tmp_path / "secure.conf.bak").stat().st_mode & 0o777 == 0o600


def test_without_private_the_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "apiserver.conf"
    path.write_text("a: 1\n")
    path.chmod(0o644)
    with Transaction() as tx:
        tx.lock(tmp_path)
        tx.document(path).set(("a",), 2)
        tx.commit()
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_new_private_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with Transaction() as tx:
            tx.lock(tmp_path)
            tx.document(tmp_path / "secure.conf", private=True).set(("a",), "x")
            tx.edit_text(tmp_path / ".env", lambda text: "A=1\n", private=True)
            tx.commit()
    finally:
        os.umask(old)
    assert (tmp_path / "secure.conf").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_edit_text_gets_the_text_and_writes_with_the_others(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"A=1\r\n")
    seen: list[str | None] = []

    def edit(text: str | None) -> str:
        seen.append(text)
        return (text or "") + "B=2\r\n"

    with Transaction() as tx:
        tx.lock(tmp_path)
        tx.edit_text(env, edit)
        tx.document(tmp_path / "x.conf").set(("a",), 1)
        changes = tx.commit()
    assert seen == ["A=1\r\n"]
    assert env.read_bytes() == b"A=1\r\nB=2\r\n"
    assert [(c.path.name, c.prefix, c.written) for c in changes] == [(".env", None, True), ("x.conf", ("x",), True)]


def test_a_text_file_is_not_opened_as_a_document(tmp_path: Path) -> None:
    with Transaction(dry_run=True) as tx, pytest.raises(RuntimeError):
        tx.edit_text(tmp_path / ".env", lambda text: "")
        tx.document(tmp_path / ".env")


def test_edit_text_is_all_or_nothing(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    (tmp_path / "x.conf").write_text("a: 1\n")
    (tmp_path / "x.conf.bak").mkdir()  # the backup cannot be made: nothing may be written
    with Transaction() as tx, pytest.raises(WriteError):
        tx.lock(tmp_path)
        tx.edit_text(env, lambda text: "A=1\n")
        tx.document(tmp_path / "x.conf").set(("a",), 2)
        tx.commit()
    assert not env.exists()
    assert (tmp_path / "x.conf").read_text() == "a: 1\n"


def test_an_unchanged_text_file_is_not_written(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    env.chmod(0o644)
    before = env.stat().st_mtime_ns
    with Transaction() as tx:
        tx.lock(tmp_path)
        tx.edit_text(env, lambda text: text or "", private=True)
        assert tx.commit() == []
    assert env.stat().st_mtime_ns == before and env.stat().st_mode & 0o777 == 0o644
