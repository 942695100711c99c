"""views/files.py: the files merged as the server merges them, one key at a time or whole."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearml_cfg.model.keys import MISSING, lookup
from clearml_cfg.views.files import FilesView

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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
