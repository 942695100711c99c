"""The domain of web-login users and passwords, below the command line."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from clearml_cfg.cli import prompts
from clearml_cfg.errors import NoMatch, UsageError
from clearml_cfg.features.users import LoginCheck, verify_password
from clearml_cfg.model import passwords
from clearml_cfg.model.logins import check_rounds, hash_password, password_kind

RAW = bcrypt.hashpw(b"pw", bcrypt.gensalt(4))
B64 = base64.b64encode(RAW).decode()


# --- hashing ------------------------------------------------------------------------------------------------


def test_hash_password_is_what_the_server_checks() -> None:
    stored = hash_password("pässwörd", 4)
    assert stored.isascii()
    assert bcrypt.checkpw("pässwörd".encode(), base64.b64decode(stored))
    assert base64.b64decode(stored).startswith(b"$2b$04$")
    assert hash_password("pässwörd", 4) != stored  # a new salt every time


@pytest.mark.parametrize(("rounds", "ok"), [(3, False), (4, True), (12, True), (31, True), (32, False), (-1, False)])
def test_rounds_range(rounds: int, ok: bool) -> None:
    if ok:
        check_rounds(rounds)
    else:
        with pytest.raises(UsageError, match="outside bcrypt's range 4-31"):
            check_rounds(rounds)


@pytest.mark.parametrize(
    ("password", "ok"),
    [("x" * 72, True), ("x" * 73, False), ("é" * 36, True), ("é" * 36 + "x", False), ("ÿ" * 37, False), ("", False)],
)
def test_the_72_byte_rule_counts_utf8_bytes(password: str, ok: bool) -> None:
    if ok:
        passwords.check_new_password(password)
    else:
        with pytest.raises(UsageError):
            passwords.check_new_password(password)


@pytest.mark.parametrize("password", ["😀", "密码", "a€"])
def test_a_password_no_login_can_carry_is_refused(password: str) -> None:
    """The web app's btoa refuses characters above U+00FF, and the server decodes the login header as latin-1."""
    with pytest.raises(UsageError) as refused:
        passwords.check_new_password(password)
    assert (refused.value.message, refused.value.hint) == (
        "the password has a character above U+00FF: the web app cannot send it and the server reads a login as "
        "latin-1, so this password could never log in",
        "choose a password of Latin-1 characters (ASCII, accented Latin letters), or let --generate make one",
    )


# --- what the server makes of a stored value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hashed", "kind", "problem"),
    [
        (B64, True, "bcrypt", None),
        (base64.b64encode(bcrypt.hashpw(b"pw", b"$2a$04$" + RAW[7:29])).decode(), True, "bcrypt", None),
        (f"b'{B64}'", True, "broken", "b'...' wrapper"),
        (f'b"{B64}"', True, "broken", "b'...' wrapper"),
        (RAW.decode(), True, "broken", "raw $2b$ bcrypt hash"),
        ("hunter2", True, "broken", "not base64 of a bcrypt hash"),
        (base64.b64encode(b"not a hash at all").decode(), True, "broken", "not base64 of a bcrypt hash"),
        (12345678, True, "broken", "the stored password is a number"),
        ("", True, "broken", "empty"),
        ("hunter2", False, "plain", None),
        (12345678, False, "broken", "the password is a number (unquoted)"),
        (True, False, "broken", "the boolean true"),
        (None, False, "broken", "null"),
        (B64, False, "plain", "looks like a bcrypt hash, but pass_hashed is false"),
        (f"b'{B64}'", False, "plain", "b'...' wrapper around a hash"),
        (RAW.decode(), False, "plain", "raw $2b$ bcrypt hash"),
        ("", False, "plain", "empty"),
    ],
)
def test_password_kind(value: Any, hashed: bool, kind: str, problem: str | None) -> None:
    found, problems = password_kind(value, hashed)
    assert found == kind
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]
        if isinstance(value, str) and value:
            assert value not in problems[0]  # a problem never shows the password or hash


def test_a_hash_with_whitespace_still_works_because_the_server_decodes_leniently() -> None:
    # base64.b64decode without validate=True skips a line break: the server accepts this value, so do we
    wrapped = B64[:40] + "\n" + B64[40:]
    assert password_kind(wrapped, True) == ("bcrypt", [])
    check = LoginCheck("jane", wrapped, hashed=True, in_use=True, blocker=None)
    assert "matches" in verify_password(check, "pw")


@pytest.mark.parametrize(
    ("stored", "hashed", "password", "matched"),
    [
        ("hunter2", False, "hunter2", True),
        ("hunter2", False, "hunter2 ", False),
        (12345678, False, "12345678", False),
        (B64, True, "pw", True),
        (B64, True, "pW", False),
        (RAW.decode(), True, "pw", False),  # the server's checkpw raises on this; a login fails
        ("é-not-ascii", True, "pw", False),
        (None, True, "pw", False),
    ],
)
def test_verify_password(stored: Any, hashed: bool, password: str, matched: bool) -> None:
    check = LoginCheck("jane", stored, hashed=hashed, in_use=True, blocker=None)
    if matched:
        assert "matches" in verify_password(check, password)
    else:
        with pytest.raises(NoMatch) as caught:
            verify_password(check, password)
        assert "\n" not in caught.value.message


def test_verify_under_bcrypt_4_and_5_refuses_long_passwords_before_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> bool:
        raise AssertionError("bcrypt must not see a password over 72 bytes")

    monkeypatch.setattr(bcrypt, "checkpw", fail)
    check = LoginCheck("jane", B64, hashed=True, in_use=True, blocker=None)
    with pytest.raises(NoMatch, match="73 bytes long"):
        verify_password(check, "x" * 73)


# --- password sources ---------------------------------------------------------------------------------------


class BinaryStdin(io.TextIOWrapper):
    """A stdin with a byte buffer, like the real one."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "password"),
    [
        (b"pw\n", "pw"),
        (b"pw\r\n", "pw"),
        (b"pw", "pw"),
        (b" two words \nsecond\n", " two words "),
        ("pässwörd\n".encode(), "pässwörd"),
        (b"\n", ""),
    ],
)
def test_stdin_is_one_utf8_line(monkeypatch: pytest.MonkeyPatch, data: bytes, password: str) -> None:
    monkeypatch.setattr(sys, "stdin", BinaryStdin(data))
    assert prompts.read_stdin_line("--password-stdin") == password


def test_stdin_that_is_not_utf8_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", BinaryStdin(b"\xff\xfe\n"))
    with pytest.raises(UsageError, match="not UTF-8"):
        prompts.read_stdin_line("--password-stdin")
    monkeypatch.setattr(sys, "stdin", BinaryStdin(b""))
    with pytest.raises(UsageError, match="stdin is empty"):
        prompts.read_stdin_line("--stdin")


def test_generated_passwords_are_strong_and_shell_safe() -> None:
    made = {passwords.generate() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert len(password) == 24  # 18 random bytes: 144 bits
        assert password.replace("-", "").replace("_", "").isalnum() and password.isascii()


def test_one_source_only() -> None:
    with pytest.raises(UsageError, match="--password-stdin and --generate and --password both give"):
        prompts.obtain(label="x", stdin=True, generate_one=True, argv="pw")
    obtained = prompts.obtain(label="x", argv="pw")
    assert obtained.password == "pw" and obtained.warnings == [prompts.ARGV_WARNING]


# --- start-up cost ------------------------------------------------------------------------------------------


def test_bcrypt_is_loaded_only_to_hash_or_check(tmp_path: Path) -> None:
    (tmp_path / "apiserver.conf").write_text(
        f'auth.fixed_users {{ enabled: true, pass_hashed: true, users: [{{ username: "j", password: "{B64}", '
        'name: "J" }] }\n'
    )
    code = (
        "import sys; from clearml_cfg.cli import main; import clearml_cfg.features.users, clearml_cfg.model.passwords; "
        "loaded = [m for m in ('bcrypt', 'rich') if m in sys.modules]; "
        f"code = main(['list-users', '-c', {str(tmp_path)!r}]); "
        "print(code, ','.join(loaded), 'bcrypt' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "0  False", result.stdout + result.stderr


def test_add_user_starts_the_hash_before_it_loads_the_rest_of_the_tool(tmp_path: Path) -> None:
    """The hash is the slow part and needs only the password: the files are read and edited while it runs."""
    (tmp_path / "apiserver.conf").write_text("auth.fixed_users { enabled: true, pass_hashed: true, users: [] }\n")
    code = (
        "import sys\n"
        "from clearml_cfg.model.passwords import Hashing\n"
        "start, seen = Hashing.__init__, []\n"
        "def started(self, *args):\n"
        "    seen.append(sorted(m for m in sys.modules if m.startswith('clearml_cfg.features')))\n"
        "    start(self, *args)\n"
        "Hashing.__init__ = started\n"
        "from clearml_cfg.cli import main\n"
        f"code = main(['add-user', 'jane', '--password-stdin', '--rounds', '4', '-q', '-c', {str(tmp_path)!r}])\n"
        "print(code, seen)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input="a-long-password\n", capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 [[]]", result.stdout + result.stderr
    assert "username: " in (tmp_path / "apiserver.conf").read_text()
