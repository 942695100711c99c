"""views/effective.py: the configuration as the server computes it, with the origin of every value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of
from helpers import DATA

from clearml_cfg.errors import ConfigReadError, UsageError
from clearml_cfg.io import reading
from clearml_cfg.io.reading import Reader
from clearml_cfg.model import schema
from clearml_cfg.model.keys import lookup
from clearml_cfg.model.layout import ConfigDirs
from clearml_cfg.views import effective as module
from clearml_cfg.views.effective import (
    FILESERVER_DIRS,
    Origin,
    changed_only,
    component_dirs,
    compute,
    origin_below,
    removed_defaults,
)

DEFAULTS = DATA / "effective" / "defaults"
API = (
    "# the API server\n"
    "auth {\n"
    '  cookies.domain: ".example.com"\n'
    "}\n"
    '-cors { origins: "https://a" }\n'
    "listen.port: 9000\n"
    'include "extra.inc"\n'
)


@pytest.fixture(autouse=True)
def no_image_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's own default folder is not on this machine (a test that wants it says so)."""
    monkeypatch.setattr(module, "IMAGE_DEFAULTS", {name: tmp_path / "no-image" / name for name in module.COMPONENTS})


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return config_dir(
        tmp_path / "config",
        {
            "apiserver.conf": API,
            "extra.inc": "extra { q: 1 }\n",
            "services/tasks.conf": "non_responsive_tasks_watchdog.threshold_sec: 60\n",
            "logging.conf": "# nothing yet\n",
        },
    )


def origin(tree: Any, *path: Any) -> Origin:
    found = lookup(tree, path)
    assert isinstance(found, Origin), found
    return found


def test_every_value_names_its_file_and_line(directory: Path) -> None:
    view = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    api = view.tree["apiserver"]
    assert api["auth"]["cookies"] == {"domain": ".example.com", "httponly": True, "secure": False, "samesite": "Lax"}
    assert (api["cors"], api["listen"], api["extra"]) == (
        {"origins": "https://a"},
        {"ip": "0.0.0.0", "port": 9000},
        {"q": 1},
    )
    where = {
        path: (o.kind, o.relative, o.line)
        for path, _, o in view.leaves()
        if path[0] in ("apiserver", "services") and o is not None
    }
    assert where[("apiserver", "auth", "cookies", "domain")] == ("file", "apiserver.conf", 3)
    assert where[("apiserver", "auth", "cookies", "httponly")] == ("default", "apiserver.conf", 7)
    assert where[("apiserver", "cors", "origins")] == ("file", "apiserver.conf", 5)
    assert where[("apiserver", "listen", "port")] == ("file", "apiserver.conf", 6)
    assert where[("apiserver", "extra", "q")] == ("file", "apiserver.conf", 7)  # the include's line
    assert where[("services", "tasks", "non_responsive_tasks_watchdog", "threshold_sec")] == (
        "file",
        "services/tasks.conf",
        1,
    )
    assert view.label(origin(view.origins, "apiserver", "listen", "port")) == "apiserver.conf:6"
    assert view.label(origin(view.origins, "apiserver", "listen", "ip")) == "default apiserver.conf:3"
    assert all(o is not None for _, _, o in view.leaves())


def test_with_several_directories_a_label_is_the_full_path(directory: Path, tmp_path: Path) -> None:
    other = config_dir(tmp_path / "other", {"apiserver.conf": "listen.port: 1\n"})
    view = compute(dirs_of(other, directory), {}, defaults_dir=DEFAULTS)
    assert view.several_dirs
    assert view.label(origin(view.origins, "apiserver", "listen", "port")) == f"{directory / 'apiserver.conf'}:6"


def test_variables_come_last_trains_before_clearml_each_in_name_order(directory: Path) -> None:
    env = {
        "CLEARML__APISERVER__LISTEN__PORT": "2",
        "TRAINS__APISERVER__LISTEN__PORT": "1",
        "CLEARML__APISERVER__LISTEN": "{ ip: 10.0.0.1 }",
        "HOME": "/root",
    }
    view = compute(dirs_of(directory), env, defaults_dir=DEFAULTS)
    assert view.tree["apiserver"]["listen"] == {"ip": "10.0.0.1", "port": 2}
    assert origin(view.origins, "apiserver", "listen", "port") == Origin(
        "env", variable="CLEARML__APISERVER__LISTEN__PORT"
    )
    assert view.label(origin(view.origins, "apiserver", "listen", "ip")) == "env CLEARML__APISERVER__LISTEN"
    assert [layer.origin.variable for layer in view.layers if layer.origin.kind == "env"] == [
        "TRAINS__APISERVER__LISTEN__PORT",
        "CLEARML__APISERVER__LISTEN",
        "CLEARML__APISERVER__LISTEN__PORT",
    ]


def test_a_dash_key_replaces_for_the_api_server_and_stays_a_key_for_the_file_server(tmp_path: Path) -> None:
    directory = config_dir(
        tmp_path / "c",
        {"apiserver.conf": "-cors { origins: x }\n", "fileserver.conf": "-cors { origins: y }\ncors.max_age: 1\n"},
    )
    api = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    assert api.tree["apiserver"]["cors"] == {"origins": "x"}  # supports_credentials went with the default section
    files = compute(dirs_of(directory), {}, component="fileserver")
    assert files.tree["fileserver"]["-cors"] == {"origins": "y"}
    assert files.tree["fileserver"]["cors"]["max_age"] == 1
    assert files.tree["apiserver"] == {"-cors": {"origins": "x"}}  # it loads every file, by its own rule


def test_documented_defaults_when_no_default_folder_is_given(directory: Path) -> None:
    view = compute(dirs_of(directory), {})
    assert view.defaults_source is None and view.defaults_note
    httponly = ("apiserver", "auth", "cookies", "httponly")
    assert lookup(view.defaults, httponly) == schema.setting_for(httponly).default  # type: ignore[union-attr]
    assert view.label(origin(view.origins, *httponly)) == "default"
    assert "fileserver" not in view.defaults
    files = compute(dirs_of(directory), {}, component="fileserver")
    assert set(files.defaults) <= {"fileserver", "hosts", "logging", "secure"}


def test_the_servers_own_default_folder_is_used_when_it_is_there(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "IMAGE_DEFAULTS", {"apiserver": DEFAULTS, "fileserver": DEFAULTS})
    view = compute(dirs_of(directory), {})
    assert view.defaults_source == DEFAULTS and view.defaults_note
    assert view.defaults["apiserver"]["return_stack_on_code"] == [[500, 0]]


def test_a_defaults_folder_that_is_not_a_directory_or_an_unknown_component_is_a_usage_error(directory: Path) -> None:
    with pytest.raises(UsageError):
        compute(dirs_of(directory), {}, defaults_dir=directory / "apiserver.conf")
    with pytest.raises(UsageError):
        compute(dirs_of(directory), {}, component="webserver")


def test_the_file_server_reads_opt_clearml_config_unless_told(directory: Path) -> None:
    default = ConfigDirs((Path("/opt/trains/config"), Path("/opt/clearml/config")), "default")
    assert component_dirs(default, "fileserver").dirs == tuple(Path(d) for d in FILESERVER_DIRS)
    assert component_dirs(default, "apiserver") is default
    given = dirs_of(directory)
    assert component_dirs(given, "fileserver") is given


def test_a_directory_that_is_not_there_is_skipped_with_a_warning_when_named(directory: Path, tmp_path: Path) -> None:
    named = compute(dirs_of(tmp_path / "missing", directory), {}, defaults_dir=DEFAULTS)
    assert named.dirs == [directory] and len(named.warnings) == 1
    default = compute(ConfigDirs((tmp_path / "missing", directory), "default"), {}, defaults_dir=DEFAULTS)
    assert default.dirs == [directory] and default.warnings == []


def test_a_variable_with_a_miscased_prefix_is_ignored_with_a_warning(directory: Path) -> None:
    view = compute(dirs_of(directory), {"clearml__apiserver__listen__port": "1"}, defaults_dir=DEFAULTS)
    assert view.tree["apiserver"]["listen"]["port"] == 9000
    assert len(view.warnings) == 1 and "clearml__apiserver__listen__port" in view.warnings[0]


def test_a_variable_the_server_cannot_parse_stops_the_view_unless_ignored(directory: Path) -> None:
    env = {"CLEARML__APISERVER__LISTEN__IP": "a,b", "CLEARML__APISERVER__LISTEN__PORT": "1"}
    with pytest.raises(ConfigReadError):
        compute(dirs_of(directory), env, defaults_dir=DEFAULTS)
    view = compute(dirs_of(directory), env, defaults_dir=DEFAULTS, ignore_bad_env=True)
    assert view.tree["apiserver"]["listen"] == {"ip": "0.0.0.0", "port": 1}
    assert len(view.warnings) == 1


def test_null_concatenated_into_text_is_read_as_pyhocon_reads_it_with_a_warning(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": 'x: 1\ny: "a" null\n'})
    view = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    assert view.tree["apiserver"]["x"] == 1
    assert view.tree["apiserver"]["y"].startswith("a <pyhocon.config_tree.NoneValue object at ")
    assert len(view.warnings) == 1


def test_changed_only_and_removed_defaults(directory: Path) -> None:
    view = compute(dirs_of(directory), {"CLEARML__APISERVER__LISTEN__IP": "1.2.3.4"}, defaults_dir=DEFAULTS)
    assert changed_only(view) == {
        "apiserver": {
            "auth": {"cookies": {"domain": ".example.com"}},
            "cors": {"origins": "https://a"},
            "listen": {"port": 9000, "ip": "1.2.3.4"},
            "extra": {"q": 1},
        },
        "services": {"tasks": {"non_responsive_tasks_watchdog": {"threshold_sec": 60}}},
    }  # logging.conf sets nothing: its empty section is not a change
    assert removed_defaults(view) == [(("apiserver", "cors", "supports_credentials"), True)]


def test_an_empty_object_written_as_a_key_is_a_change(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "-cors {}\nnew {}\n"})
    view = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    assert changed_only(view) == {"apiserver": {"cors": {}, "new": {}}}
    assert [path for path, _ in removed_defaults(view)] == [
        ("apiserver", "cors", "origins"),
        ("apiserver", "cors", "supports_credentials"),
    ]


def test_origin_below_a_section_a_value_held_whole_and_nothing(directory: Path) -> None:
    view = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    below = origin_below(view.origins, ("apiserver", "listen"))
    assert isinstance(below, dict) and set(below) == {"ip", "port"}
    inside_a_list = origin_below(view.origins, ("apiserver", "return_stack_on_code", 0, 1))
    assert inside_a_list == origin(view.origins, "apiserver", "return_stack_on_code")
    assert origin_below(view.origins, ("apiserver", "nothing", "here")) is None


def test_files_the_command_read_already_are_not_read_again(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = Reader()
    first = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS, reader=reader)
    reads: list[Path] = []
    monkeypatch.setattr(reading, "read_text", lambda path: reads.append(path) or pytest.fail(f"read {path} again"))
    again = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS, reader=reader)
    assert again.tree == first.tree and reads == []


def test_an_edit_through_the_reader_is_seen(directory: Path) -> None:
    reader = Reader()
    compute(dirs_of(directory), {}, defaults_dir=DEFAULTS, reader=reader)
    reader.document(directory / "apiserver.conf").set(("listen", "port"), 9001)
    view = compute(dirs_of(directory), {}, defaults_dir=DEFAULTS, reader=reader)
    assert view.tree["apiserver"]["listen"]["port"] == 9001
    assert origin(view.origins, "apiserver", "listen", "port").line == 6


def test_a_link_named_conf_to_a_directory_is_the_servers_error(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "a: 1\n"})
    (tmp_path / "real").mkdir()
    (directory / "x.conf").symlink_to(tmp_path / "real")
    with pytest.raises(ConfigReadError) as caught:
        compute(dirs_of(directory), {}, defaults_dir=DEFAULTS)
    assert caught.value.code == "server-cannot-load"
