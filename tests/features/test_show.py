"""features/show.py: the effective view as show --effective prints it: whole, changed only, with origins, masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_files import config_dir, dirs_of
from helpers import DATA

from clearml_cfg.errors import NotSet, UsageError
from clearml_cfg.features.common import Options
from clearml_cfg.features.show import component_for, context, effective_value, effective_view, shown
from clearml_cfg.model.schema import MASK
from clearml_cfg.views.effective import Effective, compute

DEFAULTS = DATA / "effective" / "defaults"
FILES = {
    "apiserver.conf": '-cors { origins: "https://a" }\nauth.cookies.domain: .example.com\n',
    "secure.conf": 'auth.token_secret: "tok-1"\n',
    "backup/apiserver.conf": "x: 1\n",  # loaded as backup.apiserver.x: no server code reads it
}


@pytest.fixture
def effective(tmp_path: Path) -> Effective:
    return compute(dirs_of(config_dir(tmp_path / "c", FILES)), {}, defaults_dir=DEFAULTS)


def test_the_whole_view_or_a_part_masked_unless_asked(effective: Effective) -> None:
    whole = shown(effective, (), origin=False, changed=False, show_secrets=False)
    assert whole.tree["secure"]["auth"]["token_secret"] == MASK
    assert whole.as_json(origin=False) == whole.tree
    part = shown(effective, ("secure", "auth"), origin=False, changed=False, show_secrets=True)
    assert part.tree == {"token_secret": "tok-1"}
    assert effective.tree["secure"]["auth"]["token_secret"] == "tok-1"  # the view itself is left alone


def test_changed_only_lists_the_removed_defaults_too(effective: Effective) -> None:
    changed = shown(effective, ("apiserver",), origin=False, changed=True, show_secrets=False)
    assert changed.tree == {"cors": {"origins": "https://a"}, "auth": {"cookies": {"domain": ".example.com"}}}
    assert changed.removed == [(("apiserver", "cors", "supports_credentials"), True)]
    assert changed.as_json(origin=False) == {
        "changed": changed.tree,
        "removed": [{"key": "apiserver.cors.supports_credentials", "default": True}],
    }


def test_a_part_where_only_a_default_was_removed(effective: Effective) -> None:
    part = shown(
        effective, ("apiserver", "cors", "supports_credentials"), origin=True, changed=True, show_secrets=False
    )
    assert part.tree == {}
    [row] = part.rows
    assert (row.removed, row.value, row.origin and row.origin.line) == (True, True, 1)
    assert row.as_json(changed=True)["value"] is None and row.as_json(changed=True)["default"] is True


def test_origins_for_every_leaf(effective: Effective) -> None:
    rows = shown(effective, ("apiserver", "auth", "cookies"), origin=True, changed=False, show_secrets=False).rows
    assert [(r.key[-1], r.label) for r in rows] == [
        ("httponly", "default apiserver.conf:7"),
        ("secure", "default apiserver.conf:7"),
        ("domain", "apiserver.conf:2"),
        ("samesite", "default apiserver.conf:7"),
    ]
    assert rows[2].as_json(changed=False) == {
        "key": "apiserver.auth.cookies.domain",
        "value": ".example.com",
        "origin": "apiserver.conf:2",
        "file": str(rows[2].origin.file if rows[2].origin else None),
        "line": 2,
        "variable": None,
    }


def test_a_secret_row_is_masked(effective: Effective) -> None:
    [row] = shown(effective, ("secure",), origin=True, changed=False, show_secrets=False).rows
    assert row.value == MASK


@pytest.mark.parametrize("changed", [False, True])
def test_nothing_there_is_not_set(effective: Effective, changed: bool) -> None:
    with pytest.raises(NotSet):
        shown(effective, ("apiserver", "nothing"), origin=False, changed=changed, show_secrets=False)


def test_effective_value(effective: Effective) -> None:
    assert effective_value(effective, ("apiserver", "listen", "port")) == 8008
    with pytest.raises(NotSet):
        effective_value(effective, ("apiserver", "listen", "nothing"))


def test_the_component_is_the_one_named_or_the_keys(tmp_path: Path) -> None:
    assert component_for(None, ("fileserver", "cors")) == "fileserver"
    assert component_for(None, ("apiserver",)) == component_for(None, ()) == "apiserver"
    assert component_for("fileserver", ("apiserver",)) == "fileserver"
    with pytest.raises(UsageError):
        component_for("webserver", ())
    options = Options(dirs_of(config_dir(tmp_path / "c", {"fileserver.conf": "cors.max_age: 5\n"})), {})
    view = effective_view(options, ("fileserver",), component=None, defaults=str(DEFAULTS), ignore_bad_env=False)
    assert (view.component, view.defaults_source) == ("fileserver", DEFAULTS)


def test_context_warns_of_what_no_server_reads(effective: Effective, tmp_path: Path) -> None:
    warnings = context(effective)
    assert len(warnings) == len(effective.warnings) + 1  # backup/apiserver.conf
    documented = compute(dirs_of(tmp_path / "c"), {})
    assert documented.defaults_note and documented.defaults_note not in context(documented)
