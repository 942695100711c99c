"""features/base.py: what every command shares; here, which directories a command may go without."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearml_cfg.errors import NoConfigDir
from clearml_cfg.features.base import Options
from clearml_cfg.model.layout import ConfigDirs, config_dirs


def _options(dirs: ConfigDirs, create: bool | None) -> Options:
    return Options(dirs, {}, create=create)


@pytest.mark.parametrize(("create", "allowed"), [(None, False), (False, False), (True, True)])
def test_a_missing_named_directory(tmp_path: Path, create: bool | None, allowed: bool) -> None:
    options = _options(config_dirs(str(tmp_path / "cfg1x"), {}), create)
    if allowed:
        options.require_dirs()
        options.snapshot()
    else:
        with pytest.raises(NoConfigDir):
            options.require_dirs()
        with pytest.raises(NoConfigDir):
            options.snapshot()
    assert not (tmp_path / "cfg1x").exists()  # allowed or not, nothing is made before a write


def test_create_makes_only_the_winning_directory_allowed(tmp_path: Path) -> None:
    (tmp_path / "high").mkdir()
    options = _options(config_dirs(f"{tmp_path / 'low'}:{tmp_path / 'high'}", {}), True)
    with pytest.raises(NoConfigDir):  # a missing lower directory is a mistake whatever --create says
        options.require_dirs()


def test_the_servers_default_directory_is_made_by_a_write_but_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "is_dir", lambda self: False)
    monkeypatch.setattr(Path, "exists", lambda self: False)
    default = config_dirs(None, {})
    _options(default, False).require_dirs()  # a write: created as it always was
    with pytest.raises(NoConfigDir):
        _options(default, None).require_dirs()  # a read: nothing to read is a mistake to say
