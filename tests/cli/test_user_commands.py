"""add-user, passwd, remove-user, list-users, verify-password, hash-password through the real command line.

Every stored value is checked the way the server checks it: ``bcrypt.checkpw(pw, base64.b64decode(stored))``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from conftest import Run, write
from helpers import COMMANDS_DOC, pyhocon_plain

from clearml_cfg.features.config import STARTERS
from clearml_cfg.io.locking import LOCK_NAME

LOW = "--rounds", "4"  # every test hashes at the lowest cost: the result is checked the same way


def quick_hash(password: str) -> str:
    return base64.b64encode(bcrypt.hashpw(password.encode(), bcrypt.gensalt(4))).decode()


def server_accepts(stored: Any, password: str) -> bool:
    """The server's own check (SERVER-SEMANTICS §5)."""
    return bcrypt.checkpw(password.encode("utf-8"), base64.b64decode(stored))


def users_of(config_dir: Path, name: str = "apiserver.conf") -> list[dict[str, Any]]:
    tree = pyhocon_plain((config_dir / name).read_text())
    return tree["auth"]["fixed_users"]["users"]  # type: ignore[no-any-return]


def password_of(config_dir: Path, username: str) -> Any:
    return next(u["password"] for u in users_of(config_dir) if u["username"] == username)


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.name != LOCK_NAME}


class Terminal(io.StringIO):
    """A stdin that says it is a terminal (the prompt reads through getpass, which the tests replace)."""

    def isatty(self) -> bool:
        return True


class Prompt(list[str]):
    """Answers for getpass, in order; ``asked`` collects the prompts shown."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def getpass(self, label: str = "Password: ", stream: object = None) -> str:
        self.asked.append(label)
        if not self:
            raise AssertionError(f"unexpected prompt {label!r}")
        return self.pop(0)


@pytest.fixture
def prompt(monkeypatch: pytest.MonkeyPatch) -> Prompt:
    """stdin is a terminal, and getpass answers from the list (failing the test on a prompt nobody expected)."""
    answers = Prompt()
    monkeypatch.setattr("getpass.getpass", answers.getpass)
    monkeypatch.setattr(sys, "stdin", Terminal())
    return answers


# A hand-written file in hashed mode, with comments everywhere
HASHED = """\
# apiserver.conf of the team server
auth {
    # web login: only these users
    fixed_users {
        enabled: true   # set by hand
        pass_hashed: true
        users: [
            # the admin
            {
                username: "jane"
                password: "JANE"  # hashed
                name: "Jane Doe"
            }
        ]
    }
}
"""

# The same in plain-text mode, as admins write it today (the seed's "Web Login Authentication")
PLAIN = """\
// team server
auth {
    fixed_users {
        enabled: true
        pass_hashed: false  # TODO hash these
        users: [
            {
                username: "jane"
                password: "12345678"
                name: "Jane Doe"
            },
            # contractor
            {
                username: "john"
                password: "hunter2"
                name: "John Doe"
                company: "d1bd92a3b039400cbafc60a7a5b1e52b"
            },
        ]
    }
}
"""


def hashed_file(config_dir: Path, jane_password: str = "jane-pw") -> tuple[Path, str]:
    jane = quick_hash(jane_password)
    return write(config_dir / "apiserver.conf", HASHED.replace("JANE", jane)), jane


# --- add-user -----------------------------------------------------------------------------------------------


def test_add_user_appends_to_a_commented_file_and_keeps_every_comment(cli: Run, config_dir: Path) -> None:
    path, jane = hashed_file(config_dir)
    result = cli("add-user", "ada", "--name", "Ada Lovelace", "--password-stdin", *LOW, stdin="ada-pw\n")
    assert result.code == 0, result
    ada = password_of(config_dir, "ada")
    assert path.read_text() == HASHED.replace("JANE", jane).replace(
        '                name: "Jane Doe"\n            }\n',
        '                name: "Jane Doe"\n            }\n'
        "            {\n"
        '                username: "ada"\n'
        f'                password: "{ada}"\n'
        '                name: "Ada Lovelace"\n'
        "            }\n",
    )
    assert server_accepts(ada, "ada-pw")
    assert ada.startswith(base64.b64encode(b"$2b$04$").decode()[:8])
    assert password_of(config_dir, "jane") == jane  # untouched
    assert (config_dir / "apiserver.conf.bak").read_text() == HASHED.replace("JANE", jane)
    assert "ada-pw" not in result.err + result.out
    assert ada not in result.err  # the diff masks the hash
    assert '+                password: "********"' in result.err
    assert "restart apiserver" in result.err
    assert result.out == ""


def test_add_user_creates_a_private_file_with_login_enabled_and_hashed(cli: Run, config_dir: Path) -> None:
    result = cli("add-user", "jane", "--password-stdin", *LOW, stdin="pw\n")
    assert result.code == 0, result
    path = config_dir / "apiserver.conf"
    stored = password_of(config_dir, "jane")
    assert path.read_text() == (
        "auth {\n"
        "    fixed_users {\n"
        "        enabled: true\n"
        "        pass_hashed: true\n"
        "\n"
        "        users: [\n"
        "            {\n"
        '                username: "jane"\n'
        f'                password: "{stored}"\n'
        '                name: "jane"\n'
        "            }\n"
        "        ]\n"
        "    }\n"
        "}\n"
    )
    assert path.stat().st_mode & 0o777 == 0o600
    assert server_accepts(stored, "pw")
    assert "fixed users are now enabled" in result.err


def test_add_user_after_init_keeps_the_starter_comments(cli: Run, config_dir: Path) -> None:
    assert cli("init", "--quiet").code == 0
    assert cli("add-user", "jane", "--password-stdin", "--company", "c0ffee", "--guest", *LOW, stdin="pw").code == 0
    text = (config_dir / "apiserver.conf").read_text()
    assert text.startswith(STARTERS["apiserver.conf"] + "\nauth {\n")
    assert users_of(config_dir)[0] == {
        "username": "jane",
        "password": password_of(config_dir, "jane"),
        "name": "jane",
        "company": "c0ffee",
        "is_guest": True,
    }


def test_add_user_enables_fixed_users_when_they_are_off(cli: Run, config_dir: Path) -> None:
    jane = quick_hash("x")
    path = write(
        config_dir / "apiserver.conf",
        "auth.fixed_users {\n  enabled: false\n  pass_hashed: true\n"
        f'  users: [{{ username: "jane", password: "{jane}", name: "Jane" }}]\n}}\n',
    )
    result = cli("add-user", "ada", "--password-stdin", *LOW, stdin="pw")
    assert result.code == 0, result
    assert "-  enabled: false" in result.err and "+  enabled: true" in result.err
    assert pyhocon_plain(path.read_text())["auth"]["fixed_users"]["enabled"] is True


PASSWORDS = [
    'say "hi"',
    "back\\slash\\",
    "${x} and ${?HOME}",
    "# not a comment // nor this",
    "Ünïcødé läßt grüßen, ÿ",
    "  spaces around  ",
    "'single' \"double\" \\ ${x} # é",
]


@pytest.mark.parametrize("password", PASSWORDS)
def test_any_password_survives_hashed(cli: Run, config_dir: Path, password: str) -> None:
    result = cli("add-user", "jane", "--password-stdin", *LOW, stdin=password + "\n")
    assert result.code == 0, result
    assert server_accepts(password_of(config_dir, "jane"), password)
    assert cli("verify-password", "jane", "--password-stdin", stdin=password + "\n").code == 0
    assert cli("verify-password", "jane", "--password-stdin", stdin=password + "x\n").code == 1


@pytest.mark.parametrize("password", PASSWORDS)
def test_any_password_survives_as_plain_text(cli: Run, config_dir: Path, password: str) -> None:
    result = cli("add-user", "jane", "--password-stdin", "--plaintext", stdin=password + "\n")
    assert result.code == 0, result
    assert password_of(config_dir, "jane") == password  # pyhocon, the server's parser, reads it back exactly
    assert cli("verify-password", "jane", "--password-stdin", stdin=password + "\n").code == 0


def test_plain_text_users_are_hashed_when_a_hashed_user_is_added(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    result = cli("add-user", "ada", "--password-stdin", *LOW, stdin="ada-pw")
    assert result.code == 0, result
    stored = {u["username"]: u["password"] for u in users_of(config_dir)}
    assert server_accepts(stored["jane"], "12345678")
    assert server_accepts(stored["john"], "hunter2")
    assert server_accepts(stored["ada"], "ada-pw")
    assert path.read_text() == (
        PLAIN.replace("pass_hashed: false", "pass_hashed: true")
        .replace('"12345678"', f'"{stored["jane"]}"')
        .replace('"hunter2"', f'"{stored["john"]}"')
        .replace(
            '                company: "d1bd92a3b039400cbafc60a7a5b1e52b"\n            },\n',
            '                company: "d1bd92a3b039400cbafc60a7a5b1e52b"\n            },\n'
            "            {\n"
            '                username: "ada"\n'
            f'                password: "{stored["ada"]}"\n'
            '                name: "ada"\n'
            "            },\n",
        )
    )
    assert "-        pass_hashed: false  # TODO hash these" in result.err
    assert "+        pass_hashed: true  # TODO hash these" in result.err
    assert "'jane', 'john' were hashed too" in result.err
    assert "12345678" not in result.err and "hunter2" not in result.err
    for user, password in (("jane", "12345678"), ("john", "hunter2"), ("ada", "ada-pw")):
        assert cli("verify-password", user, "--password-stdin", stdin=password).code == 0


def test_plaintext_keeps_plain_mode_and_warns(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    result = cli("add-user", "ada", "--password", "ada-pw", "--plaintext")
    assert result.code == 0, result
    assert path.read_text() == PLAIN.replace(
        '                company: "d1bd92a3b039400cbafc60a7a5b1e52b"\n            },\n',
        '                company: "d1bd92a3b039400cbafc60a7a5b1e52b"\n            },\n'
        "            {\n"
        '                username: "ada"\n'
        '                password: "ada-pw"\n'
        '                name: "ada"\n'
        "            },\n",
    )
    assert "stored as plain text" in result.err
    assert "warning: --password puts the password in the process list" in result.err


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("12345678", "the password of 'jane' is a number"),
        ('""', "the password of 'jane' is empty"),
        (f'"{"x" * 73}"', "the password of 'jane' is longer than 72 bytes"),
        ("${?NOT_SET_ANYWHERE}", "the password of 'jane' is computed by a substitution"),
    ],
)
def test_migration_refuses_a_password_it_cannot_hash_faithfully(
    cli: Run, config_dir: Path, stored: str, message: str
) -> None:
    text = f'auth.fixed_users {{\n  users: [{{ username: "jane", password: {stored}, name: "Jane" }}]\n}}\n'
    path = write(config_dir / "apiserver.conf", text)
    result = cli("add-user", "ada", "--password-stdin", *LOW, stdin="pw")
    assert result.code == 2, result
    assert message in result.err
    assert "clearml-cfg passwd jane" in result.err or "computed by" in message
    assert path.read_text() == text


def test_a_progress_bar_shows_on_a_terminal_when_several_passwords_are_hashed(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    piped = cli("add-user", "ada", "--password-stdin", *LOW, "--dry-run", stdin="pw")
    assert piped.code == 0 and "hashing passwords" not in piped.err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    shown = cli("add-user", "ada", "--password-stdin", *LOW, stdin="pw")
    assert shown.code == 0, shown
    assert "hashing passwords" in shown.err


# --- refusals: exit 2, nothing written ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "message", "hint"),
    [
        (["jane", "--password-stdin"], "pw\n", "the user 'jane' already exists", "clearml-cfg passwd jane"),
        (["ada", "--password-stdin"], "\n", "the password is empty", "--generate"),
        (["ada", "--password-stdin"], "x" * 73 + "\n", "73 bytes long in UTF-8", "at most 72 bytes"),
        (["ada", "--password-stdin"], "é" * 37 + "\n", "74 bytes long in UTF-8", "at most 72 bytes"),
        (["ad:a", "--password-stdin"], "pw\n", "contains ':'", "without ':'"),
        (["", "--password-stdin"], "pw\n", "the username is empty", None),
        (["   ", "--password-stdin"], "pw\n", "the username '   ' is only blanks", "such as jane"),
        (["ja\nne", "--password-stdin"], "pw\n", "contains the control character '\\n'", "printable"),
        (["ja\tne", "--password-stdin"], "pw\n", "contains the control character '\\t'", "printable"),
        (["ja\x1bne", "--password-stdin"], "pw\n", "contains the control character '\\x1b'", "printable"),
        (["ab\udcff", "--password-stdin"], "pw\n", "argument 2 is not valid UTF-8 text (byte 0xff)", "UTF-8"),
        (["ada", "--password", "p\udcff"], None, "the value of --password is not valid UTF-8 text", "UTF-8"),
        (
            ["ada", "--generate", "--name", "\udce9"],
            None,
            "the value of --name is not valid UTF-8 text (byte 0xe9",
            "UTF-8",
        ),
        (["ada", "--generate", "--company", "c\udc80"], None, "the value of --company is not valid UTF-8", "UTF-8"),
        (["ada", "--password-stdin", "--name", " "], "pw\n", "--name is empty", None),
        (["ada", "--password-stdin", "--rounds", "3"], "pw\n", "outside bcrypt's range 4-31", None),
        (["ada", "--password-stdin", "--rounds", "32"], "pw\n", "outside bcrypt's range 4-31", None),
        (["ada", "--password-stdin", "--generate"], "pw\n", "--password-stdin and --generate both give", None),
        (["ada", "--plaintext", "--password-stdin"], "pw\n", "stores bcrypt hashes (pass_hashed: true)", "--plaintext"),
        (["ada", "--password-stdin"], "", "stdin is empty", None),
        (["ada"], None, "stdin is not a terminal", "--password-stdin"),
    ],
)
def test_add_user_refusals_write_nothing(
    cli: Run, config_dir: Path, args: list[str], stdin: str | None, message: str, hint: str | None
) -> None:
    hashed_file(config_dir)
    before = files_of(config_dir)
    if "--rounds" not in args and "--plaintext" not in args:
        args = [*args, *LOW]
    result = cli("add-user", *args, stdin=stdin)
    assert result.code == 2, result
    lines = [line for line in result.err.splitlines() if not line.startswith("warning: --password puts")]
    assert lines[0].startswith("error: ") and message in lines[0], result
    if hint:
        assert "hint: " in result.err and hint in result.err
    assert files_of(config_dir) == before  # nothing written, no backup made
    assert result.out == ""


def test_passwords_that_are_not_utf8_are_refused_everywhere(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    hashed_file(config_dir)
    before = files_of(config_dir)
    for command in (["passwd", "jane", "--password", "p\udcff"], ["hash-password"], ["verify-password", "jane"]):
        prompt.extend(["p\udcff", "p\udcff"] if command[0] == "hash-password" else ["p\udcff"])
        result = cli(*command, *LOW) if command[0] != "verify-password" else cli(*command)
        assert result.code == 2, result
        assert "password is not valid UTF-8 text\nhint: " in result.err
        assert "0xff" not in result.err  # nothing about a password's content
        prompt.clear()
    assert files_of(config_dir) == before


@pytest.mark.parametrize("flavour", ["bcrypt4", "bcrypt5"])
def test_the_72_byte_rule_holds_under_bcrypt_4_and_5(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    real = bcrypt.hashpw
    seen: list[int] = []

    def hashpw(password: bytes, salt: bytes) -> bytes:
        seen.append(len(password))
        if len(password) > 72:
            if flavour == "bcrypt5":
                raise ValueError("password cannot be longer than 72 bytes")
            password = password[:72]  # bcrypt 4 truncates silently
        return real(password, salt)

    path, _ = hashed_file(config_dir)
    before = path.read_text()
    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    long = "é" * 36 + "x"  # 73 bytes, 37 characters
    for command in (["add-user", "ada", "--password-stdin"], ["hash-password", "--password-stdin"]):
        result = cli(*command, *LOW, stdin=long)
        assert result.code == 2, result
        assert "73 bytes long" in result.err
    assert cli("passwd", "jane", "--password-stdin", *LOW, stdin=long).code == 2
    assert path.read_text() == before
    assert seen == []  # refused before bcrypt saw it
    exactly = "é" * 36  # 72 bytes: accepted, and the whole password counts
    assert cli("add-user", "ada", "--password-stdin", *LOW, stdin=exactly).code == 0
    assert seen == [72]
    assert server_accepts(password_of(config_dir, "ada"), exactly)


def test_a_list_in_another_directory_is_edited_where_it_is(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "trains", tmp_path / "clearml"
    jane = quick_hash("pw")
    lower = write(
        low / "apiserver.conf",
        f'auth.fixed_users {{ enabled: true, pass_hashed: true, users: [{{ username: "jane", password: "{jane}", '
        'name: "Jane" }] }\n',
    )
    upper = write(high / "apiserver.conf", "# the winning directory\n")
    both = f"{low}{os.pathsep}{high}"
    result = cli("add-user", "ada", "--password-stdin", *LOW, "-c", both, stdin="pw")
    assert result.code == 0, result
    assert f"note: the list the server uses is written in {lower}, below the winning directory {high}" in result.err
    assert upper.read_text() == "# the winning directory\n"  # a list there would hide jane
    assert [u["username"] for u in users_of(low)] == ["jane", "ada"]
    listed = json.loads(cli("list-users", "--json", "-c", both).out)
    assert [u["username"] for u in listed["users"]] == ["jane", "ada"]
    assert listed["defined_in"] == [str(lower)]
    assert cli("verify-password", "ada", "--password-stdin", "-c", both, stdin="pw").code == 0


def test_the_password_mode_comes_from_every_directory(cli: Run, tmp_path: Path) -> None:
    """The list in an earlier directory, pass_hashed: true in the winning one: the server compares hashes."""
    low, high = tmp_path / "m1", tmp_path / "m2"
    write(low / "apiserver.conf", 'auth.fixed_users.users: [{ username: "jane", password: "old", name: "Jane" }]\n')
    upper = write(high / "apiserver.conf", "auth.fixed_users { enabled: true, pass_hashed: true }\n")
    both = f"{low}{os.pathsep}{high}"
    result = cli("passwd", "jane", "--password-stdin", *LOW, "-c", both, stdin="new-pw")
    assert result.code == 0, result
    assert "plain text" not in result.err
    assert server_accepts(password_of(low, "jane"), "new-pw")
    assert upper.read_text() == "auth.fixed_users { enabled: true, pass_hashed: true }\n"
    assert cli("verify-password", "jane", "--password-stdin", "-c", both, stdin="new-pw").code == 0
    added = cli("add-user", "ada", "--password-stdin", "--plaintext", "-c", both, stdin="pw")
    assert added.code == 2 and "stores bcrypt hashes (pass_hashed: true)" in added.err


APPENDED = """\
auth.fixed_users {
  enabled: true
  users: [ { username: "jane", password: "pw", name: "Jane" } ]
}
auth.fixed_users.users += [ { username: "john", password: "pw", name: "John" } ]
"""


@pytest.mark.parametrize(
    "command",
    [
        ["add-user", "ada", "--password-stdin", "--plaintext"],
        ["passwd", "john", "--password-stdin"],
        ["remove-user", "john"],
    ],
)
def test_a_list_extended_with_plus_equals_says_where_to_edit(cli: Run, config_dir: Path, command: list[str]) -> None:
    path = write(config_dir / "apiserver.conf", APPENDED)
    assert [u["username"] for u in json.loads(cli("list-users", "--json").out)["users"]] == ["jane", "john"]
    result = cli(*command, stdin="pw")
    assert result.code == 2, result
    assert result.err == (
        f"error: {path}: auth.fixed_users.users is extended with +=, which appends "
        "entries to a list written before; clearml-cfg edits only a list written out whole\n"
        f"hint: edit the entries by hand where they are written ({path}, lines 3, 5), "
        "or join them into one list (users: [ ... ]); clearml-cfg list-users shows every entry the server reads\n"
    )
    assert path.read_text() == APPENDED


def test_a_list_computed_by_a_substitution_says_where_it_is(cli: Run, config_dir: Path) -> None:
    text = 'team: [{ username: "jane", password: "pw", name: "Jane" }]\nauth.fixed_users.users: ${team}\n'
    path = write(config_dir / "apiserver.conf", text)
    result = cli("remove-user", "jane")
    assert result.code == 2, result
    assert "auth.fixed_users.users is computed by a substitution, not a list written out" in result.err
    assert "line 2)" in result.err
    assert path.read_text() == text


def test_an_edit_that_would_not_take_effect_is_refused(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", "auth.cookies.secure: true\n")
    text = "auth.cookies.httponly: true\n-auth { cookies.secure: false }\n"  # `-auth` replaces the whole section
    path = write(high / "apiserver.conf", text)
    result = cli("add-user", "ada", "--password-stdin", *LOW, "-c", f"{low}{os.pathsep}{high}", stdin="pw")
    assert result.code == 2, result
    assert "would not take effect: the configuration overrides the list of users elsewhere" in result.err
    assert path.read_text() == text


def test_an_existing_auth_file_is_where_users_go(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "# main\n")
    sub = write(config_dir / "apiserver" / "auth.conf", "# auth settings\n")
    assert cli("add-user", "jane", "--password-stdin", *LOW, stdin="pw").code == 0
    assert (config_dir / "apiserver.conf").read_text() == "# main\n"
    tree = pyhocon_plain(sub.read_text())
    assert tree["fixed_users"]["users"][0]["username"] == "jane"
    assert tree["fixed_users"]["enabled"] is True and tree["fixed_users"]["pass_hashed"] is True
    assert cli("verify-password", "jane", "--password-stdin", stdin="pw").code == 0


def test_the_file_that_holds_the_list_is_edited(cli: Run, config_dir: Path) -> None:
    main = write(config_dir / "apiserver.conf", PLAIN)
    sub = write(config_dir / "apiserver" / "auth.conf", "cookies.secure: true\n")
    assert cli("remove-user", "john").code == 0
    assert [u["username"] for u in users_of(config_dir)] == ["jane"]
    assert sub.read_text() == "cookies.secure: true\n"
    assert "# TODO hash these" in main.read_text()


# --- where the password comes from --------------------------------------------------------------------------


def test_stdin_takes_one_line_without_its_line_ending(cli: Run, config_dir: Path) -> None:
    assert cli("add-user", "jane", "--password-stdin", *LOW, stdin=" two words \r\nsecond line\n").code == 0
    assert server_accepts(password_of(config_dir, "jane"), " two words ")


def test_generate_prints_the_password_once_on_stdout(cli: Run, config_dir: Path) -> None:
    result = cli("add-user", "jane", "--generate", *LOW)
    assert result.code == 0, result
    password = result.out.removesuffix("\n")
    assert "\n" not in password and len(password) >= 20
    assert re.fullmatch(r"[A-Za-z0-9_-]+", password)
    assert server_accepts(password_of(config_dir, "jane"), password)
    assert password not in result.err
    assert "shown only this once" in result.err
    other = cli("add-user", "john", "--generate", *LOW, "--quiet")
    assert (other.code, other.err) == (0, "")
    assert other.out.strip() != password  # random each time
    assert server_accepts(password_of(config_dir, "john"), other.out.strip())


def test_generate_with_json_puts_the_password_in_the_one_document(cli: Run, config_dir: Path) -> None:
    result = cli("add-user", "jane", "--generate", *LOW, "--json")
    document = json.loads(result.out)  # exactly one JSON document on stdout
    assert server_accepts(password_of(config_dir, "jane"), document["password"])
    assert document["changed"][0]["path"] == str(config_dir / "apiserver.conf")
    assert document["warnings"] == [
        "fixed users are now enabled: after the apiserver restarts, only the users in this list can log in"
    ]


def test_password_on_the_command_line_works_and_warns(cli: Run, config_dir: Path) -> None:
    result = cli("add-user", "jane", "--password", "argv-pw", *LOW)
    assert result.code == 0, result
    assert "warning: --password puts the password in the process list" in result.err
    assert "argv-pw" not in result.err
    assert server_accepts(password_of(config_dir, "jane"), "argv-pw")


def test_the_prompt_asks_twice_without_echo(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    prompt.extend(["typed-pw", "typed-pw"])
    result = cli("add-user", "jane", *LOW)
    assert result.code == 0, result
    assert prompt.asked == ["New password for jane: ", "New password for jane (again): "]
    assert server_accepts(password_of(config_dir, "jane"), "typed-pw")


def test_the_prompt_refuses_two_different_passwords(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    prompt.extend(["one", "two"])
    result = cli("add-user", "jane", *LOW)
    assert result.code == 2
    assert "the two passwords differ" in result.err
    assert not any(config_dir.iterdir()) or not (config_dir / "apiserver.conf").exists()


def test_nothing_is_asked_when_the_user_exists(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    hashed_file(config_dir)
    result = cli("add-user", "jane", *LOW)  # the prompt fixture fails the test if getpass is called
    assert result.code == 2
    assert "already exists" in result.err
    assert prompt.asked == []


def test_end_of_input_at_the_prompt(cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(*_: object, **__: object) -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", eof)
    monkeypatch.setattr(sys, "stdin", Terminal())
    result = cli("add-user", "jane", *LOW)
    assert result.code == 2
    assert "no password was entered" in result.err


# --- write options ------------------------------------------------------------------------------------------


def test_dry_run_shows_the_diff_and_writes_nothing(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    before = files_of(config_dir)
    result = cli("add-user", "ada", "--password-stdin", *LOW, "-n", stdin="pw")
    assert result.code == 0, result
    assert "+        pass_hashed: true  # TODO hash these" in result.err
    assert "would update" in result.err
    assert files_of(config_dir) == before


def test_show_secrets_no_backup_quiet(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("add-user", "ada", "--password-stdin", *LOW, "--show-secrets", "--no-backup", stdin="pw")
    assert result.code == 0
    assert f'+                password: "{password_of(config_dir, "ada")}"' in result.err
    assert not (config_dir / "apiserver.conf.bak").exists()
    quiet = cli("add-user", "bob", "--password-stdin", *LOW, "-q", stdin="pw")
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")


# --- passwd -------------------------------------------------------------------------------------------------


def test_passwd_changes_one_hash_and_nothing_else(cli: Run, config_dir: Path) -> None:
    path, _ = hashed_file(config_dir, "old-pw")
    result = cli("passwd", "jane", "--password-stdin", *LOW, stdin="new-pw")
    assert result.code == 0, result
    new = password_of(config_dir, "jane")
    assert path.read_text() == HASHED.replace("JANE", new)  # the trailing comment `# hashed` stays too
    assert server_accepts(new, "new-pw") and not server_accepts(new, "old-pw")
    assert cli("verify-password", "jane", "--password-stdin", stdin="old-pw").code == 1


def test_passwd_keeps_plain_text_mode(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    result = cli("passwd", "john", "--password-stdin", stdin="better horse")
    assert result.code == 0, result
    assert path.read_text() == PLAIN.replace('"hunter2"', '"better horse"')
    assert "stored as plain text, like the others" in result.err


def test_passwd_fixes_an_unquoted_number(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN.replace('"12345678"', "12345678"))
    assert cli("verify-password", "jane", "--password-stdin", stdin="12345678").code == 1
    assert cli("passwd", "jane", "--password", "12345678").code == 0
    assert path.read_text() == PLAIN
    assert cli("verify-password", "jane", "--password-stdin", stdin="12345678").code == 0


def test_passwd_generate(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("passwd", "jane", "--generate", *LOW)
    assert result.code == 0
    assert server_accepts(password_of(config_dir, "jane"), result.out.strip())


def test_passwd_unknown_user_is_exit_1(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    path, _ = hashed_file(config_dir)
    before = path.read_text()
    result = cli("passwd", "nobody", *LOW)
    assert result.code == 1, result
    assert "there is no user 'nobody'" in result.err and "add-user nobody" in result.err
    assert prompt.asked == []
    assert path.read_text() == before


def test_passwd_refuses_a_duplicated_user(cli: Run, config_dir: Path) -> None:
    text = PLAIN.replace('username: "john"', 'username: "jane"')
    path = write(config_dir / "apiserver.conf", text)
    result = cli("passwd", "jane", "--password-stdin", stdin="x")
    assert result.code == 2
    assert "listed 2 times" in result.err and "remove-user jane" in result.err
    assert path.read_text() == text


# --- remove-user --------------------------------------------------------------------------------------------


def test_remove_user_removes_the_entry_and_warns_about_deletion(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    result = cli("remove-user", "jane")
    assert result.code == 0, result
    assert path.read_text() == PLAIN.replace(
        "            {\n"
        '                username: "jane"\n'
        '                password: "12345678"\n'
        '                name: "Jane Doe"\n'
        "            },\n",
        "",
    )
    assert (
        "warning: the server deletes the user 'jane' at its next start "
        "(apiserver.auth.delete_missing_autocreated_users is true by default)"
    ) in result.err


def test_remove_user_when_the_server_keeps_missing_users(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "apiserver.conf",
        PLAIN.replace("auth {\n", "auth {\n    delete_missing_autocreated_users: false\n"),
    )
    result = cli("remove-user", "john")
    assert result.code == 0, result
    assert "warning: the server deletes" not in result.err
    assert "'john' stays in the server's database" in result.err


def test_remove_the_last_user_warns_that_nobody_can_log_in(cli: Run, config_dir: Path) -> None:
    path, _ = hashed_file(config_dir)
    result = cli("remove-user", "jane")
    assert result.code == 0, result
    assert "nobody can log in" in result.err
    assert pyhocon_plain(path.read_text())["auth"]["fixed_users"]["users"] == []
    assert "# the admin" in path.read_text()  # a comment is never removed with a value


def test_remove_user_missing_is_exit_1(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    result = cli("remove-user", "nobody")
    assert result.code == 1
    assert "there is no user 'nobody'" in result.err
    assert path.read_text() == PLAIN
    assert not (config_dir / "apiserver.conf.bak").exists()


def test_remove_user_removes_every_duplicate(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('username: "john"', 'username: "jane"'))
    result = cli("remove-user", "jane")
    assert result.code == 0
    assert "removed the 2 entries of 'jane'" in result.err
    assert users_of(config_dir) == []


def test_comments_survive_every_command(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", PLAIN)
    comments = [line.strip() for line in PLAIN.splitlines() if "#" in line or "//" in line]
    for args, stdin in (
        (["add-user", "ada", "--password-stdin", *LOW], "a"),
        (["passwd", "jane", "--password-stdin", *LOW], "b"),
        (["remove-user", "john"], None),
        (["add-user", "bob", "--generate", *LOW], None),
    ):
        assert cli(*args, stdin=stdin).code == 0
        text = path.read_text()
        for comment in ("// team server", "# TODO hash these", "# contractor"):
            assert comment in text, (args, text)
    assert len(comments) == 3


# --- list-users ---------------------------------------------------------------------------------------------

TROUBLE_BASE = base64.b64encode(b"$2b$04$" + b"a" * 53).decode()
TROUBLE = f"""\
auth.fixed_users {{
    enabled: true
    pass_hashed: true
    users: [
        {{ username: "jane", password: "{TROUBLE_BASE}", name: "Jane Doe", company: "c1" }}
        {{ username: "wrapped", password: "b'{TROUBLE_BASE}'", name: "W" }}
        {{ username: "raw", password: "$2b$04${"a" * 53}", name: "R" }}
        {{ username: "number", password: 12345678, name: "N" }}
        {{ username: "text", password: "hunter2", name: "T" }}
        {{ username: "admin", password: "{TROUBLE_BASE}", name: "A", admin: true }}
        {{ username: "noname", password: "{TROUBLE_BASE}" }}
        {{ username: "jane", password: "{TROUBLE_BASE}", name: "Jane again" }}
        {{ username: 1234, password: "{TROUBLE_BASE}", name: "Digits" }}
    ]
}}
"""


def test_list_users_piped_is_aligned_text_and_names_every_problem(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", TROUBLE)
    result = cli("list-users")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].split() == ["USERNAME", "NAME", "COMPANY", "PASSWORD", "PROBLEMS"]
    column = lines[0].index("PASSWORD")
    rows = {line.split()[0]: line for line in lines[1:]}
    assert [line.split()[0] for line in lines[1:]] == [
        "jane", "wrapped", "raw", "number", "text", "admin", "noname", "jane", "1234"
    ]  # fmt: skip
    kinds = {name: row[column:].split()[0] for name, row in rows.items()}
    assert kinds == {
        "jane": "bcrypt",
        "wrapped": "broken",
        "raw": "broken",
        "number": "broken",
        "text": "broken",
        "admin": "bcrypt",
        "noname": "bcrypt",
        "1234": "bcrypt",
    }
    assert "b'...' wrapper" in rows["wrapped"]
    assert "raw $2b$ bcrypt hash" in rows["raw"]
    assert "is a number" in rows["number"]
    assert "not base64 of a bcrypt hash" in rows["text"]
    assert "rejects the key(s) admin" in rows["admin"]
    assert "missing name" in rows["noname"]
    assert "listed 2 times" in rows["jane"]
    assert "the username is the number 1234" in rows["1234"]
    assert lines[1].startswith("jane      Jane Doe    c1       bcrypt    listed 2 times")
    assert TROUBLE_BASE not in result.out + result.err and "hunter2" not in result.out + result.err
    assert "a" * 53 not in result.out + result.err  # nor the raw hash
    assert "12345678" not in result.out  # a password is never shown, not even as a problem
    assert "9 fixed user(s), enabled, bcrypt hashes" in result.err


def test_list_users_json(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace("enabled: true", "enabled: false"))
    document = json.loads(cli("list-users", "--json").out)
    assert document == {
        "enabled": False,
        "pass_hashed": False,
        "defined_in": [str(config_dir / "apiserver.conf")],
        "users": [
            {
                "username": "jane",
                "name": "Jane Doe",
                "company": None,
                "is_guest": None,
                "password": "plain",
                "problems": [],
            },
            {
                "username": "john",
                "name": "John Doe",
                "company": "d1bd92a3b039400cbafc60a7a5b1e52b",
                "is_guest": None,
                "password": "plain",
                "problems": [],
            },
        ],
        "problems": [
            "fixed users are not enabled (apiserver.auth.fixed_users.enabled is the boolean false): "
            "the server ignores this list"
        ],
        "notes": [],
    }


def test_list_users_flags_hashes_in_plain_mode(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('"hunter2"', f'"{quick_hash("x")}"'))
    row = next(line for line in cli("list-users").out.splitlines() if line.startswith("john"))
    assert "plain" in row and "looks like a bcrypt hash, but pass_hashed is false" in row


def test_a_pass_hashed_that_is_not_a_boolean_is_refused_and_listed(cli: Run, config_dir: Path) -> None:
    text = PLAIN.replace("pass_hashed: false", 'pass_hashed: "false"')  # a string: not what it seems
    path = write(config_dir / "apiserver.conf", text)
    result = cli("add-user", "ada", "--password-stdin", *LOW, stdin="pw")
    assert result.code == 2, result
    assert "apiserver.auth.fixed_users.pass_hashed is the string 'false', not true or false" in result.err
    assert "clearml-cfg set apiserver.auth.fixed_users.pass_hashed" in result.err
    assert path.read_text() == text
    listed = json.loads(cli("list-users", "--json").out)
    # the server tests it for truth: a non-empty string is on, so it compares bcrypt hashes
    truth = (
        "apiserver.auth.fixed_users.pass_hashed is the string 'false', not true or false: the server tests it for "
        "truth, so it is on"
    )
    assert listed["problems"] == [truth]
    assert {u["password"] for u in listed["users"]} == {"broken"}
    verify = cli("verify-password", "john", "--password-stdin", stdin="hunter2")
    assert verify.code == 1
    assert verify.err == (
        f"note: {truth}\nerror: 'john': the stored password is not base64 of a bcrypt hash (plain text with "
        "pass_hashed: true?), so the server's login fails with an error (set a new password with clearml-cfg "
        "passwd john)\n"
    )


def test_list_users_on_a_terminal_is_a_table(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("list-users", env={"FORCE_COLOR": "1", "COLUMNS": "80"})
    assert "\x1b[1mUSERNAME  NAME" in result.out  # the header in bold
    assert "jane" in result.out and "Jane Doe" in result.out and "bcrypt" in result.out


def test_list_users_without_users(cli: Run, config_dir: Path) -> None:
    assert cli("init", "-q").code == 0
    result = cli("list-users")
    assert (result.code, result.out) == (0, "")
    assert "0 fixed user(s), not enabled" in result.err


# --- verify-password ----------------------------------------------------------------------------------------


def test_verify_plain(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    match = cli("verify-password", "john", "--password-stdin", stdin="hunter2\n")
    assert (match.code, match.out) == (0, "")
    assert match.err == "the password matches the one of 'john' (plain-text comparison)\n"
    miss = cli("verify-password", "john", "--password-stdin", stdin="hunter3\n")
    assert miss.code == 1
    assert miss.err == "error: the password does not match the one of 'john' (plain-text comparison)\n"


def test_verify_an_unquoted_number_never_matches(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('"12345678"', "12345678"))
    result = cli("verify-password", "jane", "--password-stdin", stdin="12345678")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "is a number, which never equals a typed password" in result.err
    assert "12345678" not in result.err


def test_verify_hashed(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir, "s3cret")
    assert cli("verify-password", "jane", "--password-stdin", stdin="s3cret").err == (
        "the password matches the bcrypt hash of 'jane'\n"
    )
    miss = cli("verify-password", "jane", "--password-stdin", stdin="S3cret")
    assert (miss.code, miss.err) == (1, "error: the password does not match the bcrypt hash of 'jane'\n")


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("b'{hash}'", "pasted with its b'...' wrapper"),
        ("{raw}", "raw $2b$ bcrypt hash"),
        ("hunter2", "not base64 of a bcrypt hash"),
        ("{hash}x", "not base64 of a bcrypt hash"),
    ],
)
def test_verify_a_broken_stored_value_is_a_mismatch_with_its_reason(
    cli: Run, config_dir: Path, stored: str, reason: str
) -> None:
    raw = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    value = stored.replace("{hash}", base64.b64encode(raw.encode()).decode()).replace("{raw}", raw)
    write(
        config_dir / "apiserver.conf",
        f'auth.fixed_users {{ enabled: true, pass_hashed: true, users: [{{ username: "jane", password: "{value}", '
        'name: "J" }] }\n',
    )
    result = cli("verify-password", "jane", "--password-stdin", stdin="pw")
    assert result.code == 1, result
    assert result.err.count("\n") == 1 and reason in result.err
    assert "the server's login fails with an error" in result.err
    assert value not in result.err


def test_verify_the_whole_list_must_be_readable(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", TROUBLE)
    result = cli("verify-password", "jane", "--password-stdin", stdin="pw")
    assert result.code == 1
    assert "users[5] has the key(s) admin: the server fails every fixed-user login" in result.err


def test_verify_duplicates(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('username: "john"', 'username: "jane"'))
    result = cli("verify-password", "jane", "--password-stdin", stdin="12345678")
    assert result.code == 1
    assert "the server creates no fixed user at all" in result.err


def test_verify_says_when_fixed_users_are_off(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace("enabled: true", "enabled: false"))
    result = cli("verify-password", "john", "--password-stdin", stdin="hunter2")
    assert result.code == 1  # the server's login does not look at the list at all
    assert result.err == (
        "error: fixed users are not enabled (apiserver.auth.fixed_users.enabled is the boolean false): the server's "
        "login does not use this list; the password matches the one of 'john' (plain-text comparison)\n"
    )


# --- environment overrides (SERVER-SEMANTICS §4): the server reads them over every file ----------------------

FIXED_ENV = "CLEARML__APISERVER__AUTH__FIXED_USERS__"


def test_verify_judges_with_the_environment(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    hashed = cli(
        "verify-password", "john", "--password-stdin", stdin="hunter2", env={FIXED_ENV + "PASS_HASHED": "true"}
    )
    assert hashed.code == 1, hashed  # the server bcrypt-checks the plain value, and fails
    assert "not base64 of a bcrypt hash" in hashed.err
    assert f"note: apiserver.auth.fixed_users.pass_hashed comes from the environment ({FIXED_ENV}PASS_HASHED)" in (
        hashed.err
    )
    off = cli(
        "verify-password",
        "john",
        "--password-stdin",
        stdin="hunter2",
        env={"TRAINS__APISERVER__AUTH": "{fixed_users.enabled: false}"},
    )
    assert off.code == 1, off
    assert off.err == (
        "note: apiserver.auth.fixed_users.enabled comes from the environment (TRAINS__APISERVER__AUTH), which wins "
        "over the files\nerror: fixed users are not enabled (apiserver.auth.fixed_users.enabled is the boolean "
        "false): the server's login does not use this list; the password matches the one of 'john' (plain-text "
        "comparison)\n"
    )
    plain = cli("verify-password", "john", "--password-stdin", stdin="hunter2")
    assert plain.code == 0 and "note:" not in plain.err


def test_list_users_reads_the_environment(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    users = '[{ username: "eve", password: "x", name: "Eve" }]'
    result = cli("list-users", "--json", env={FIXED_ENV + "USERS": users, FIXED_ENV + "ENABLED": "false"})
    document = json.loads(result.out)
    assert [u["username"] for u in document["users"]] == ["eve"]
    assert document["defined_in"] == [f"env {FIXED_ENV}USERS"]
    assert document["enabled"] is False
    assert len(document["notes"]) == 2
    text = cli("list-users", env={FIXED_ENV + "USERS": users})
    assert f"the list is defined in env {FIXED_ENV}USERS" in text.err
    bad = cli("list-users", env={FIXED_ENV + "USERS": "[{ username: eve"})
    assert bad.code == 0 and f"warning: {FIXED_ENV}USERS: the server cannot parse this value" in bad.err
    assert "john" in bad.out


@pytest.mark.parametrize(
    ("args", "variable", "value", "code"),
    [
        (["add-user", "ada"], "USERS", '[{ username: "eve", password: "x", name: "Eve" }]', "fixed-user-bad-hash"),
        (["add-user", "ada", "--plaintext"], "PASS_HASHED", "true", "fixed-user-bad-hash"),
    ],
)
def test_a_write_that_breaks_a_login_the_variables_give_is_refused(
    cli: Run, config_dir: Path, args: list[str], variable: str, value: str, code: str
) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    before = (config_dir / "apiserver.conf").read_bytes()
    rounds = [] if "--plaintext" in args else LOW
    result = cli(*args, "--password-stdin", *rounds, stdin="pw", env={FIXED_ENV + variable: value})
    assert result.code == 2, result
    assert f"[{code}]" in result.err and "nothing was written" in result.err and "--force" in result.err
    assert (config_dir / "apiserver.conf").read_bytes() == before


@pytest.mark.parametrize(
    ("command", "variable", "value", "message", "hint"),
    [
        (
            ["add-user", "ada"],
            "ENABLED",
            "false",
            "sets apiserver.auth.fixed_users.enabled to the boolean false: the server ignores the fixed users",
            "or set it to true",
        ),
        (  # the file becomes hashed, so eve's plain password in the variable breaks: refused without --force
            ["add-user", "ada", "--force"],
            "USERS",
            '[{ username: "eve", password: "x", name: "Eve" }]',
            "sets apiserver.auth.fixed_users.users: the server uses that list, not the one in",
            "or make the same change in it",
        ),
        (  # ada's plain password under the variable's hashed mode breaks her login: refused without --force
            ["add-user", "ada", "--plaintext", "--force"],
            "PASS_HASHED",
            "true",
            "sets apiserver.auth.fixed_users.pass_hashed to the boolean true, but the files store plain-text "
            "passwords (pass_hashed: false)",
            "or set it to false",
        ),
        (
            ["passwd", "john"],
            "PASS_HASHED",
            "true",
            "sets apiserver.auth.fixed_users.pass_hashed to the boolean true, but the files store plain-text "
            "passwords (pass_hashed: false): logins of this list fail",
            "or set it to false",
        ),
        (["remove-user", "john"], "USERS", "[]", "sets apiserver.auth.fixed_users.users", "unset"),
    ],
)
def test_writes_warn_when_a_variable_overrides_them(
    cli: Run, config_dir: Path, command: list[str], variable: str, value: str, message: str, hint: str
) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace("enabled: true", "enabled: false"))
    args = command if command[0] == "remove-user" else [*command, "--password-stdin"]
    args += [] if command[0] == "remove-user" or "--plaintext" in command else LOW
    env = {FIXED_ENV + variable: value}
    planned = json.loads(cli(*args, "--json", "--dry-run", stdin="pw", env=env).out)
    assert any(message in w and f"\nhint: unset {FIXED_ENV}{variable}" in w for w in planned["warnings"]), planned
    result = cli(*args, stdin="pw", env=env)
    assert result.code == 0, result
    assert f"warning: {FIXED_ENV}{variable} {message}" in result.err
    assert f"\nhint: unset {FIXED_ENV}{variable}" in result.err and hint in result.err
    if variable == "ENABLED":
        assert "fixed users are now enabled" not in result.err


def test_a_variable_that_agrees_with_the_edit_is_no_warning(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    result = cli("add-user", "ada", "--password-stdin", *LOW, stdin="pw", env={FIXED_ENV + "PASS_HASHED": "true"})
    assert result.code == 0, result
    assert "warning: " + FIXED_ENV not in result.err


@pytest.mark.parametrize(
    ("env", "kind", "origin"),
    [
        ({}, "warning", "is true by default"),
        ({"CLEARML__APISERVER__AUTH__DELETE_MISSING_AUTOCREATED_USERS": "false"}, "note", "is false, set by CLEARML__"),
        ({"TRAINS__APISERVER__AUTH__DELETE_MISSING_AUTOCREATED_USERS": "true"}, "warning", "is true, set by TRAINS__"),
    ],
)
def test_remove_user_says_what_the_environment_makes_of_the_deletion(
    cli: Run, config_dir: Path, env: dict[str, str], kind: str, origin: str
) -> None:
    write(
        config_dir / "apiserver.conf", PLAIN + "auth.delete_missing_autocreated_users: false\n" * ("TRAINS" in str(env))
    )
    result = cli("remove-user", "john", env=env)
    assert result.code == 0, result
    line = next(line for line in result.err.splitlines() if "delete_missing_autocreated_users" in line)
    assert line.startswith(f"{kind}: ") and origin in line, result


def test_verify_an_over_long_password(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("verify-password", "jane", "--password-stdin", stdin="x" * 80)
    assert result.code == 1
    assert "80 bytes long" in result.err and "bcrypt 5 refuses" in result.err


def test_verify_unknown_user_and_no_source(cli: Run, config_dir: Path, prompt: Prompt) -> None:
    hashed_file(config_dir)
    unknown = cli("verify-password", "nobody")
    assert unknown.code == 1
    assert unknown.err.startswith("error: there is no fixed user 'nobody'")
    assert prompt.asked == []
    prompt.append("jane-pw")
    assert cli("verify-password", "jane").code == 0
    assert prompt.asked == ["Password of jane: "]


def test_verify_without_a_terminal_or_stdin(cli: Run, config_dir: Path) -> None:
    hashed_file(config_dir)
    result = cli("verify-password", "jane")
    assert result.code == 2
    assert "--password-stdin" in result.err


# --- hash-password ------------------------------------------------------------------------------------------


def test_hash_password_prints_only_the_value(cli: Run) -> None:
    result = cli("hash-password", "--password-stdin", *LOW, stdin="pw\n")
    assert result.code == 0, result
    value = result.out.removesuffix("\n")
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", value)  # no b'...' wrapper, nothing else
    assert server_accepts(value, "pw")
    assert base64.b64decode(value).startswith(b"$2b$04$")
    assert result.err == ""


def test_hash_password_default_cost_is_12(cli: Run, prompt: Prompt) -> None:
    prompt.extend(["pw", "pw"])
    result = cli("hash-password")
    assert result.code == 0, result
    assert base64.b64decode(result.out.strip()).startswith(b"$2b$12$")
    assert prompt.asked == ["Password to hash: ", "Password to hash (again): "]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--password-stdin"], "\n", "the password is empty"),
        (["--password-stdin"], "x" * 73, "73 bytes long"),
        (["--password-stdin", "--rounds", "40"], "pw", "outside bcrypt's range"),
        ([], None, "--password-stdin"),
    ],
)
def test_hash_password_refusals(cli: Run, args: list[str], stdin: str | None, message: str) -> None:
    result = cli("hash-password", *args, stdin=stdin)
    assert result.code == 2
    assert message in result.err
    assert result.out == ""


# --- real processes -----------------------------------------------------------------------------------------


def _command() -> list[str]:
    found = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "clearml_cfg"]


def test_twenty_concurrent_add_users_all_land(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write(config / "apiserver.conf", PLAIN)
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config), "CLEARML_CFG_LOCK_TIMEOUT": "60"}
    processes = [
        subprocess.Popen(
            [*_command(), "add-user", f"user{i}", "--password-stdin", *LOW, "--quiet"],
            env=env,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(20)
    ]
    for i, process in enumerate(processes):
        _, err = process.communicate(f"pw-{i}\n".encode(), timeout=120)
        assert process.returncode == 0, err
    text = (config / "apiserver.conf").read_text()
    users = pyhocon_plain(text)["auth"]["fixed_users"]["users"]
    assert sorted(u["username"] for u in users) == sorted(["jane", "john", *(f"user{i}" for i in range(20))])
    stored = {u["username"]: u["password"] for u in users}
    assert all(server_accepts(stored[f"user{i}"], f"pw-{i}") for i in range(20))
    assert server_accepts(stored["jane"], "12345678")  # migrated exactly once, by whichever came first
    assert pyhocon_plain(text)["auth"]["fixed_users"]["pass_hashed"] is True
    assert "# TODO hash these" in text and "# contractor" in text


def test_the_reference_ci_recipe(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()  # the server's config directory
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(tmp_path / "c"), "PW": "from CI é"}
    recipe = 'echo "$PW" | clearml-cfg add-user jane --name "Jane Doe" --password-stdin'
    assert recipe in COMMANDS_DOC.read_text()
    command = " ".join(_command())
    result = subprocess.run(
        recipe.replace("clearml-cfg", command), shell=True, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "from CI" not in result.stderr
    users = users_of(tmp_path / "c")
    assert users[0]["name"] == "Jane Doe"
    assert server_accepts(users[0]["password"], "from CI é")
    assert base64.b64decode(users[0]["password"]).startswith(b"$2b$12$")  # the default cost


# --- the server's login, as auth.py and fixed_user.py run it (issue 14) ----------------------------------------------


def verify(cli: Run, username: str, password: str, **kwargs: Any) -> Any:
    return cli("verify-password", username, "--password-stdin", stdin=password + "\n", **kwargs)


def test_the_guest_user_logs_in_as_the_server_lets_it(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN)
    assert verify(cli, "guest", "guest").code == 1  # not enabled: no such fixed user
    write(config_dir / "services" / "auth.conf", "fixed_users.guest { enabled: true, password: visitor }\n")
    result = verify(cli, "guest", "visitor")
    note = (
        "note: the guest user comes first: services.auth.fixed_users.guest.enabled is on, so the server adds the user "
        "of services.auth.fixed_users.guest (username, password), who may call only the endpoints in its "
        "allow_endpoints\n"
    )
    assert (result.code, result.err) == (0, note + "the password matches the one of 'guest' (plain-text comparison)\n")
    listed = json.loads(cli("list-users", "--json").out)
    assert [u["username"] for u in listed["users"]] == ["guest", "jane", "john"]
    assert listed["users"][0]["is_guest"] is True


@pytest.mark.parametrize(("value", "code"), [('"false"', 0), ("yes", 0), ("1", 0), ("0", 1), ('""', 1)])
def test_enabled_is_tested_for_truth(cli: Run, config_dir: Path, value: str, code: int) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace("enabled: true", f"enabled: {value}"))
    result = verify(cli, "john", "hunter2")
    assert result.code == code, result
    shown = {'"false"': "the string 'false'", "yes": "the string 'yes'", "1": "the number 1", "0": "the number 0"}
    shown['""'] = "the string ''"
    state = "on" if code == 0 else "off"
    assert result.err.startswith(
        f"note: apiserver.auth.fixed_users.enabled is {shown[value]}, not true or false: the server tests it for "
        f"truth, so it is {state}\n"
    )
    found = [f for f in json.loads(cli("check", "--json").out) if f["code"] == "fixed-users-invalid-mode"]
    assert [(f["line"], f["severity"]) for f in found] == [(4, "error")]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        (
            "ann:x",
            "the username 'ann:x' contains ':': the server splits a login at its first ':', so it reads the username "
            "'ann', and this user can never log in",
        ),
        (
            "ann€",
            "the username 'ann€' has the character U+20AC: the web app cannot send characters above U+00FF and the "
            "server reads a login as latin-1, so this user can never log in",
        ),
    ],
)
def test_a_username_no_login_can_carry_never_matches(cli: Run, config_dir: Path, username: str, message: str) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('"jane"', json.dumps(username, ensure_ascii=False)))
    result = verify(cli, username, "12345678")
    assert (result.code, result.err) == (1, f"error: {message}\n")
    found = [f for f in json.loads(cli("check", "--json").out) if f["code"] == "fixed-user-cannot-log-in"]
    assert [(f["line"], f["severity"]) for f in found] == [(8, "error")]
    refused = cli("add-user", username, "--password-stdin", *LOW, stdin="pw\n")
    assert refused.code == 2


def test_a_password_no_login_can_carry_never_matches_and_is_refused(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('"hunter2"', '"hunter€"'))
    result = verify(cli, "john", "hunter€")
    assert (result.code, result.err) == (
        1,
        "error: the password has a character above U+00FF: the web app cannot send it and the server reads a login as "
        "latin-1, so this password can never log in\n",
    )
    refused = "error: the password has a character above U+00FF: the web app cannot send it and the server reads a "
    for command in (["add-user", "ada"], ["passwd", "jane"]):
        result = cli(*command, "--password-stdin", *LOW, stdin="pw€\n")
        assert result.code == 2 and result.err.startswith(refused), result
    listed = {u["username"]: u for u in json.loads(cli("list-users", "--json").out)["users"]}
    assert listed["john"]["password"] == "broken"


def test_a_number_listed_twice_stops_every_fixed_user(cli: Run, config_dir: Path) -> None:
    text = PLAIN.replace('username: "jane"', "username: 12345").replace('username: "john"', "username: 12345")
    write(config_dir / "apiserver.conf", text.replace("]\n", '{ username: "ada", password: "pw", name: "Ada" }\n]\n'))
    result = verify(cli, "ada", "pw")
    assert (result.code, result.err) == (
        1,
        "error: usernames are listed more than once (12345 (2 times)): the server creates no fixed user at all\n",
    )


def test_a_user_whose_name_is_not_a_string_cannot_log_in(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", PLAIN.replace('name: "Jane Doe"', "name: 42"))
    result = verify(cli, "jane", "12345678")
    assert (result.code, result.err) == (
        1,
        "error: the name of 'jane' is the number 42, not a string: the server fails to create this user at start-up, "
        "so it cannot log in\n",
    )
    assert verify(cli, "john", "hunter2").code == 0  # the others are created
