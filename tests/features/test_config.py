"""features/config.py: init, get, set, unset and show over every config directory the server reads."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from config_files import config_dir, dirs_of

from clearml_cfg.errors import NoConfigDir, NotSet, UsageError
from clearml_cfg.features.common import Options
from clearml_cfg.features.config import (
    STARTERS,
    get_value,
    holds_secret,
    init_dir,
    set_value,
    show_tree,
    unset_value,
)

DOMAIN = ("apiserver", "auth", "cookies", "domain")


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "auth.cookies { domain: .low.com, secure: true }\n"})
    high = config_dir(tmp_path / "high", {"apiserver.conf": "# high\nauth.cookies.samesite: Lax\n"})
    return low, high


def options(*directories: Path, **kwargs: bool) -> Options:
    """A write may create the winning directory here (--create); test_missing_dirs holds what it may not."""
    return Options(dirs_of(*directories), {}, **{"create": True, **kwargs})


def test_get_merges_every_directory_and_says_not_set(two: tuple[Path, Path]) -> None:
    assert get_value(options(*two), DOMAIN) == ".low.com"
    assert get_value(options(*two), ("apiserver", "auth", "cookies")) == {
        "domain": ".low.com",
        "secure": True,
        "samesite": "Lax",
    }
    with pytest.raises(NotSet):
        get_value(options(*two), ("apiserver", "nothing"))


def test_set_writes_to_the_directory_that_wins_and_warns_when_another_file_overrides(two: tuple[Path, Path]) -> None:
    low, high = two
    outcome = set_value(options(*two), ("apiserver", "auth", "cookies", "httponly"), True)
    assert [c.path for c in outcome.changes] == [high / "apiserver.conf"] and outcome.warnings == []
    assert get_value(options(*two), ("apiserver", "auth", "cookies", "httponly")) is True
    overridden = set_value(options(high, low), DOMAIN, ".high.com")  # low now wins and sets the domain
    assert [c.path for c in overridden.changes] == [low / "apiserver.conf"]
    assert overridden.warnings == []
    shadowed = set_value(options(low, high), ("apiserver", "auth", "cookies", "samesite"), "Lax")
    assert shadowed.changes == []  # the same value: nothing to write


def test_a_value_another_file_overrides_is_warned_of(tmp_path: Path) -> None:
    """secure.auth.conf is where the key goes, but secure/auth.conf is read after it and wins."""
    directory = config_dir(
        tmp_path / "c", {"secure.auth.conf": 'token_secret: "a"\n', "secure/auth.conf": 'token_secret: "tok-old-b"\n'}
    )
    outcome = set_value(options(directory), ("secure", "auth", "token_secret"), "tok-new-1")
    assert [c.path.name for c in outcome.changes] == ["secure.auth.conf"]
    assert (
        len(outcome.warnings) == 1 and "tok-new-1" not in outcome.warnings[0] and "tok-old-b" not in outcome.warnings[0]
    )


def test_set_edits_an_existing_dash_block(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "-cors { origins: a }\n"})
    set_value(options(directory), ("apiserver", "cors", "max_age"), 5)
    assert (directory / "apiserver.conf").read_text() == "-cors { origins: a, max_age: 5 }\n"


def test_a_new_file_holding_a_secret_is_private(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    set_value(options(directory), ("secure", "auth", "token_secret"), "tok")
    set_value(
        options(directory),
        ("apiserver", "auth", "fixed_users", "users"),
        [{"username": "a", "password": "p", "name": "A"}],
    )
    set_value(options(directory), DOMAIN, ".x.com")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()}
    assert modes["secure.conf"] == 0o600
    assert modes["apiserver.conf"] == 0o600  # created for the users' passwords


def test_set_refuses_an_unknown_section_unless_forced_and_an_invalid_value(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    with pytest.raises(UsageError):
        set_value(options(directory), ("apisrever", "x"), 1)
    with pytest.raises(UsageError):
        set_value(options(directory), ("services", "tasks", "non_responsive_tasks_watchdog", "threshold_sec"), "2h")
    with pytest.raises(UsageError):  # a list element that is not there
        set_value(options(directory), ("apiserver", "l", 3), 1)
    assert not directory.exists()
    set_value(options(directory, force=True), ("apisrever", "x"), 1)
    assert (directory / "apisrever.conf").read_text() == "x: 1\n"


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    outcome = set_value(options(directory, dry_run=True), DOMAIN, ".x.com")
    assert [(c.after, c.written) for c in outcome.changes] == [
        ('auth {\n    cookies {\n        domain: ".x.com"\n    }\n}\n', False)
    ]
    assert not directory.exists()


def test_unset_removes_the_key_from_every_directory_and_file(tmp_path: Path) -> None:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "auth.cookies.domain: a\nkeep: 1\n"})
    high = config_dir(
        tmp_path / "high", {"apiserver.conf": "auth { cookies { domain: b } }\n-auth { cookies.domain: c }\n"}
    )
    outcome = unset_value(options(low, high), DOMAIN, missing_ok=False)
    assert sorted(c.path for c in outcome.changes) == [high / "apiserver.conf", low / "apiserver.conf"]
    with pytest.raises(NotSet):
        get_value(options(low, high), DOMAIN)
    assert get_value(options(low, high), ("apiserver", "keep")) == 1


def test_unset_of_what_is_not_set(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "a: 1\n"})
    with pytest.raises(NotSet):
        unset_value(options(directory), ("apiserver", "b"), missing_ok=False)
    outcome = unset_value(options(directory), ("apiserver", "b"), missing_ok=True)
    assert outcome.changes == [] and len(outcome.notes) == 1
    nowhere = unset_value(options(tmp_path / "missing"), ("apiserver", "b"), missing_ok=True)
    assert nowhere.changes == [] and not (tmp_path / "missing").exists()
    with pytest.raises(NoConfigDir):  # unset takes no --create: a directory that does not exist is a mistake
        unset_value(options(tmp_path / "missing", create=False), ("apiserver", "b"), missing_ok=True)


def test_show_the_whole_tree_or_a_section(two: tuple[Path, Path]) -> None:
    assert show_tree(options(*two), None) == {
        "apiserver": {"auth": {"cookies": {"domain": ".low.com", "secure": True, "samesite": "Lax"}}}
    }
    assert show_tree(options(*two), ("apiserver", "auth", "cookies", "secure")) is True
    with pytest.raises(NotSet):
        show_tree(options(*two), ("services",))


def test_init_writes_the_starter_files_and_keeps_what_is_there(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "# mine\n"})
    outcome = init_dir(options(directory))
    assert sorted(c.path.name for c in outcome.changes) == ["fileserver.conf", "services.conf"]
    assert (directory / "apiserver.conf").read_text() == "# mine\n" and len(outcome.notes) == 1
    forced = init_dir(options(directory, force=True))
    assert [c.path.name for c in forced.changes] == ["apiserver.conf"]
    assert (directory / "apiserver.conf").read_text() == STARTERS["apiserver.conf"]
    assert (directory / "apiserver.conf.bak").read_text() == "# mine\n"
    assert init_dir(options(directory, force=True)).changes == []


@pytest.mark.parametrize(
    ("path", "value", "secret"),
    [
        (("secure", "auth", "token_secret"), "x", True),
        (("apiserver", "auth", "fixed_users"), {"users": [{"password": "p"}]}, True),
        (("apiserver", "auth", "cookies", "domain"), "x", False),
        (("apiserver", "auth"), {"cookies": {"domain": "x"}}, False),
    ],
)
def test_holds_secret_looks_inside_the_value(path: tuple[str, ...], value: object, secret: bool) -> None:
    assert holds_secret(path, value) is secret


def test_reading_a_value_loads_no_write_machinery() -> None:
    """`get` reads the files only: the rules of check, the transaction and the server's view load with a write."""
    heavy = ["clearml_cfg.features.check.rules", "clearml_cfg.io.transaction", "clearml_cfg.views.effective"]
    code = f"import sys, clearml_cfg.features.config; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stderr
