"""model/logins.py: the rules of the server's login that the tool enforces."""

from __future__ import annotations

import base64

import bcrypt
import pytest

from clearml_cfg.errors import UsageError
from clearml_cfg.model.logins import decodes_to_bcrypt, hashable, looks_hashed, refuse_password_edit, repaired_hash

USERS = ("apiserver", "auth", "fixed_users", "users")
RAW = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode("ascii")
STORED = base64.b64encode(RAW.encode("ascii")).decode("ascii")


@pytest.mark.parametrize(
    "path",
    [(*USERS, 0, "password"), (*USERS, 12, "password")],
)
def test_a_users_password_is_refused_to_set_unless_forced(path: tuple[str | int, ...]) -> None:
    with pytest.raises(UsageError) as raised:
        refuse_password_edit(path, "jane", force=False)
    assert raised.value.hint is not None and "passwd jane" in raised.value.hint
    refuse_password_edit(path, "jane", force=True)


@pytest.mark.parametrize(
    "path",
    [
        (*USERS, 0, "name"),
        (*USERS, "password"),
        (*USERS,),
        ("apiserver", "auth", "password"),
        (*USERS, 0, "x", "password"),
    ],
)
def test_other_keys_are_not_passwds_to_set(path: tuple[str | int, ...]) -> None:
    refuse_password_edit(path, "jane", force=False)


def test_a_username_that_cannot_log_in_is_not_offered_to_passwd() -> None:
    with pytest.raises(UsageError) as raised:
        refuse_password_edit((*USERS, 0, "password"), "a:b", force=False)
    assert raised.value.hint is not None and "passwd USERNAME" in raised.value.hint


def test_a_hash_in_every_pasted_form_is_seen_and_repaired() -> None:
    assert decodes_to_bcrypt(STORED) and repaired_hash(STORED) is None
    for pasted in (RAW, f"b'{STORED}'"):
        assert looks_hashed(pasted) and repaired_hash(pasted) == STORED
    assert looks_hashed("hunter2") is None and repaired_hash("hunter2") is None


def test_hashable_is_what_the_servers_set_of_usernames_can_hold() -> None:
    from clearml_cfg.hocon import parse

    computed = parse('n: "a"\nu: "x"${n}\n').to_dict(resolve=False)["u"]  # not computed yet
    assert [hashable(v) for v in ("a", 12, 1.0, True, None, {"a": 1}, ["a"], computed)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
