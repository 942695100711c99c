"""Directories, files and merging, as SERVER-SEMANTICS §1-3 describe them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clearml_cfg.errors import ConfigReadError, NoConfigDir, UsageError
from clearml_cfg.model.layout import (
    DEFAULT_DIRS,
    ConfigFile,
    config_dirs,
    discover,
    file_for_key,
    file_prefix,
    missing_dirs,
    refuse_missing,
)
from clearml_cfg.model.merge import put_file


def test_default_directories() -> None:
    dirs = config_dirs(None, {})
    assert dirs.dirs == tuple(Path(d) for d in DEFAULT_DIRS)
    assert dirs.write_dir == Path("/opt/clearml/config")


def test_clearml_config_dir_replaces_the_defaults_and_wins_over_trains() -> None:
    dirs = config_dirs(None, {"CLEARML_CONFIG_DIR": "/a:/b", "TRAINS_CONFIG_DIR": "/t"})
    assert dirs.dirs == (Path("/a"), Path("/b")) and dirs.origin == "CLEARML_CONFIG_DIR"
    assert config_dirs(None, {"CLEARML_CONFIG_DIR": "", "TRAINS_CONFIG_DIR": "/t"}).dirs == (Path("/t"),)


def test_parts_expand_home_and_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/x")
    monkeypatch.setenv("CFG_BASE", "/srv")
    dirs = config_dirs("~/c:$CFG_BASE/d:rel", os.environ)
    assert dirs.dirs == (Path("/home/x/c"), Path("/srv/d"), Path("rel"))
    assert dirs.warnings == ()


def test_variables_expand_before_home_as_in_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/x")
    monkeypatch.setenv("MYD", "~/cfg")
    assert config_dirs(None, {"CLEARML_CONFIG_DIR": "$MYD"}).dirs == (Path("/home/x/cfg"),)


@pytest.mark.parametrize(("value", "dirs"), [("/x:", ("/x", ".")), (":", (".", ".")), ("a::b", ("a", ".", "b"))])
def test_an_empty_part_is_the_working_directory_with_a_warning(value: str, dirs: tuple[str, ...]) -> None:
    found = config_dirs(None, {"CLEARML_CONFIG_DIR": value})
    assert found.dirs == tuple(Path(d) for d in dirs)
    assert len(found.warnings) == 1
    assert "empty part" in found.warnings[0] and os.getcwd() in found.warnings[0]


@pytest.mark.parametrize(
    ("relative", "prefix"),
    [
        ("apiserver.conf", ("apiserver",)),
        ("services/tasks.conf", ("services", "tasks")),
        ("deep/er/f.conf", ("deep", "er", "f")),
        ("-apiserver.conf", ("-apiserver",)),
        ("apiserver.old.conf", ("apiserver", "old")),
        (".conf", ("conf",)),  # a dotfile has no suffix: the server's key is ".conf", which pyhocon reads as conf
        ("sub/.conf", ("sub", "conf")),
        ("..conf", ()),
    ],
)
def test_file_prefix(relative: str, prefix: tuple[str, ...]) -> None:
    assert file_prefix(relative) == prefix


def test_discover_finds_every_conf_recursively_own_files_first(tmp_path: Path) -> None:
    names = ("services/tasks.conf", "services.conf", "apiserver.conf", "apiserver.conf.bak", "notes.txt", "x/y.CONF")
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [f.relative for f in discover(tmp_path, by_name=True)] == [
        "apiserver.conf",
        "services.conf",
        "services/tasks.conf",
    ]
    assert discover(tmp_path / "missing") == []


def test_discover_follows_the_servers_own_order(tmp_path: Path) -> None:
    """The server reads the files in ``Path.rglob`` order, the file system's: so do we (SERVER-SEMANTICS §2)."""
    names = [f"f{i}.conf" for i in range(12)] + ["sub/a.conf", "sub/b.conf", "-x.conf", "x.conf"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = [f.relative for f in discover(tmp_path)]
    assert found == [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.conf")]
    assert sorted(found) == sorted(names)


def test_a_directory_named_conf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "old.conf").mkdir()
    with pytest.raises(ConfigReadError, match="directory named"):
        discover(tmp_path)


def test_a_link_to_a_directory_named_conf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "linked.conf").symlink_to(tmp_path / "real")
    with pytest.raises(ConfigReadError, match="directory named"):
        discover(tmp_path)


def test_a_file_named_dot_conf_is_loaded_as_the_server_loads_it(tmp_path: Path) -> None:
    (tmp_path / ".conf").write_text("a: 1\n")
    assert [(f.relative, f.prefix) for f in discover(tmp_path)] == [(".conf", ("conf",))]
    (tmp_path / "..conf").write_text("a: 1\n")
    with pytest.raises(ConfigReadError, match="makes no key of this file name"):
        discover(tmp_path)


def test_file_for_key_prefers_the_longest_existing_prefix(tmp_path: Path) -> None:
    existing = [ConfigFile(tmp_path, "services.conf"), ConfigFile(tmp_path, "services/tasks.conf")]
    chosen, inner = file_for_key(tmp_path, existing, ("services", "tasks", "x"))
    assert (chosen.relative, inner) == ("services/tasks.conf", ("x",))
    chosen, inner = file_for_key(tmp_path, existing, ("services", "organization", "y"))
    assert (chosen.relative, inner) == ("services.conf", ("organization", "y"))
    chosen, inner = file_for_key(tmp_path, [], ("apiserver", "auth", "z"))
    assert (chosen.relative, inner) == ("apiserver.conf", ("auth", "z"))
    with pytest.raises(UsageError, match="whole file"):
        file_for_key(tmp_path, existing, ("services",))


def test_put_file_merges_objects_and_the_subfile_wins() -> None:
    tree: dict[str, object] = {}
    put_file(tree, ("services",), {"tasks": {"a": 1, "b": 1}, "other": 1})
    put_file(tree, ("services", "tasks"), {"b": 2})
    assert tree == {"services": {"tasks": {"a": 1, "b": 2}, "other": 1}}


def test_file_keys_agree_with_the_servers_loader(tmp_path: Path) -> None:
    """The server's loop (rglob, the key from the relative path without its suffix, ConfigTree.put), run here."""
    from pyhocon import ConfigFactory, ConfigTree

    from clearml_cfg.model.layout import ConfigDirs
    from clearml_cfg.views.files import FilesView

    for name, text in {
        ".conf": "a: 1\n",
        "sub/.conf": "b: 2\n",
        "x.y.conf": "c: 3\n",
        "services.conf": "tasks { d: 4, e: 4 }\n",
        "services/tasks.conf": "e: 5\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    server = ConfigTree()
    for file in tmp_path.rglob("*.conf"):  # a directory's own files before its subdirectories'
        server.put(".".join(file.relative_to(tmp_path).with_suffix("").parts), ConfigFactory.parse_file(str(file)))
    ours = FilesView(ConfigDirs((tmp_path,), "--config-dir"), {}).merged()
    assert ours == json.loads(json.dumps(server.as_plain_ordered_dict()))


def test_missing_dirs_are_the_named_ones_that_are_not_directories(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    (tmp_path / "afile").write_text("x")
    named = config_dirs(f"{tmp_path / 'here'}{os.pathsep}{tmp_path / 'gone'}{os.pathsep}{tmp_path / 'afile'}", {})
    assert missing_dirs(named) == [tmp_path / "gone", tmp_path / "afile"]
    assert missing_dirs(config_dirs(str(tmp_path / "here"), {})) == []


def test_of_the_default_list_only_none_existing_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dirs = config_dirs(None, {})
    existing = {Path(DEFAULT_DIRS[-1])}
    monkeypatch.setattr(Path, "is_dir", lambda self: self in existing)
    assert missing_dirs(dirs) == []  # one of the two is normal: /opt/trains/config is a leftover name
    existing.clear()
    assert missing_dirs(dirs) == [dirs.write_dir]


def test_refuse_missing_is_the_finding_check_reports(tmp_path: Path) -> None:
    dirs = config_dirs(str(tmp_path / "gone"), {})
    error = refuse_missing(dirs, tmp_path / "gone")
    assert isinstance(error, NoConfigDir) and error.code == "config-dir-missing" and error.exit_code == 2
    assert error.hint
