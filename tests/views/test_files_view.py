"""views/files.py: the files merged as the server merges them, one key at a time or whole."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearml_cfg.hocon import Document
from clearml_cfg.io.reading import Reader
from clearml_cfg.model.keys import MISSING, lookup
from clearml_cfg.model.layout import ConfigFile, discover
from clearml_cfg.views.files import FilesView, listing, where_to_set, written_as

# --- value() is lookup(merged()), whatever the files say --------------------------------------------------------

NAMES = ["a", "b", "-a", "-b"]
LEAVES = st.one_of(st.integers(0, 9), st.lists(st.integers(0, 9), max_size=2), st.just({}))
TREES = st.recursive(LEAVES, lambda inner: st.dictionaries(st.sampled_from(NAMES), inner, max_size=3), max_leaves=6)
FILE_NAMES = ["apiserver.conf", "-apiserver.conf", "services.conf", "services/tasks.conf", "services/-tasks.conf"]
DIRECTORIES = st.lists(
    st.dictionaries(st.sampled_from(FILE_NAMES), st.dictionaries(st.sampled_from(NAMES), TREES, max_size=3)),
    min_size=1,
    max_size=3,
)


def key_paths(files: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every key path the files write, their file's prefix included."""
    found: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        found.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    for name, tree in files.items():
        walk(tree, tuple(name.removesuffix(".conf").split("/")))
    return found


def toggled(segment: Any) -> Any:
    """The other spelling of a name: `a` and `-a`."""
    if not isinstance(segment, str):
        return segment
    return segment[1:] if segment.startswith("-") else "-" + segment


@st.composite
def paths_into(draw: st.DrawFn, directories: list[dict[str, Any]]) -> tuple[Any, ...]:
    """A key the files write, with some of its names spelt the other way, or cut short, or made longer."""
    written = [path for files in directories for path in key_paths(files)]
    path = list(draw(st.sampled_from(written))) if written else ["apiserver"]
    path = [toggled(s) if draw(st.integers(0, 3)) == 0 else s for s in path]
    path = path[: draw(st.integers(1, len(path)))] + draw(st.lists(st.sampled_from([*NAMES, 0]), max_size=1))
    return tuple(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), DIRECTORIES)
def test_the_value_at_a_key_is_the_value_in_the_merged_tree(
    data: st.DataObject, directories: list[dict[str, dict[str, Any]]]
) -> None:
    paths = data.draw(st.lists(paths_into(directories), min_size=1, max_size=8))
    root = Path(tempfile.mkdtemp(prefix="files-view-"))
    try:
        made = [
            config_dir(root / str(i), {name: json.dumps(tree) for name, tree in files.items()})
            for i, files in enumerate(directories)
        ]
        view = FilesView(dirs_of(*made), {})
        merged = view.merged()
        for path in paths:
            expected = lookup(merged, path, MISSING)
            assert view.value(path) == expected if expected is not MISSING else view.value(path) is MISSING, path
            assert lookup(view.merged(path), path, MISSING) == expected or expected is MISSING, path
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize(
    ("directories", "path"),
    [
        ([{"apiserver.conf": "a: 1\n"}, {"apiserver.conf": "-a: 2\n"}], ("apiserver", "-a")),
        ([{"apiserver.conf": "a: 1\n"}, {"-apiserver.conf": "b: 2\n"}], ("-apiserver", "b")),
        ([{"services/tasks.conf": "w: 1\n"}, {"services.conf": "a: {}\n-a: 0\n"}], ("services", "a")),
    ],
)
def test_a_key_beside_a_dash_key_or_a_sub_file_reads_as_in_the_merged_tree(
    tmp_path: Path, directories: list[dict[str, str]], path: tuple[Any, ...]
) -> None:
    """What the property test found: the merge of one key must see every name and every section that decides it."""
    made = [config_dir(tmp_path / str(i), files) for i, files in enumerate(directories)]
    view = FilesView(dirs_of(*made), {})
    expected = lookup(view.merged(), path, MISSING)
    assert view.value(path) is MISSING if expected is MISSING else view.value(path) == expected


# --- examples -------------------------------------------------------------------------------------------------


@pytest.fixture
def two(tmp_path: Path) -> FilesView:
    low = config_dir(
        tmp_path / "low",
        {"apiserver.conf": "auth { x: 1, y: 2 }\ncors { origins: a }\n", "services.conf": "tasks.w: 1\n"},
    )
    high = config_dir(
        tmp_path / "high",
        {
            "apiserver.conf": "auth.x: 10\n-cors { headers: h }\n",
            "services.conf": "tasks { w: 2, v: 3 }\n",
            "services/tasks.conf": "w: 4\n",
        },
    )
    return FilesView(dirs_of(low, high), {})


def test_later_directories_win_objects_merge_and_a_dash_key_replaces(two: FilesView) -> None:
    assert two.merged() == {
        "apiserver": {"auth": {"x": 10, "y": 2}, "cors": {"headers": "h"}},
        "services": {"tasks": {"w": 4, "v": 3}},
    }
    assert two.value(("apiserver", "cors", "origins")) is MISSING
    assert two.value(("services", "tasks", "w")) == 4  # services/tasks.conf over tasks in services.conf
    assert two.merged(("apiserver", "auth")) == {"apiserver": {"auth": {"x": 10, "y": 2}}}


def test_definitions_name_every_file_and_the_key_as_written(two: FilesView) -> None:
    found = [(loaded.file.relative, loaded.file.directory.name, inner) for loaded, inner in two.definitions(KEY)]
    assert found == [("apiserver.conf", "low", ("cors", "origins"))]
    found = [(loaded.file.relative, inner) for loaded, inner in two.definitions(("apiserver", "cors"))]
    assert found == [("apiserver.conf", ("cors",)), ("apiserver.conf", ("-cors",))]
    found = [(f.file.relative, inner) for f, inner in two.definitions(("services", "tasks", "w"))]
    assert found == [
        ("services.conf", ("tasks", "w")),
        ("services.conf", ("tasks", "w")),
        ("services/tasks.conf", ("w",)),
    ]


KEY = ("apiserver", "cors", "origins")


def test_a_dash_file_name_defines_its_section(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"-apiserver.conf": "cors.origins: x\n"})
    view = FilesView(dirs_of(directory), {})
    [(loaded, inner)] = view.definitions(KEY)
    assert (loaded.file.relative, inner) == ("-apiserver.conf", ("cors", "origins"))


def test_files_lists_every_file_or_one_directorys(two: FilesView) -> None:
    low, high = two.dirs.dirs
    # the server's order: one directory after the other, each in its file system's order (Path.rglob)
    assert [(f.directory, f.relative) for f in two.files()] == [
        (d, f.relative) for d in (low, high) for f in discover(d)
    ]
    assert sorted(f.relative for f in two.files(low)) == ["apiserver.conf", "services.conf"]
    assert sorted(f.relative for f in two.files(high)) == ["apiserver.conf", "services.conf", "services/tasks.conf"]


def test_the_view_follows_an_edit_of_a_document_from_its_reader(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "auth.x: 1\n"})
    reader = Reader()
    view = FilesView(dirs_of(directory), {}, reader)
    reader.document(directory / "apiserver.conf").set(("auth", "x"), 2)
    assert view.value(("apiserver", "auth", "x")) == 2


def test_add_puts_a_new_file_where_the_server_reads_it(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "a: 1\n", "services/tasks.conf": "w: 1\n"})
    view = FilesView(dirs_of(directory), {})
    view.add(ConfigFile(directory, "services.conf"), Document("tasks.w: 2\nx: 1\n"))
    view.add(ConfigFile(directory, "apiserver.conf"), Document("a: 99\n"))  # already there: kept as read
    assert [f.relative for f in view.files()] == ["apiserver.conf", "services.conf", "services/tasks.conf"]
    assert view.merged() == {"apiserver": {"a": 1}, "services": {"tasks": {"w": 1}, "x": 1}}


def test_substitutions_resolve_per_file_with_the_environment(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "a: ${HOME_DIR}/x\nb: ${a}\n"})
    view = FilesView(dirs_of(directory), {"HOME_DIR": "/home/ada"})
    assert view.value(("apiserver", "b")) == "/home/ada/x"


def test_a_missing_directory_holds_nothing(tmp_path: Path) -> None:
    view = FilesView(dirs_of(tmp_path / "missing"), {})
    assert view.merged() == {} and view.files() == []


@pytest.mark.parametrize(
    ("text", "path", "forms"),
    [
        ("cors { a: 1 }\n", ("cors", "a"), [("cors", "a")]),
        ("-cors { a: 1 }\n", ("cors", "a"), [("-cors", "a")]),
        ("cors { a: 1 }\n-cors { -a: 2 }\n", ("cors", "a"), [("cors", "a"), ("-cors", "-a")]),
        ("cors.a: 1\n", ("cors", "b"), []),
        ("-cors: 1\n", ("-cors",), [("-cors",)]),
        ("l: [{ a: 1 }]\n", ("l", 0, "a"), [("l", 0, "a")]),
    ],
)
def test_written_as_finds_every_form_of_a_key(text: str, path: tuple[Any, ...], forms: list[tuple[Any, ...]]) -> None:
    assert written_as(Document(text), path) == forms


@pytest.mark.parametrize(
    ("text", "path", "where"),
    [
        ("", ("cors", "origins"), ("cors", "origins")),
        ("-cors { a: 1 }\n", ("cors", "origins"), ("-cors", "origins")),
        ("-cors { a: 1 }\ncors { b: 1 }\n", ("cors", "origins"), ("cors", "origins")),
        ("auth { -cookies { } }\n", ("auth", "cookies", "domain"), ("auth", "-cookies", "domain")),
        ("-auth { x: 1 }\n", ("auth",), ("-auth",)),
    ],
)
def test_where_to_set_edits_an_existing_dash_block(text: str, path: tuple[Any, ...], where: tuple[Any, ...]) -> None:
    assert where_to_set(Document(text), path) == where


def test_loaded_recomputes_its_tree_after_an_edit_only(tmp_path: Path) -> None:
    path = write(tmp_path / "c" / "apiserver.conf", "a: 1\n")
    view = FilesView(dirs_of(path.parent), {})
    [loaded] = view.layers[0][1]
    first = loaded.tree
    assert loaded.tree is first
    loaded.document.set(("a",), 2)
    assert loaded.tree == {"a": 2}


def test_a_file_the_command_creates_is_listed_where_the_server_will_find_it(tmp_path: Path) -> None:
    """After the files of its folder on disk (which keep the file system's order), or among the folders."""
    directory = config_dir(
        tmp_path / "c", {"services.conf": "a: 1\n", "apiserver.conf": "b: 1\n", "services/tasks.conf": "c: 1\n"}
    )
    on_disk = [f.relative for f in discover(directory)]
    reader = Reader()
    for created in ("aaa.conf", "services/-x.conf", "apiserver/auth.conf"):
        reader.adopt(directory / created, Document("d: 1\n"))
    listed = [f.relative for f in listing(directory, reader)]
    assert [name for name in listed if name in on_disk] == on_disk
    root = [name for name in listed if "/" not in name]
    assert root[-1] == "aaa.conf" and listed.index("aaa.conf") == len(root) - 1
    assert listed.index("services/-x.conf") == listed.index("services/tasks.conf") + 1
    assert len(root) == listed.index("apiserver/auth.conf") < listed.index("services/tasks.conf")
