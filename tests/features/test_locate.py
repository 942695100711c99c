"""features/locate: a file named on the command line stays inside the config directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearml_cfg.errors import UsageError
from clearml_cfg.features.locate import config_file
from clearml_cfg.model.layout import ConfigDirs


def dirs(*paths: Path) -> ConfigDirs:
    return ConfigDirs(tuple(paths), "--config-dir")


@pytest.mark.parametrize(
    ("name", "relative"),
    [
        (None, "apiserver.conf"),
        ("services", "services.conf"),
        ("services.conf", "services.conf"),
        ("services/tasks", "services/tasks.conf"),
        ("services/../apiserver", "apiserver.conf"),
        ("./secure.conf", "secure.conf"),
        (".conf", ".conf"),  # the server loads a file named just .conf, under the key conf
    ],
)
def test_names_resolve_inside_the_winning_directory(tmp_path: Path, name: str | None, relative: str) -> None:
    found = config_file(dirs(tmp_path / "low", tmp_path / "high"), name)
    assert found.directory == tmp_path / "high"
    assert found.relative == relative
    assert found.path == tmp_path / "high" / relative


@pytest.mark.parametrize("name", ["..", ".", "../x", "a/../../x", "/etc/passwd", ""])
def test_names_that_leave_the_directory_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "c").mkdir()
    with pytest.raises(UsageError):
        config_file(dirs(tmp_path / "c"), name)


def test_links_that_lead_outside_are_refused_and_links_inside_are_not(tmp_path: Path) -> None:
    config, outside = tmp_path / "c", tmp_path / "o"
    (config / "..data").mkdir(parents=True)
    outside.mkdir()
    (config / "..data" / "apiserver.conf").write_text("")
    (config / "apiserver.conf").symlink_to(Path("..data") / "apiserver.conf")
    (config / "sub").symlink_to(outside)
    (config / "far.conf").symlink_to(outside / "far.conf")
    assert config_file(dirs(config), "apiserver").relative == "apiserver.conf"
    for name in ("sub/x", "far"):
        with pytest.raises(UsageError):
            config_file(dirs(config), name)


def test_a_linked_config_directory_is_its_own_inside(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert config_file(dirs(tmp_path / "link"), "services").path == tmp_path / "link" / "services.conf"


def test_an_absolute_path_picks_the_directory_that_holds_it(tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    found = config_file(dirs(low, high), str(low / "services" / "tasks.conf"))
    assert (found.directory, found.relative) == (low, "services/tasks.conf")


def test_what_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    import os

    (tmp_path / "sub.conf").mkdir()
    os.mkfifo(tmp_path / "fifo.conf")
    (tmp_path / "zero.conf").symlink_to("/dev/zero")
    for name in ("sub", "fifo", "zero"):
        with pytest.raises(UsageError):
            config_file(dirs(tmp_path), name)
