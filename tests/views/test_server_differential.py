"""The effective view against the server's own loaders (``../shared/tools/server-config``), on random scenarios.

A scenario is one to three config directories of random files (sub-files such as ``services/tasks.conf``,
``-key`` files such as ``-newns.conf``, `-key`s and quoted keys at every level) and random ``CLEARML__`` and
``TRAINS__`` variables that overlap with each other and with the files. For the API server and the file
server, our effective configuration (``views.effective.compute``, on the server's full default folder) must be
exactly what the loaders compute, or both must refuse: the loader raises (server-config's exit 3) where we
raise the exit-3 error, and a loader that never finishes is an exit 3 for us too.

``HYPOTHESIS_EXAMPLES=2000 python -m pytest tests/views/test_server_differential.py`` runs it longer.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from helpers import REFERENCE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_oracle import SERVER_CONFIG, TIME_LIMIT, Verdict, judge

from clearml_cfg.errors import CfgError, ExitCode
from clearml_cfg.hocon import Document
from clearml_cfg.io.reading import Reader
from clearml_cfg.model.layout import config_dirs
from clearml_cfg.views.effective import compute

DEFAULTS = {
    "apiserver": REFERENCE / "clearml-server" / "apiserver" / "config" / "default",
    "fileserver": REFERENCE / "clearml-server" / "fileserver" / "config" / "default",
}
pytestmark = pytest.mark.skipif(
    not SERVER_CONFIG.is_file() or not DEFAULTS["apiserver"].is_dir(), reason="../shared/tools/server-config is absent"
)
T = TypeVar("T")
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", 200))

# --- scenarios ------------------------------------------------------------------------------------------------

# names that meet the defaults (auth, cors, cookies, tasks...), new ones, and the server's odd cases
NAMES = ["auth", "cors", "cookies", "origins", "brand", "newkey", "return_stack", "tasks", "x", "y", "b", "enabled"]
FILES = [
    "apiserver.conf",
    "-apiserver.conf",
    "apiserver/auth.conf",
    "apiserver/-auth.conf",
    "apiserver.auth.conf",
    "services.conf",
    "services/tasks.conf",
    "services/-tasks.conf",
    "services.tasks.conf",
    "newns.conf",
    "-newns.conf",
    "newns/-x.conf",
    "fileserver.conf",
    "-fileserver.conf",
    "fileserver/cors.conf",
    "hosts.conf",
]
SCALARS = st.sampled_from(
    [
        *("1", "5", "-3", "2.5", "007", "true", "false", "null", '"text"', "hello world", '"a.b"', "[1, 2]", "[]"),
        *("{}", '"http://x/"', "${?NOPE}", '"home: "${HOME}', "[a, {x: 1}]"),
    ]
)


@st.composite
def keys(draw: st.DrawFn) -> str:
    """A key as written: plain, `-key`, `--key`, quoted (`"a.b"`, `"-a.b"`, `"-x"`), or a dotted path."""
    kind = draw(st.sampled_from(["plain"] * 5 + ["dash"] * 3 + ["double", "quoted", "dotted", "lone"]))
    name = draw(st.sampled_from(NAMES))
    if kind == "dash":
        return "-" + name
    if kind == "double":
        return "--" + name
    if kind == "quoted":
        return draw(st.sampled_from([f'"{name}.z"', f'"-{name}.z"', f'"-{name}"', f'"{name}"']))
    if kind == "dotted":
        parts = draw(st.lists(st.sampled_from(NAMES + ["-" + n for n in NAMES[:6]]), min_size=2, max_size=3))
        return ".".join(parts)
    if kind == "lone":
        return "-"
    return name


@st.composite
def values(draw: st.DrawFn, depth: int) -> str:
    if depth >= 3 or draw(st.integers(0, 2)) > 0:
        return draw(SCALARS)
    fields = draw(st.lists(st.tuples(keys(), values(depth + 1)), max_size=3))
    return "{ " + "\n".join(f"{key}: {value}" for key, value in fields) + " }"


@st.composite
def file_texts(draw: st.DrawFn) -> str:
    fields = draw(st.lists(st.tuples(keys(), values(0)), max_size=4))
    return "".join(f"{key}: {value}\n" for key, value in fields)


SEGMENTS = ["APISERVER", "-APISERVER", "AUTH", "-AUTH", "CORS", "-CORS", "NEWSEC", "B", "Y", "ORIGINS"]
SEGMENTS += ["RETURN_STACK", "NEWKEY", "-NEWKEY", "NEW-KEY", "FILESERVER", "-FILESERVER", "SERVICES", "TASKS", "X"]
ENV_VALUES = st.sampled_from(
    [
        *("5", "2", "true", "null", '"s"', "text", "{x: 1}", "{-x: 2, y: 3}", "[a, b]", "{}", "${HOME}", "${?NOPE}"),
        *("a,b", "x = 1", '"open'),  # the server cannot parse these and fails to start
    ]
)


@st.composite
def variables(draw: st.DrawFn) -> dict[str, str]:
    found: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 4))):
        prefix = draw(st.sampled_from(["CLEARML__", "CLEARML__", "TRAINS__"]))
        first = draw(st.sampled_from(["APISERVER", "-APISERVER", "FILESERVER", "-FILESERVER", "NEWSEC"]))
        rest = draw(st.lists(st.sampled_from(SEGMENTS), max_size=3))
        found[prefix + "__".join([first, *rest])] = draw(ENV_VALUES)
    return found


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, str]], dict[str, str]]:
    directories = []
    for _ in range(draw(st.integers(1, 3))):
        names = draw(st.lists(st.sampled_from(FILES), max_size=4, unique=True))
        directories.append({name: draw(file_texts()) for name in names})
    return directories, draw(variables())


# --- the comparison -------------------------------------------------------------------------------------------


class WarmReader(Reader):
    """A fresh reader for each scenario, except that the default folder, the same in every scenario, is read and
    parsed (by us and by pyhocon) once for all of them."""

    defaults = Reader()

    def _for(self, path: Path) -> Reader:
        return self.defaults if any(Path(path).is_relative_to(d) for d in DEFAULTS.values()) else super()

    def text(self, path: Path) -> str:
        return self._for(path).text(path)

    def document(self, path: Path) -> Document:
        return self._for(path).document(path)

    def derived(self, path: Path, what: str, text: str, make: Callable[[], T]) -> T:
        return self._for(path).derived(path, what, text, make)


def ours(dirs: str, env: dict[str, str], component: str, reader: Reader) -> Verdict:
    try:
        effective = compute(
            config_dirs(dirs, {}), env, component=component, defaults_dir=DEFAULTS[component], reader=reader
        )
    except CfgError as e:
        return "fails", (e.exit_code, e.message)
    return "ok", json.loads(json.dumps(effective.tree, default=str))


def agree(server: Verdict, mine: Verdict) -> bool:
    if server[0] == "ok":
        return mine == server
    return mine[0] == "fails" and mine[1][0] == ExitCode.UNREADABLE


def scenario_text(directories: list[dict[str, str]], env: dict[str, str]) -> str:
    lines = [f"{name!r}: {name}={value!r}" for name, value in env.items()]
    for index, files in enumerate(directories):
        lines += [f"--- dir{index}/{name}\n{text}" for name, text in files.items()]
    return "\n".join(lines)


def materialise(root: Path, directories: list[dict[str, str]]) -> str:
    paths = []
    for index, files in enumerate(directories):
        directory = root / f"dir{index}"
        directory.mkdir()
        for name, text in files.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text)
        paths.append(str(directory))
    return ":".join(paths)


def check_scenario(directories: list[dict[str, str]], env: dict[str, str], limit: float = TIME_LIMIT) -> None:
    with tempfile.TemporaryDirectory() as root:
        dirs = materialise(Path(root), directories)
        judge.new_scenario()
        reader = WarmReader()  # one per scenario, as one command reads each file once
        for component in ("apiserver", "fileserver"):
            judge.send(dirs, env, component, DEFAULTS[component])
            mine = ours(dirs, env, component, reader)
            server = judge.verdict(limit)
            assert agree(server, mine), (
                f"{component} disagrees with the server\n{scenario_text(directories, env)}\n"
                f"server: {server[0]} {_diff(server, mine)}\nours: {mine[0]} {mine[1] if mine[0] != 'ok' else ''}"
            )


def _diff(server: Verdict, mine: Verdict) -> str:
    if server[0] != "ok" or mine[0] != "ok":
        return str(server[1])[:500]
    a, b = server[1], mine[1]
    return "; ".join(f"{k}: {a.get(k)!r} != {b.get(k)!r}" for k in sorted({*a, *b}) if a.get(k) != b.get(k))[:2000]


@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(scenarios())
def test_the_effective_view_is_what_the_server_loads(scenario: tuple[list[dict[str, str]], dict[str, str]]) -> None:
    check_scenario(*scenario)


ISSUE_CASES = {
    "A": ([{"apiserver.conf": "-newkey: 5\nauth { -brand { b: 2 } }\n--x: 1\nnewthing { -inner: 1 }\n"}], {}),
    "A, a file": ([{"-newns.conf": "a: 1\n", "services/-tasks.conf": "b: 2\n"}], {"CLEARML__APISERVER__-NEWKEY": "5"}),
    "B": ([{"apiserver.conf": '"a.b": 1\n"-a.b": 2\n"-c": 3\n'}], {}),
    "C": ([{}], {"CLEARML__-APISERVER__RETURN_STACK": "true"}),
    "C, objects": (
        [{"apiserver.conf": "newsec { b { x: 1 } }\n"}],
        {"CLEARML__APISERVER__NEWSEC__B": "5", "CLEARML__APISERVER__NEWSEC__B__Y": "2"},
    ),
    "C, file server": ([{}], {"CLEARML__FILESERVER__CORS": "5", "CLEARML__FILESERVER__CORS__MAX_AGE": "2"}),
    "D": ([{"services.conf": "workers { x: 1, y: 1 }\n", "services.workers.conf": "x: 2\n"}], {}),
    "E": ([{"apiserver.conf": "y { n: ${HOME} }\ny: ${?NOPE}\n"}], {}),
    "a lone dash": ([{"apiserver.conf": "auth { -: 1 }\n"}], {}),
}


@pytest.mark.parametrize("case", ISSUE_CASES)
def test_the_cases_of_the_issue_are_the_servers(case: str) -> None:
    check_scenario(*ISSUE_CASES[case], limit=5.0 if case == "E" else TIME_LIMIT)  # E: the loader never returns


def test_the_judge_is_server_config_itself(tmp_path: Path) -> None:
    """The worker gives what the script prints when run as a command (one scenario of each kind)."""
    import subprocess
    import sys

    directory = tmp_path / "c"
    directory.mkdir()
    (directory / "apiserver.conf").write_text('-newkey: 5\n"-a.b": 2\nauth { -brand { x: 1 } }\n')
    for env in ({}, {"CLEARML__APISERVER__CORS": "a,b"}):
        run = subprocess.run(
            [
                sys.executable,
                str(SERVER_CONFIG),
                "--config-dir",
                str(directory),
                "--defaults",
                str(DEFAULTS["apiserver"]),
            ],
            capture_output=True,
            text=True,
            env={**{k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}, **env},
        )
        verdict: Any = judge.load(str(directory), env, "apiserver", DEFAULTS["apiserver"])
        if run.returncode == 0:
            assert verdict == ("ok", json.loads(run.stdout))
        else:
            assert run.returncode == 3 and verdict[0] == "fails"


@pytest.mark.parametrize(
    "files",
    [
        {"-apiserver.conf": 'auth.cookies.secure: true\ncors.origins: "x"\n'},
        {"apiserver.conf": 'cors.max_age: 5\n-cors { origins: "a" }\n-newsection { a: 1 }\n'},
        {"apiserver.conf": '-cors { origins: "a" }\nauth { -cookies { secure: true } }\nnew { -inner: 1 }\n'},
        {"apiserver.conf": "-newkey: 5\n--x: 1\n", "services/-tasks.conf": "a: 1\n", "-newns.conf": "b: 2\n"},
    ],
)
def test_exported_variables_give_the_server_what_the_files_give_it(tmp_path: Path, files: dict[str, str]) -> None:
    from clearml_cfg.features.export_variables import export_variables

    dirs = materialise(tmp_path, [files])
    variables = {v.name: v.value for v in export_variables(config_dirs(dirs, {}), {}, "apiserver").variables}
    empty = tmp_path / "empty"
    empty.mkdir()
    judge.new_scenario()
    by_files = judge.load(dirs, {}, "apiserver", DEFAULTS["apiserver"])
    by_variables = judge.load(str(empty), variables, "apiserver", DEFAULTS["apiserver"])
    assert by_files[0] == "ok" and by_variables == by_files, variables
