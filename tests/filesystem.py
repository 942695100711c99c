"""File-system helpers for tests of writes: a byte-for-byte picture of a directory, a throwaway second user
(as root only), and running the command line as that user."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

as_root = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not as_root or shutil.which("useradd") is None, reason="a second user can be made only as root"
)


def picture(directory: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``directory`` (dotfiles included): its kind, bytes or link target, mode, owner, group,
    link count and extended attributes. Two pictures are equal when nothing at all changed."""
    found: dict[str, tuple[object, ...]] = {}
    if not os.path.lexists(directory):
        return found
    for path in sorted([directory, *directory.rglob("*")]):
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            content: object = ("link", os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            content = ("file", path.read_bytes())
        else:
            content = ("dir" if stat.S_ISDIR(info.st_mode) else "special", None)
        attributes: dict[str, bytes] = {}
        if not stat.S_ISLNK(info.st_mode):
            with contextlib.suppress(OSError):
                attributes = {name: os.getxattr(path, name) for name in sorted(os.listxattr(path))}
        found[str(path.relative_to(directory))] = (
            content,
            stat.S_IMODE(info.st_mode),
            info.st_uid,
            info.st_gid,
            info.st_nlink if stat.S_ISREG(info.st_mode) else None,
            attributes,
        )
    return found


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int  # the user's own group


@dataclass(frozen=True)
class Group:
    name: str
    gid: int


@contextlib.contextmanager
def throwaway_user() -> Iterator[User]:
    name = "cfgt" + uuid.uuid4().hex[:8]
    subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell", "/bin/false", name], check=True)
    try:
        import pwd

        entry = pwd.getpwnam(name)
        yield User(name, entry.pw_uid, entry.pw_gid)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", name], check=False, capture_output=True)


@contextlib.contextmanager
def throwaway_group(*members: User) -> Iterator[Group]:
    name = "cfgg" + uuid.uuid4().hex[:8]
    subprocess.run(["groupadd", name], check=True)
    try:
        import grp

        if members:
            subprocess.run(["gpasswd", "-M", ",".join(m.name for m in members), name], check=True, capture_output=True)
        yield Group(name, grp.getgrnam(name).gr_gid)
    finally:
        subprocess.run(["groupdel", name], check=False, capture_output=True)


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def shared_directory() -> Path:
    """A new directory every user can reach (pytest's own is its owner's alone)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="clearml-cfg-test-"))
    path.chmod(0o755)
    return path


def run_as(user: User, groups: list[int], argv: list[str], env: dict[str, str], stdin: str = "") -> Outcome:
    """``clearml-cfg ARGV`` in a forked child that became ``user`` (with ``groups``): the interpreter need not be
    one the user could start. The child first runs the command as root on a copy of the config directory, so
    that every module it imports on the way is loaded while the interpreter's own files are still readable."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code, out, err = 70, "", ""
        try:
            os.close(read_end)
            import grp  # noqa: F401  (the names of users and groups in messages)
            import pwd  # noqa: F401

            from clearml_cfg.cli import main

            scratch = shared_directory()
            shutil.copytree(env["CLEARML_CONFIG_DIR"], scratch / "c", symlinks=True)
            os.environ.update({**env, "CLEARML_CONFIG_DIR": str(scratch / "c")})
            sys.stdin = io.StringIO(stdin)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            main(argv)
            shutil.rmtree(scratch)
            os.setgroups(groups)
            os.setgid(user.gid)
            os.setuid(user.uid)
            os.environ.clear()
            os.environ.update(env)
            sys.stdin = io.StringIO(stdin)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            code = main(argv)
            out, err = sys.stdout.getvalue(), sys.stderr.getvalue()
        except BaseException as e:  # reported to the parent, never raised into its test
            err = f"child failed: {type(e).__name__}: {e}"
        finally:
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(json.dumps([code, out, err]))
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, out, err = json.loads(data)
    return Outcome(code, out, err)
