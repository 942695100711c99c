"""features/export_variables.py: one CLEARML__ variable per setting, giving the server what the files give it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of

from clearml_cfg.errors import UsageError
from clearml_cfg.features.export_variables import (
    export_variables,
    from_environment,
    holds_secrets,
    namespace,
    reads,
)
from clearml_cfg.model.layout import ConfigDirs
from clearml_cfg.views.effective import compute

NOWHERE = ConfigDirs((), "--config-dir")


def same_for_every_server(dirs: ConfigDirs, env: dict[str, str] | None = None) -> dict[str, str]:
    """Export the variables for both servers; check that each computes from them what it computes from the files."""
    env = env or {}
    exported = export_variables(dirs, env, "all")
    given = {v.name: v.value for v in exported.variables}
    assert [v.name for v in exported.variables] == sorted(given)  # the order the server applies them in
    for server in ("apiserver", "fileserver"):
        from_files = compute(dirs, env, component=server).tree
        from_variables = compute(NOWHERE, {**env, **given}, component=server).tree
        assert _read_by(server, from_variables) == _read_by(server, from_files), server
    return given


def _read_by(server: str, tree: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in tree.items() if reads(server, key)}


CASES = {
    "values of every kind": {
        "apiserver.conf": (
            "auth.cookies { domain: .example.com, secure: true, max_age: 3600 }\n"
            'return_stack_on_code: [[500, 0], [400, 1]]\nempty {}\nnothing: null\nquote: "say \\"hi\\" $HOME"\n'
        ),
        "services/tasks.conf": "non_responsive_tasks_watchdog { enabled: false, threshold_sec: 7200 }\n",
        "services.conf": 'organization.ui_actions.task: [{ name: Go, action { url: "http://x/${id}" } }]\n',
    },
    "a dash section, a dash file and the file server's literal dash": {
        "apiserver.conf": "-cors { origins: a }\nauth.x: 1\n",
        "-services.conf": "tasks.non_responsive_tasks_watchdog.enabled: false\n",
        "fileserver.conf": "-cors { origins: b }\ncors.max_age: 3\n",
    },
    "a comments-only file and an empty one": {"apiserver.conf": "# nothing\n", "services.conf": ""},
}


@pytest.mark.parametrize("files", CASES.values(), ids=CASES.keys())
def test_the_variables_give_the_same_configuration(tmp_path: Path, files: dict[str, str]) -> None:
    same_for_every_server(dirs_of(config_dir(tmp_path / "c", files)))


def test_a_dash_file_both_servers_read_goes_to_each_server_on_its_own(tmp_path: Path) -> None:
    """`-hosts.conf` replaces hosts for the API server, whose merge of the variables takes one `-` off (so it needs
    `CLEARML__--HOSTS`), and is a section `-hosts` of its own for the file server, which takes none off (so it
    needs `CLEARML__-HOSTS`): no one set of variables gives both servers the files' configuration."""
    dirs = dirs_of(config_dir(tmp_path / "c", {"-hosts.conf": "elastic.events.hosts: [{ host: es, port: 9200 }]\n"}))
    with pytest.raises(UsageError):
        export_variables(dirs, {}, "all")
    for server, name in (("apiserver", "CLEARML__--HOSTS"), ("fileserver", "CLEARML__-HOSTS")):
        given = {v.name: v.value for v in export_variables(dirs, {}, server).variables}
        assert list(given) == [name]
        from_variables = compute(NOWHERE, given, component=server).tree
        assert _read_by(server, from_variables) == _read_by(server, compute(dirs, {}, component=server).tree)


def test_a_dash_key_of_a_lower_directory_still_replaces_the_defaults(tmp_path: Path) -> None:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "-cors { origins: a }\n"})
    high = config_dir(tmp_path / "high", {"apiserver.conf": "cors.max_age: 5\n"})
    given = same_for_every_server(dirs_of(low, high))
    assert given["CLEARML__APISERVER__-CORS"] == '{ origins: "a" }'


def test_a_dash_section_goes_whole_and_is_applied_before_what_merges_into_it(tmp_path: Path) -> None:
    given = same_for_every_server(dirs_of(config_dir(tmp_path / "c", {"apiserver.conf": "-cors { origins: a }\n"})))
    assert given == {"CLEARML__APISERVER__-CORS": '{ origins: "a" }'}


def test_variables_already_set_are_not_files(tmp_path: Path) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", {"apiserver.conf": "auth.x: 1\n"}))
    exported = export_variables(dirs, {"CLEARML__APISERVER__AUTH__Y": "2"}, "all")
    assert [v.name for v in exported.variables] == ["CLEARML__APISERVER__AUTH__X"]


def test_one_servers_part(tmp_path: Path) -> None:
    dirs = dirs_of(
        config_dir(tmp_path / "c", {"apiserver.conf": "a: 1\n", "fileserver.conf": "b: 1\n", "secure.conf": "c: 1\n"})
    )
    names = {c: [v.name for v in export_variables(dirs, {}, c).variables] for c in ("apiserver", "fileserver")}
    assert names == {
        "apiserver": ["CLEARML__APISERVER__A", "CLEARML__SECURE__C"],
        "fileserver": ["CLEARML__FILESERVER__B", "CLEARML__SECURE__C"],
    }


def test_a_key_no_variable_can_carry_is_refused_or_left_out_when_asked(tmp_path: Path) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", {"fileserver.conf": "Upper: 1\nlower: 2\n"}))
    with pytest.raises(UsageError):
        export_variables(dirs, {}, "all")
    exported = export_variables(dirs, {}, "fileserver", skip_unsettable=True)
    assert exported.skipped == [("fileserver", "Upper")]
    assert [v.name for v in exported.variables] == ["CLEARML__FILESERVER__LOWER"]


def test_secrets_are_masked_when_asked_and_flagged_always(tmp_path: Path) -> None:
    files = {"secure.conf": 'auth.token_secret: "tok-1"\n', "hosts.conf": 'mongo.backend.host: "mongodb://u:pw@h/x"\n'}
    dirs = dirs_of(config_dir(tmp_path / "c", files))
    real = {v.name: (v.value, v.secret) for v in export_variables(dirs, {}, "all").variables}
    shown = {v.name: (v.value, v.secret) for v in export_variables(dirs, {}, "all", mask=True).variables}
    assert real == {
        "CLEARML__HOSTS__MONGO__BACKEND__HOST": ('"mongodb://u:pw@h/x"', True),  # `//` bare starts a comment
        "CLEARML__SECURE__AUTH__TOKEN_SECRET": ("tok-1", True),
    }
    assert all(secret and "tok-1" not in value and ":pw@" not in value for value, secret in shown.values())


@pytest.mark.parametrize(
    ("value", "path", "secret"),
    [
        ({"token_secret": "x"}, ("secure", "auth"), True),
        ({"anything": "x"}, ("secure",), True),
        ({"token_secret": ""}, ("secure", "auth"), False),
        ({"users": [{"password": "p"}]}, ("apiserver", "auth", "fixed_users"), True),
        ({"-fixed_users": {"users": [{"password": "p"}]}}, ("apiserver", "auth"), True),
        ("mongodb://u:p@h", ("hosts", "mongo", "backend", "host"), True),
        ("mongodb://h", ("hosts", "mongo", "backend", "host"), False),
        ({"domain": "x"}, ("apiserver", "auth", "cookies"), False),
        (None, ("secure", "auth", "token_secret"), False),
    ],
)
def test_what_holds_a_secret(value: Any, path: tuple[str, ...], secret: bool) -> None:
    assert holds_secrets(value, path) is secret


def test_namespace_and_who_reads_it() -> None:
    assert namespace(("-apiserver", "x")) == "apiserver" and namespace(()) == ""
    assert [reads(c, "fileserver") for c in ("all", "apiserver", "fileserver")] == [True, False, True]
    assert [reads(c, "services") for c in ("all", "apiserver", "fileserver")] == [True, True, False]
    assert reads("fileserver", "secure") and reads("fileserver", "hosts")


def test_values_a_substitution_took_from_this_machine_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME_DIR", "/home/ada")  # pyhocon, the server's reading, resolves from the process's
    monkeypatch.delenv("NOT_SET_HERE", raising=False)
    files = {"apiserver.conf": "home: ${HOME_DIR}\nfixed: 1\nmaybe: ${?NOT_SET_HERE}\n"}
    dirs = dirs_of(config_dir(tmp_path / "c", files))
    env = {"HOME_DIR": "/home/ada"}
    assert from_environment(dirs, env) == (
        [("apiserver", "home"), ("apiserver", "maybe")],
        ["HOME_DIR", "NOT_SET_HERE"],
    )
    assert len(export_variables(dirs, env, "all").notes) == 1
    plain = dirs_of(config_dir(tmp_path / "d", {"apiserver.conf": "fixed: 1\n"}))
    assert export_variables(plain, env, "all").notes == []
