"""password-mode: the web-login users converted between plain-text and hashed passwords, judged by bcrypt and by
`verify-password` (the server's login)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import bcrypt
from conftest import Run, write
from helpers import own_secrets

from clearml_cfg.hocon import Document

FILE = """# web login
auth {
  fixed_users {
    enabled: true
    pass_hashed: false  # plain text for now
    users: [
      { username: "jane", password: "12345678", name: "Jane Doe" }
      { username: "ada", password: "lovelace", name: "Ada" }
    ]
  }
}
"""
LOW = ("--rounds", "4")


def _hash(password: str) -> str:
    return base64.b64encode(bcrypt.hashpw(password.encode(), bcrypt.gensalt(4))).decode("ascii")


def _users(path: Path) -> list[dict[str, object]]:
    users = Document(path.read_text()).resolved({})["auth"]["fixed_users"]["users"]
    assert isinstance(users, list)
    return users


def _logs_in(cli: Run, username: str, password: str) -> bool:
    return cli("verify-password", username, "--password-stdin", stdin=f"{password}\n").code == 0


def test_hashed_hashes_every_user_who_then_logs_in_as_before(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE)
    result = cli("password-mode", "hashed", *LOW)
    assert result.code == 0, result
    users = _users(path)
    for user, password in zip(users, ["12345678", "lovelace"], strict=True):
        stored = base64.b64decode(str(user["password"]))
        assert bcrypt.checkpw(password.encode(), stored)
    assert _logs_in(cli, "jane", "12345678") and _logs_in(cli, "ada", "lovelace")
    text = path.read_text()
    assert "pass_hashed: true  # plain text for now" in text and text.startswith("# web login\n")
    assert "12345678" not in result.err and "lovelace" not in result.err  # the diff is masked
    write(config_dir / "secure.conf", own_secrets())
    assert json.loads(cli("check", "--json").out) == []


def test_hashed_twice_changes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE)
    assert cli("password-mode", "hashed", *LOW).code == 0
    text = path.read_text()
    result = cli("password-mode", "hashed", *LOW, "--json")
    assert result.code == 0 and json.loads(result.out)["changed"] == []
    assert path.read_text() == text


def test_hashed_repairs_a_pasted_wrapper_and_keeps_a_hash_stored_in_plain_mode(cli: Run, config_dir: Path) -> None:
    jane, ada = _hash("12345678"), _hash("lovelace")
    text = FILE.replace('"12345678"', f"\"b'{jane}'\"").replace('"lovelace"', f'"{ada}"')
    path = write(config_dir / "apiserver.conf", text)
    errors = {f["code"] for f in json.loads(cli("check", "--json").out) if f["severity"] == "error"}
    assert errors == {"fixed-user-hash-in-plain-mode"}
    assert cli("password-mode", "hashed", *LOW).code == 0
    assert [u["password"] for u in _users(path)] == [jane, ada]
    assert _logs_in(cli, "jane", "12345678") and _logs_in(cli, "ada", "lovelace")


def test_hashed_hashes_plain_text_left_in_a_hashed_file(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE.replace("pass_hashed: false", "pass_hashed: true"))
    assert not _logs_in(cli, "jane", "12345678")  # the state `set pass_hashed true` alone used to leave
    result = cli("password-mode", "hashed", *LOW, "--json")
    assert result.code == 0 and json.loads(result.out)["warnings"], result
    assert _logs_in(cli, "jane", "12345678") and _logs_in(cli, "ada", "lovelace")
    assert "pass_hashed: true" in path.read_text()


def test_plain_is_refused_while_a_password_is_a_hash(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", FILE)
    assert cli("password-mode", "hashed", *LOW).code == 0
    before = (config_dir / "apiserver.conf").read_bytes()
    result = cli("password-mode", "plain", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "usage")
    assert (config_dir / "apiserver.conf").read_bytes() == before


def test_plain_undoes_a_flag_flipped_over_plain_text(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE.replace("pass_hashed: false", "pass_hashed: true"))
    assert cli("password-mode", "plain").code == 0
    assert path.read_text() == FILE
    assert _logs_in(cli, "jane", "12345678")


def test_plain_on_a_plain_file_changes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE)
    result = cli("password-mode", "plain", "--json")
    assert result.code == 0 and json.loads(result.out)["changed"] == []
    assert path.read_text() == FILE


def test_a_password_that_cannot_be_hashed_refuses_the_whole_conversion(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE.replace('"lovelace"', '"' + "x" * 80 + '"'))
    assert cli("password-mode", "hashed", *LOW).code == 2
    assert path.read_text() == FILE.replace('"lovelace"', '"' + "x" * 80 + '"')


def test_an_unknown_mode_is_a_usage_error(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", FILE)
    result = cli("password-mode", "hashd", "--json")
    assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "usage")


def test_dry_run_writes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FILE)
    assert cli("password-mode", "hashed", *LOW, "--dry-run").code == 0
    assert path.read_text() == FILE


def test_users_set_by_an_included_file_are_not_edited_behind_it(cli: Run, config_dir: Path) -> None:
    main = write(config_dir / "apiserver.conf", 'include "users.inc"\nauth.fixed_users.enabled: true\n')
    included = FILE  # the whole web login, in a file apiserver.conf includes
    write(config_dir / "users.inc", included)
    for args in (["password-mode", "hashed", *LOW], ["add-user", "bob", "--password-stdin", *LOW]):
        result = cli(*args, "--json", stdin="pw-of-bob\n")
        assert (result.code, json.loads(result.out)["error"]["code"]) == (2, "include-decides"), result
    assert main.read_text() == 'include "users.inc"\nauth.fixed_users.enabled: true\n'
    assert (config_dir / "users.inc").read_text() == included


def test_an_include_that_does_not_touch_the_users_is_no_obstacle(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'include "other.inc"\n' + FILE)
    write(config_dir / "other.inc", "listen.port: 8008\n")
    assert cli("password-mode", "hashed", *LOW).code == 0
    assert _logs_in(cli, "jane", "12345678")
