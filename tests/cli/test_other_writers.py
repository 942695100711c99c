"""The writer among other users and other editors: a swapped temporary file, an edit made meanwhile, links
between config directories, owners, groups, ACLs and attributes, and a command killed between two renames.

Each test checks the exit code and the whole message, and every file afterwards, byte for byte."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Run, write
from filesystem import as_root, needs_root, picture, run_as, shared_directory, throwaway_group, throwaway_user

ORIGINAL = "# kept\nauth.cookies.secure: false\n"
KEY = "apiserver.auth.cookies.secure"


def _temporary(directory: Path, name: str) -> list[Path]:
    """The temporary files of ``name`` (``.NAME.XXXXXXXX.tmp``, not those of its backup)."""
    return [p for p in directory.glob(f".{name}.*.tmp") if len(p.name) == len(name) + 14]


# --- 1. a temporary file swapped for a link --------------------------------------------------------------------


def test_a_temporary_file_swapped_for_a_link_is_never_followed(
    cli: Run, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    path.chmod(0o644)
    victim = write(tmp_path / "elsewhere" / "shadow", "root:secret\n")
    victim.chmod(0o600)
    if as_root:  # the file belongs to someone else: the old writer gave the victim that owner
        os.chown(path, 4242, 4242)
    victim_before, config_before = picture(victim.parent), picture(config_dir)
    real_fsync = os.fsync
    swapped: list[Path] = []

    def swap_then_fsync(fd: int) -> None:
        # another user who can write the directory swaps the temporary file for a link, between the write and
        # the owner and mode being set
        for temporary in _temporary(config_dir, "apiserver.conf"):
            if not swapped:
                temporary.unlink()
                temporary.symlink_to(victim)
                swapped.append(temporary)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", swap_then_fsync)
    result = cli("set", KEY, "true")
    assert swapped
    assert result.code == 4
    assert result.err == (
        f"error: the temporary file {swapped[0]} was replaced or removed by another program while clearml-cfg "
        "was writing; nothing was written\n"
        f"hint: someone else can write to {config_dir}: let only its owner write there (chmod go-w {config_dir}), "
        "then run the command again\n"
    )
    assert picture(victim.parent) == victim_before  # neither owner nor mode nor content of the link's target
    assert picture(config_dir) == config_before  # the link at the temporary name is gone too


# --- 2. another editor's change ----------------------------------------------------------------------------------


def test_an_edit_made_meanwhile_by_another_program_is_refused_with_its_diff(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    real_fsync = os.fsync
    appended: list[bool] = []

    def append_then_fsync(fd: int) -> None:
        if not appended:  # another shell: echo 'auth.token_secret: "..."' >> apiserver.conf
            with open(path, "a") as other:
                other.write('auth.token_secret: "their-Secret-1"\n')
            appended.append(True)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", append_then_fsync)
    result = cli("set", KEY, "true")
    assert result.code == 4
    label = str(path).lstrip("/")
    assert result.err == (
        f"error: {path} was changed by another program after clearml-cfg read it; nothing was written\n"
        f"--- a/{label}\n"
        f"+++ b/{label}\n"
        "@@ -1,2 +1,3 @@\n"
        " # kept\n"
        " auth.cookies.secure: false\n"
        '+auth.token_secret: "********"\n'
        "hint: run the command again: it reads the file as it is now (the diff above is what the other program "
        "changed)\n"
    )
    assert path.read_text() == ORIGINAL + 'auth.token_secret: "their-Secret-1"\n'
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]  # no backup, no temporary file


def test_a_file_removed_meanwhile_is_refused(cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    real_fsync = os.fsync

    def remove_then_fsync(fd: int) -> None:
        if path.exists():
            path.unlink()
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", remove_then_fsync)
    result = cli("set", KEY, "true", "--no-backup")
    assert result.code == 4
    assert result.err == (
        f"error: {path} was removed by another program after clearml-cfg read it; nothing was written\n"
        "hint: run the command again: it reads the file as it is now\n"
    )
    assert list(config_dir.iterdir()) == []


def test_a_touch_alone_counts_as_a_change(cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    real_fsync = os.fsync

    def touch_then_fsync(fd: int) -> None:
        os.utime(path, ns=(1, 1))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", touch_then_fsync)
    result = cli("set", KEY, "true")
    assert result.code == 4
    assert result.err.startswith(f"error: {path} was changed by another program after clearml-cfg read it")
    assert path.read_text() == ORIGINAL


# --- 3. the lock belongs to the real directory ------------------------------------------------------------------


def test_a_linked_file_is_locked_where_it_really_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    write(shared / "apiserver.conf", "a: 0\n")
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "apiserver.conf").symlink_to("../shared/apiserver.conf")
    holder = os.open(shared, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another clearml-cfg editing through -c shared
    try:
        env = {**os.environ, "CLEARML_CONFIG_DIR": str(tmp_path / "A"), "CLEARML_CFG_LOCK_TIMEOUT": "0.2"}
        blocked = subprocess.run(
            [sys.executable, "-m", "clearml_cfg", "set", "apiserver.b", "1"], env=env, capture_output=True, text=True
        )
    finally:
        os.close(holder)
    assert blocked.returncode == 4
    assert blocked.stderr == (
        f"error: another clearml-cfg is editing {shared} (its lock was not released within 0.2 s)\n"
        "hint: wait for it to finish and try again, or wait longer with CLEARML_CFG_LOCK_TIMEOUT=SECONDS\n"
    )
    assert (shared / "apiserver.conf").read_text() == "a: 0\n"


SETTER = textwrap.dedent(
    """
    import sys
    from clearml_cfg.cli import main
    sys.exit(main(["set", f"apiserver.k{sys.argv[1]}", sys.argv[1], "-c", sys.argv[2], "-q", "--no-backup"]))
    """
)


def test_parallel_writers_through_two_names_of_one_file_keep_every_key(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    path = write(shared / "apiserver.conf", "# one file, two names\n")
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "apiserver.conf").symlink_to("../shared/apiserver.conf")
    env = {**os.environ, "CLEARML_CFG_LOCK_TIMEOUT": "120"}
    writers = [
        subprocess.Popen([sys.executable, "-c", SETTER, str(i), str(tmp_path / ("A" if i % 2 else "shared"))], env=env)
        for i in range(20)
    ]
    assert [w.wait(timeout=300) for w in writers] == [0] * 20
    from helpers import pyhocon_plain

    assert pyhocon_plain(path.read_text()) == {f"k{i}": i for i in range(20)}
    assert (tmp_path / "A" / "apiserver.conf").is_symlink()
    assert sorted(p.name for p in shared.iterdir()) == ["apiserver.conf"]


# --- 9. owner, group, ACLs, attributes, hard links, read-only files -----------------------------------------


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory other users can reach, removed afterwards."""
    path = shared_directory()
    yield path
    shutil.rmtree(path)


@needs_root
def test_a_group_member_cannot_take_a_shared_file_for_itself(shared: Path) -> None:
    with throwaway_user() as member, throwaway_group(member) as group:
        config = shared / "c"
        path = write(config / "apiserver.conf", ORIGINAL)
        os.chown(config, 0, group.gid)
        config.chmod(0o770)
        os.chown(path, 0, group.gid)
        path.chmod(0o660)
        before = picture(config)
        env = {"CLEARML_CONFIG_DIR": str(config), "PATH": os.environ.get("PATH", "")}
        result = run_as(member, [member.gid, group.gid], ["set", KEY, "true"], env)
        assert result.code == 4, result
        assert result.err == (
            f"error: cannot keep the owner of {path} (root): the new file would belong to {member.name}; "
            "nothing was written\n"
            "hint: run as root (e.g. with sudo): clearml-cfg replaces a file with a new one, and only they can give "
            "it its owner back\n"
        )
        assert picture(config) == before


@needs_root
def test_a_user_edits_a_file_of_its_own_keeping_owner_group_and_mode(shared: Path) -> None:
    with throwaway_user() as owner:
        config = shared / "c"
        path = write(config / "apiserver.conf", ORIGINAL)
        for made in (config, path):
            os.chown(made, owner.uid, owner.gid)
        path.chmod(0o640)
        env = {"CLEARML_CONFIG_DIR": str(config), "PATH": os.environ.get("PATH", "")}
        result = run_as(owner, [owner.gid], ["set", KEY, "true", "--quiet"], env)
        assert (result.code, result.err) == (0, "")
        info = path.stat()
        assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (owner.uid, owner.gid, 0o640)
        assert path.read_text() == "# kept\nauth.cookies.secure: true\n"


@needs_root
def test_root_keeps_the_owner_group_and_mode_of_someone_elses_file(cli: Run, config_dir: Path) -> None:
    with throwaway_user() as owner, throwaway_group(owner) as group:
        path = write(config_dir / "apiserver.conf", ORIGINAL)
        os.chown(path, owner.uid, group.gid)
        path.chmod(0o2660)
        result = cli("set", KEY, "true")
        assert result.code == 0, result
        info = path.stat()
        assert (info.st_uid, info.st_gid, oct(info.st_mode & 0o7777)) == (owner.uid, group.gid, "0o2660")
        assert path.read_text() == "# kept\nauth.cookies.secure: true\n"
        backup = config_dir / "apiserver.conf.bak"
        assert (backup.stat().st_uid, oct(backup.stat().st_mode & 0o777)) == (owner.uid, "0o600")


def _acl(*entries: tuple[int, int, int]) -> bytes:
    """A POSIX ACL as the kernel stores it in system.posix_acl_access: a version, then (tag, permissions, id)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


ANYONE = 0xFFFFFFFF
ACL = _acl((0x01, 6, ANYONE), (0x02, 6, 4321), (0x04, 4, ANYONE), (0x10, 6, ANYONE), (0x20, 4, ANYONE))


def _attributes(path: Path) -> dict[str, bytes]:
    return {name: os.getxattr(path, name) for name in sorted(os.listxattr(path))}


def test_acls_and_extended_attributes_are_kept(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    try:
        os.setxattr(path, "user.origin", b"provisioned by ansible")
        if as_root:
            os.setxattr(path, "system.posix_acl_access", ACL)  # user 4321 may write too
    except OSError:
        pytest.skip("this file system keeps no extended attributes")
    attributes, mode = _attributes(path), path.stat().st_mode
    result = cli("set", KEY, "true")
    assert result.code == 0, result
    assert _attributes(path) == attributes
    assert path.stat().st_mode == mode
    assert path.read_text() == "# kept\nauth.cookies.secure: true\n"


def test_an_attribute_that_cannot_be_kept_is_a_refusal(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    try:
        os.setxattr(path, "user.origin", b"provisioned by ansible")
    except OSError:
        pytest.skip("this file system keeps no extended attributes")
    before = picture(config_dir)

    def refused(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "setxattr", refused)
    result = cli("set", KEY, "true")
    assert result.code == 4
    assert result.err == (
        f"error: cannot keep its extended attribute user.origin on the new {path}: Operation not permitted; "
        "nothing was written\n"
        "hint: run as root (e.g. with sudo), who can copy it onto the new file, or edit the file by hand\n"
    )
    assert picture(config_dir) == before


def test_a_file_with_hard_links_is_not_split(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    os.link(path, tmp_path / "second-name.conf")
    before = picture(tmp_path)
    result = cli("set", KEY, "true")
    assert result.code == 4
    assert result.err == (
        f"error: {path} has 2 hard links: replacing it would leave the other names with the old content; "
        "nothing was written\n"
        "hint: make the other names symbolic links to it (ln -sf), or edit the file by hand\n"
    )
    assert picture(tmp_path) == before


def test_a_read_only_file_is_not_replaced_even_by_root(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    path.chmod(0o444)
    before = picture(config_dir)
    result = cli("set", KEY, "true")
    assert result.code == 4
    assert result.err == (
        f"error: {path} is read-only (mode 444)\nhint: chmod u+w {path}, if it is meant to be edited"
        + (" (or --force, which keeps the mode)\n" if os.geteuid() == 0 else "\n")
    )
    assert picture(config_dir) == before


@needs_root
def test_an_immutable_file_says_so(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
        pytest.skip("chattr +i is not possible here")
    try:
        before = picture(config_dir)
        result = cli("set", KEY, "true")
        assert result.code == 4
        assert result.err == (
            f"error: {path} is immutable (chattr +i): no one can replace it, root included\n"
            f"hint: chattr -i {path} as root, if it is meant to be edited\n"
        )
        assert picture(config_dir) == before
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# --- 11. a command killed between two renames ----------------------------------------------------------------

KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from clearml_cfg.cli import main
    real_replace, real_fsync = os.replace, os.fsync
    renamed, synced = [], []
    def replace(source, target, **kwargs):
        real_replace(source, target, **kwargs)
        if str(target).endswith(".conf"):
            renamed.append(target)
            if sys.argv[1] == "rename" and len(renamed) == 1:
                os.kill(os.getpid(), signal.SIGKILL)  # between the renames of the two files
    def fsync(fd):
        real_fsync(fd)
        synced.append(fd)
        if sys.argv[1] == "stage" and len(synced) == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # while the temporary files are written
    os.replace, os.fsync = replace, fsync
    main(["cors", "--origin", "https://app.example.com", "--credentials"])
    """
)


def _killed(config: Path, when: str) -> int:
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config)}
    return subprocess.run([sys.executable, "-c", KILLED, when], env=env, capture_output=True).returncode


def _cors_files(config: Path) -> None:
    write(config / "apiserver.conf", '# api\ncors { origins: "*" }\n')
    write(config / "fileserver.conf", '# files\ncors { origins: "*" }\n')


def test_an_edit_killed_between_two_renames_is_reported_and_completed(
    cli: Run, config_dir: Path, tmp_path: Path
) -> None:
    done = tmp_path / "done"
    _cors_files(done)
    assert (
        cli("cors", "--origin", "https://app.example.com", "--credentials", env={"CLEARML_CONFIG_DIR": str(done)}).code
        == 0
    )
    _cors_files(config_dir)
    assert _killed(config_dir, "rename") == -signal.SIGKILL
    journal = config_dir / ".clearml-cfg.journal"
    api, files = config_dir / "apiserver.conf", config_dir / "fileserver.conf"
    assert journal.exists()
    assert api.read_bytes() == (done / "apiserver.conf").read_bytes()  # one file changed, the other not
    assert files.read_text() == '# files\ncors { origins: "*" }\n'

    refused = cli("set", KEY, "true")
    assert refused.code == 4
    assert refused.err == (
        f"error: an earlier edit by clearml-cfg in {config_dir} was interrupted before it was complete; nothing "
        "was written\n"
        "hint: run clearml-cfg check --fix to complete it (or check to see it), then run this command again\n"
    )
    found = cli("check")
    assert found.code == 1
    assert (
        f"error .clearml-cfg.journal interrupted-edit an edit by clearml-cfg was stopped halfway: {api} changed, "
        f"{files} not yet; the files disagree, and every write is refused until the edit is complete\n"
        "  hint: complete it (--fix does: the new content of each file is ready beside it), or remove "
        f"{journal} (fixable: --fix)\n"
    ) in found.out
    preview = cli("check", "--fix", "--dry-run")
    assert f"would complete the interrupted edit ({journal})" in preview.err
    assert journal.exists()
    fixed = cli("check", "--fix")
    assert f"completed the interrupted edit of {files}" in fixed.err
    assert picture(config_dir) == {name: entry for name, entry in picture(done).items() if not name.endswith(".lock")}


def test_temporary_files_of_a_killed_command_are_reported_and_removed(cli: Run, config_dir: Path) -> None:
    _cors_files(config_dir)
    before = picture(config_dir)
    assert _killed(config_dir, "stage") == -signal.SIGKILL
    left = sorted(p for p in config_dir.iterdir() if p.name.endswith(".tmp"))
    assert left and not (config_dir / ".clearml-cfg.journal").exists()
    found = cli("check")
    assert found.code == 0
    for path in left:
        assert (
            f"warning {path.name} stale-temporary-file {path.name} is a temporary file left by a clearml-cfg that "
            f"was stopped while writing (the server ignores it)\n  hint: remove it (--fix does): rm {path} "
            "(fixable: --fix)\n"
        ) in found.out
    fixed = cli("check", "--fix")
    assert all(f"removed {path}" in fixed.err for path in left)
    assert picture(config_dir) == before
