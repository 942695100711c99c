"""A property of every write: a random `set` of a known key (or a near miss of one) to a random value either is
refused, leaving every file byte-for-byte as it was, or leaves `check` with no error it did not have before.
With --force the same write goes through. Judged by the real `check` over the whole directory, not by the
sections a write looks at."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from pathlib import Path

import bcrypt
import pytest
from conftest import Run, write

from clearml_cfg.model import schema

HASH = base64.b64encode(bcrypt.hashpw(b"12345678", bcrypt.gensalt(4))).decode("ascii")
USER = '{ username: "jane", password: "%s", name: J }'
STARTS = (
    "",
    "auth { fixed_users { enabled: true, pass_hashed: false, users: [%s] } }\n" % (USER % "pw"),
    "auth { fixed_users { enabled: true, pass_hashed: true, users: [%s] } }\n" % (USER % HASH),
    'auth { cookies { domain: ".example.com", secure: true } }\nhosts { api: "https://api.example.com" }\n',
    "listen { prot: 8008 }\nauth { cookies { samesite: Strict } }\n",
)
VALUES = (
    "true",
    "false",
    "yes",
    "0",
    "1",
    "8008",
    "70000",
    "-5",
    "2h",
    "30d",
    "7200.0",
    "null",
    "localhost",
    "https://clearml.example.com:8080/",
    ".example.com",
    "example.com",
    "Lax",
    "lax",
    "GET",
    "FOO",
    "[]",
    "{}",
    '"*"',
    "[5]",
    "[{username: a}]",
    '[{username: "a", password: "p", name: "n"}]',
    '[{name: x, action: {method: GET, url: "http://x"}}]',
    '{origins: "*", supports_credentials: true}',
    "a b c",
)
EXAMPLES = 120


#: A value each kind of setting takes: most writes use one, so that both outcomes are common.
FITTING = {
    "boolean": ("true", "false"),
    "port": ("8008",),
    "seconds": ("7200",),
    "whole number": ("3600",),
    "string": ("abc",),
    "domain": (".example.com", "null"),
    "origins": ('"https://app.example.com"',),
    "Lax, Strict or None": ("Lax", "Strict"),
    "list of users": ('[{username: "a", password: "p", name: "n"}]',),
    "user": ('{username: "a", password: "p", name: "n"}',),
    "list of actions": ('[{name: x, action: {method: GET, url: "http://x"}}]',),
    "object": ("{}",),
}


def _keys() -> list[tuple[str, str]]:
    keys = []
    for setting in schema.SETTINGS:
        parts = [("0" if p == "[]" else "task" if p == "*" else p) for p in setting.pattern]
        key = ".".join(parts).replace(".0", "[0]")
        keys.append((key, setting.kind))
        keys.append((key[:-1] if len(parts[-1]) > 3 else key + "x", ""))  # a near miss
    return keys


def _errors(cli: Run) -> Counter[str]:
    return Counter(f["code"] for f in json.loads(cli("check", "--json").out) if f["severity"] == "error")


def _files(config_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(config_dir)): p.read_bytes() for p in sorted(config_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("chunk", range(4))
def test_a_random_set_never_adds_a_check_error_unless_forced(cli: Run, config_dir: Path, chunk: int) -> None:
    rng = random.Random(1600 + chunk)
    keys = _keys()
    outcomes: Counter[int] = Counter()
    for _ in range(EXAMPLES // 4):
        for old in config_dir.iterdir():
            old.unlink()
        write(config_dir / "apiserver.conf", rng.choice(STARTS))
        key, kind = rng.choice(keys)
        fitting = FITTING.get(kind, ())
        value = rng.choice(fitting) if fitting and rng.random() < 0.7 else rng.choice(VALUES)
        before, files = _errors(cli), _files(config_dir)
        result = cli("set", key, value, "--no-backup", "-q")
        outcomes[result.code] += 1
        if result.code == 0:
            added = _errors(cli) - before
            assert not added, f"set {key} {value!r} added {dict(added)}"
        else:
            assert result.code == 2, (key, value, result)
            assert _files(config_dir) == files, (key, value)
            assert cli("set", key, value, "--no-backup", "-q", "--force").code in (0, 2), (key, value)
    assert outcomes[0] and outcomes[2], outcomes  # both ways are taken: the property is not met vacuously
