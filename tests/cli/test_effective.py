"""show --effective, get --effective, explain and env: the configuration exactly as the server computes it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from helpers import REFERENCE, needs_reference

DEFAULTS = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"


def effective(cli: Run, *args: str, env: dict[str, str] | None = None) -> Any:
    result = cli("show", "--effective", "--json", *args, env=env)
    assert result.code == 0, result
    return json.loads(result.out)


def test_documented_defaults_are_the_lowest_layer(cli: Run) -> None:
    tree = effective(cli)
    assert tree["apiserver"]["auth"]["cookies"] == {
        "httponly": True,
        "secure": False,
        "domain": None,
        "samesite": "Lax",
        "max_age": 99999999999,
    }
    assert tree["services"]["tasks"]["non_responsive_tasks_watchdog"] == {
        "enabled": True,
        "threshold_sec": 7200,
        "watch_interval_sec": 900,
    }


def test_later_directories_win_and_dash_replaces(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", "auth.cookies.secure: true\ncors { origins: a, methods: [GET] }\n")
    write(high / "apiserver.conf", "auth.cookies.domain: .x.com\n-cors { origins: b }\n")
    tree = effective(cli, "apiserver", "-c", f"{low}{os.pathsep}{high}")
    assert tree["auth"]["cookies"]["secure"] is True and tree["auth"]["cookies"]["domain"] == ".x.com"
    assert tree["cors"] == {"origins": "b"}  # replaced, not merged: no methods, no supports_credentials


def test_dash_file_name_replaces_the_whole_section(cli: Run, config_dir: Path) -> None:
    write(config_dir / "-apiserver.conf", "listen.port: 9000\n")
    assert effective(cli, "apiserver") == {"listen": {"port": 9000}}


def test_services_subfile_wins_over_services_conf(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog { threshold_sec: 60, enabled: false }\n")
    write(config_dir / "services" / "tasks.conf", "non_responsive_tasks_watchdog.threshold_sec: 120\n")
    watchdog = effective(cli, "services.tasks.non_responsive_tasks_watchdog")
    assert watchdog == {"enabled": False, "threshold_sec": 120, "watch_interval_sec": 900}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"CLEARML__APISERVER__X": "007"}, 7),
        ({"CLEARML__APISERVER__X": '"007"'}, "007"),
        ({"CLEARML__APISERVER__X": "1.50"}, 1.5),
        ({"CLEARML__APISERVER__X": "true"}, True),
        ({"CLEARML__APISERVER__X": "yes"}, "yes"),
        ({"CLEARML__APISERVER__X": "null"}, None),
        ({"CLEARML__APISERVER__X": "[a, b]"}, ["a", "b"]),
        ({"CLEARML__APISERVER__X": "{a: 1}"}, {"a": 1}),
        ({"CLEARML__APISERVER__X": "a b c"}, "a b c"),
        ({"CLEARML__APISERVER__X": "hello # a comment"}, "hello"),
        ({"CLEARML__APISERVER__X": "${CLEARML_CFG_TEST_HOME}/x"}, "/home/ada/x"),
        ({"TRAINS__APISERVER__X": "1", "CLEARML__APISERVER__X": "2"}, 2),  # CLEARML__ after TRAINS__
        ({"CLEARML__APISERVER__X": "1", "CLEARML__APISERVER__X__Y": "2"}, {"y": 2}),  # sorted names
        ({"CLEARML__APISERVER__x": "mixed"}, "mixed"),  # the name after the prefix is lower-cased
    ],
)
def test_environment_overrides(cli: Run, variables: dict[str, str], expected: object) -> None:
    assert effective(cli, "apiserver", env=variables)["x"] == expected


def test_optional_substitution_in_env_leaves_the_key_unset(cli: Run) -> None:
    tree = effective(cli, "apiserver", env={"CLEARML__APISERVER__X": "${?CLEARML_CFG_NOPE}"})
    assert "x" not in tree


def test_env_overrides_win_over_files_and_dash_applies(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.domain: .file.com\n")
    env = {"CLEARML__APISERVER__AUTH__COOKIES__DOMAIN": ".env.com", "CLEARML__APISERVER__-CORS": "{origins: z}"}
    tree = effective(cli, "apiserver", env=env)
    assert tree["auth"]["cookies"]["domain"] == ".env.com"
    assert tree["cors"] == {"origins": "z"}


def test_a_lowercase_prefix_is_ignored_with_a_warning(cli: Run) -> None:
    result = cli("show", "--effective", "--json", "apiserver", env={"clearml__apiserver__x": "1"})
    assert "x" not in json.loads(result.out)
    assert "clearml__apiserver__x is ignored by the server: the prefix must be exactly CLEARML__" in result.err


@pytest.mark.parametrize("value", ["x = 1", "a,b", '"unbalanced'])
def test_an_env_value_the_server_cannot_parse_is_exit_3(cli: Run, value: str) -> None:
    result = cli("show", "--effective", env={"CLEARML__APISERVER__X": value})
    assert result.code == 3, result
    assert "CLEARML__APISERVER__X=" in result.err and "fails to start" in result.err
    ignored = cli("show", "--effective", "--json", "--ignore-bad-env", env={"CLEARML__APISERVER__X": value})
    assert ignored.code == 0
    assert "ignored here because of --ignore-bad-env" in ignored.err


def test_a_substitution_to_another_files_key_is_the_servers_error(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "listen.port: 8008\n")
    write(config_dir / "services.conf", "tasks.port: ${apiserver.listen.port}\n")
    result = cli("show", "--effective")
    assert result.code == 3
    assert "services.conf" in result.err and "apiserver.listen.port" in result.err
    assert "each file on its own" in result.err


def test_a_substitution_from_the_environment_resolves(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "home: ${CLEARML_CFG_TEST_HOME}\nmissing: ${?CLEARML_CFG_NOPE}\n")
    tree = effective(cli, "apiserver")
    assert tree["home"] == "/home/ada" and "missing" not in tree


def test_file_server_view(cli: Run, config_dir: Path) -> None:
    write(config_dir / "fileserver.conf", "cors { origins: a }\n-cors { supports_credentials: true }\n")
    tree = effective(cli, "fileserver")  # the file server's loader: no -key rule
    assert tree["cors"] == {"origins": "a"} and tree["-cors"] == {"supports_credentials": True}
    api = effective(cli, "fileserver", "--component", "apiserver")
    assert api["cors"] == {"origins": "a"}  # nothing below held `cors` for `-cors` to replace


def test_origin_column_json_and_piped(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "# comment\nauth {\n    cookies {\n        domain: .x.com\n    }\n}\n")
    env = {"CLEARML__APISERVER__AUTH__COOKIES__SECURE": "true"}
    rows = {row["key"]: row for row in effective(cli, "apiserver.auth.cookies", "--origin", env=env)}
    assert rows["apiserver.auth.cookies.domain"]["origin"] == "apiserver.conf:4"
    assert rows["apiserver.auth.cookies.domain"]["line"] == 4
    assert rows["apiserver.auth.cookies.secure"]["origin"] == "env CLEARML__APISERVER__AUTH__COOKIES__SECURE"
    assert rows["apiserver.auth.cookies.httponly"]["origin"] == "default"
    piped = cli("show", "apiserver.auth.cookies", "--origin", env=env).out.splitlines()
    assert piped[0].split() == ["KEY", "VALUE", "ORIGIN"]
    assert piped[3].split() == ["apiserver.auth.cookies.domain", '".x.com"', "apiserver.conf:4"]


def test_origin_names_the_directory_when_there_are_several(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", "a: 1\n")
    write(high / "apiserver.conf", "b: 2\n")
    rows = effective(cli, "apiserver", "--origin", "-c", f"{low}{os.pathsep}{high}")
    origins = {row["key"]: row["origin"] for row in rows}
    assert origins["apiserver.a"] == f"{low / 'apiserver.conf'}:1"
    assert origins["apiserver.b"] == f"{high / 'apiserver.conf'}:1"


def test_changed_shows_only_what_differs_from_the_defaults(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies { secure: false, domain: .x.com }\n")  # secure: default value
    write(config_dir / "fileserver.conf", "# nothing yet\n")
    assert effective(cli, "--changed") == {
        "changed": {"apiserver": {"auth": {"cookies": {"domain": ".x.com"}}}},
        "removed": [],
    }


def test_get_effective(cli: Run, config_dir: Path) -> None:
    assert cli("get", "--effective", "services.tasks.non_responsive_tasks_watchdog.threshold_sec").out == "7200\n"
    assert cli("get", "services.tasks.non_responsive_tasks_watchdog.threshold_sec").code == 1  # files only
    result = cli(
        "get",
        "-e",
        "apiserver.x",
        env={"CLEARML__APISERVER__X": "[1, 2]"},
    )
    assert result.out == "[1, 2]\n"
    assert cli("get", "-e", "apiserver.nope").code == 1


def test_secrets_are_masked_in_the_effective_view(cli: Run, config_dir: Path) -> None:
    write(config_dir / "secure.conf", 'auth.token_secret: "abc"\n')
    assert effective(cli, "secure") == {"auth": {"token_secret": "********"}}
    rows = effective(cli, "secure", "--origin", "--show-secrets")
    assert rows[0]["value"] == "abc"


@needs_reference
def test_with_the_servers_default_folder_every_default_key_is_there(cli: Run) -> None:
    from helpers import pyhocon_plain

    from clearml_cfg.model.layout import discover
    from clearml_cfg.model.merge import put_file

    tree = effective(cli, "--defaults", str(DEFAULTS), "--show-secrets")
    expected: dict[str, Any] = {}
    for config_file in discover(DEFAULTS):
        put_file(expected, config_file.prefix, pyhocon_plain(config_file.path.read_text(encoding="utf-8")))
    assert tree == json.loads(json.dumps(expected))
    rows = {
        row["key"]: row["origin"]
        for row in effective(cli, "apiserver.auth.cookies", "--origin", "--defaults", str(DEFAULTS))
    }
    assert rows["apiserver.auth.cookies.domain"] == "default apiserver.conf:78"


# --- explain ------------------------------------------------------------------------------------------------


def explained(cli: Run, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("explain", "--json", *args, env=env)
    assert result.code in (0, 1), result
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_explain_lists_every_layer_and_why_the_winner_wins(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", "auth.cookies.domain: .low.com\n")
    write(high / "apiserver.conf", "# hi\nauth.cookies.domain: .high.com\n")
    env = {"CLEARML__APISERVER__AUTH__COOKIES__DOMAIN": ".env.com"}
    result = explained(cli, "apiserver.auth.cookies.domain", "-c", f"{low}{os.pathsep}{high}", env=env)
    assert result["value"] == ".env.com"
    assert [(s["origin"], s["value"], s["wins"]) for s in result["steps"]] == [
        ("default", None, False),
        (f"{low / 'apiserver.conf'}:1", ".low.com", False),
        (f"{high / 'apiserver.conf'}:2", ".high.com", False),
        ("env CLEARML__APISERVER__AUTH__COOKIES__DOMAIN", ".env.com", True),
    ]
    reasons = [s["reason"] for s in result["steps"]]
    assert reasons[1] == "a configuration file overrides the default"
    assert reasons[2] == f"a later config directory wins ({high} comes after {low})"
    assert reasons[3] == "environment variables override the files"


def test_explain_subfile_and_dash(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 60\n")
    write(config_dir / "services" / "tasks.conf", "non_responsive_tasks_watchdog.threshold_sec: 120\n")
    steps = explained(cli, "services.tasks.non_responsive_tasks_watchdog.threshold_sec")["steps"]
    assert (
        steps[-1]["reason"]
        == "services/tasks.conf is read after services.conf: a subfolder's files come after the folder's own"
    )
    write(tmp_path / "other" / "apiserver.conf", "-cors { origins: b }\n")
    steps = explained(cli, "apiserver.cors.supports_credentials", "-c", str(tmp_path / "other"))["steps"]
    assert steps[-1]["action"] == "replaces 'cors' with '-cors'" and steps[-1]["removes"] is True
    assert steps[-1]["reason"] == "'-cors' replaces the whole cors section instead of merging into it"


@pytest.mark.parametrize(
    ("files", "key", "env", "warning"),
    [
        (
            {"apiserver.conf": "auth.cookies.samesit: Lax\n"},
            "apiserver.auth.cookies.samesit",
            {},
            "did you mean apiserver.auth.cookies.samesite?",
        ),
        (
            {"apiservr.conf": "x: 1\n"},
            "apiservr.x",
            {},
            "apiservr.conf is loaded as apiservr.*, which no server code reads; did you mean apiserver.conf?",
        ),
        ({}, "apiservr.x", {}, "no server code reads apiservr.*; did you mean apiserver?"),
        ({}, "apiserver.auth.cookies.domian", {}, "did you mean apiserver.auth.cookies.domain?"),
        (
            {},
            "apiserver.x",
            {"Clearml__APISERVER__X": "1"},
            "the server ignores it: the prefix must be exactly CLEARML__",
        ),
    ],
)
def test_explain_warns_what_will_not_take_effect(
    cli: Run, config_dir: Path, files: dict[str, str], key: str, env: dict[str, str], warning: str
) -> None:
    for name, text in files.items():
        write(config_dir / name, text)
    result = cli("explain", key, env=env)
    assert warning in result.err, result


def test_explain_notes_connection_variables_and_cors_for_the_wrong_server(cli: Run, config_dir: Path) -> None:
    write(config_dir / "hosts.conf", 'mongo.backend.host: "mongodb://127.0.0.1:27017/backend"\n')
    result = cli("explain", "hosts.mongo.backend.host", env={"CLEARML_MONGODB_SERVICE_HOST": "db"})
    assert "CLEARML_MONGODB_SERVICE_HOST=db replaces the host or port" in result.err
    write(config_dir / "apiserver.conf", "cors.origins: https://app.x.com\n")
    result = cli("explain", "fileserver.cors.origins")
    assert "the file server reads fileserver.cors" in result.err


def test_explain_not_set_is_exit_1(cli: Run) -> None:
    result = cli("explain", "apiserver.nothing.here")
    assert result.code == 1
    assert result.out.startswith("apiserver.nothing.here is not set")


def test_explain_text_output(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.secure: true\n")
    out = cli("explain", "apiserver.auth.cookies.secure").out.splitlines()
    assert out[0] == "apiserver.auth.cookies.secure = true"
    assert out[1].split() == ["ORIGIN", "VALUE", "WHY"]
    assert out[3].split()[:3] == ["*", "apiserver.conf:1", "true"]


# --- env ----------------------------------------------------------------------------------------------------


def test_env_name_and_assignments(cli: Run) -> None:
    assert cli("env", "apiserver.auth.cookies.domain").out == "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN\n"
    assert cli("env", "apiserver.auth.cookies.domain", ".x.com", "--format", "shell").out == (
        "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN=.x.com\n"
    )
    assert (
        cli("env", "apiserver.code", "007", "--type", "string", "--format", "shell").out
        == "CLEARML__APISERVER__CODE='\"007\"'\n"
    )
    compose = cli("env", "services.organization.url", "http://x/${id}", "--format", "compose").out
    assert compose == 'CLEARML__SERVICES__ORGANIZATION__URL: "\\"http://x/$${id}\\""\n'
    both = cli("env", "apiserver.x", "1").out
    assert "export CLEARML__APISERVER__X=1" in both and 'CLEARML__APISERVER__X: "1"' in both


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (".x.com", "auto"),
        ("007", "string"),
        ("true", "string"),
        ("http://x/${id}", "auto"),
        ("[a, b]", "auto"),
        ("a # b", "string"),
    ],
)
def test_env_assignment_reads_back_as_the_server_would(cli: Run, value: str, kind: str) -> None:
    import shlex

    line = cli("env", "apiserver.x", value, "--type", kind, "--format", "shell").out.strip()
    name, quoted = line.split("=", 1)
    (text,) = shlex.split(quoted)
    read_back = effective(cli, "apiserver", env={name: text})["x"]
    from clearml_cfg.model.values import ValueType, parse_value

    assert read_back == parse_value(value, ValueType(kind))[0]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("apiserver.auth.Cookies", "lower-cases"),
        ('apiserver."x.y"', "cannot carry"),
        ("apiserver.a_.b", "would read"),
        ("apiserver.l[0]", "list element"),
    ],
)
def test_env_refuses_keys_no_variable_can_set(cli: Run, key: str, message: str) -> None:
    result = cli("env", key)
    assert result.code == 2 and message in result.err


def test_env_reverse(cli: Run) -> None:
    assert cli("env", "--reverse", "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN").out == "apiserver.auth.cookies.domain\n"
    assert cli("env", "-r", "TRAINS__A___B").out == "a._b\n"
    wrong = cli("env", "-r", "clearml__apiserver__x")
    assert wrong.code == 2 and "rename it to CLEARML__apiserver__x" in wrong.err
    assert cli("env", "-r", "HOME").code == 2


# --- origins, removals and what the server never reads ------------------------------------------------------


@pytest.mark.parametrize("text", ["# only a comment\n", "", "auth { cookies {} }\n"])
def test_an_empty_file_or_object_keeps_the_origins_below(cli: Run, config_dir: Path, text: str) -> None:
    write(config_dir / "apiserver.conf", text)
    rows = effective(cli, "apiserver.auth.cookies", "--origin")
    assert {row["key"]: row["origin"] for row in rows} == {
        f"apiserver.auth.cookies.{name}": "default" for name in ("httponly", "secure", "domain", "samesite", "max_age")
    }
    assert all(row["origin"] != "?" for row in effective(cli, "--origin"))


def test_changed_lists_the_defaults_a_dash_key_removed(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-cors {}\n")
    assert effective(cli, "--changed") == {
        "changed": {"apiserver": {"cors": {}}},
        "removed": [
            {"key": "apiserver.cors.origins", "default": "*"},
            {"key": "apiserver.cors.supports_credentials", "default": True},
        ],
    }
    write(config_dir / "apiserver.conf", '# keep only the origins\n-cors { origins: "*" }\n')
    assert cli("show", "--changed").out == "# removed: apiserver.cors.supports_credentials (default true)\n"
    rows = effective(cli, "--changed", "--origin")
    assert rows == [
        {
            "key": "apiserver.cors.supports_credentials",
            "value": None,
            "origin": "apiserver.conf:2",
            "file": str(config_dir / "apiserver.conf"),
            "line": 2,
            "variable": None,
            "removed": True,
            "default": True,
        }
    ]
    assert cli("show", "--changed", "apiserver.auth").code == 1  # nothing changed or removed there


TYPOS = [
    ("apiserver.conf", "auth.fixed_user.enabled: true\n", "apiserver.auth.fixed_user", "apiserver.auth.fixed_users"),
    ("services.conf", "task.non_responsive_tasks_watchdog.enabled: false\n", "services.task", "services.tasks"),
    (
        "services/tasks.conf",
        "# the watchdog\nnon_responsive_task_watchdog.enabled: false\n",
        "services.tasks.non_responsive_task_watchdog",
        "services.tasks.non_responsive_tasks_watchdog",
    ),
    ("apiserver.conf", "listen {\n  prot: 8080\n}\n", "apiserver.listen.prot", "apiserver.listen.port"),
]


@pytest.mark.parametrize(("name", "text", "typo", "meant"), TYPOS)
def test_a_misspelt_key_is_warned_with_the_known_one(
    cli: Run, config_dir: Path, name: str, text: str, typo: str, meant: str
) -> None:
    write(config_dir / name, text)
    line = text.count("\n", 0, text.index(typo.rsplit(".", 1)[1])) + 1
    expected = f"warning: {name}:{line}: no server code reads {typo}; did you mean {meant}?\n"
    assert expected in cli("show", "--effective").err
    if REFERENCE.is_dir():
        assert expected in cli("show", "--effective", "--defaults", str(DEFAULTS)).err


def test_a_misspelt_variable_and_a_dash_key_are_judged_as_the_server_reads_them(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-cors { origins: x }\nauth { -cookies { domain: null } }\n")
    result = cli("show", "--effective", env={"CLEARML__APISERVER__AUTH__FIXED_USER__ENABLED": "true"})
    assert result.err.count("warning:") == 1, result  # `-cors` and `-cookies` are known keys
    assert (
        "env CLEARML__APISERVER__AUTH__FIXED_USER__ENABLED: no server code reads apiserver.auth.fixed_user; "
        "did you mean apiserver.auth.fixed_users?" in result.err
    )


def test_explain_a_misspelt_middle_part(cli: Run, config_dir: Path) -> None:
    unset = cli("explain", "apiserver.auth.fixed_user.enabled")
    assert unset.code == 1 and "did you mean apiserver.auth.fixed_users.enabled?" in unset.err
    write(config_dir / "apiserver.conf", "auth.fixed_user.enabled: true\n")
    result = cli("explain", "apiserver.auth.fixed_user.enabled")
    assert (
        "no server code reads apiserver.auth.fixed_user; did you mean apiserver.auth.fixed_users.enabled?" in result.err
    )


def test_explain_never_suggests_the_key_itself(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-auth { token_secret: t }\n-cors { origins: x }\n")
    for key in ("apiserver.auth.fixed_users.enabled", "apiserver.cors.supports_credentials"):
        result = cli("explain", key)
        assert result.code == 1 and "did you mean" not in result.err, result


def test_a_file_outside_the_sections_is_named_as_it_is(cli: Run, config_dir: Path) -> None:
    write(config_dir / "backup" / "apiserver.conf", "auth.cookies.domain: .old.example.com\n")
    write(config_dir / "a.b.conf", "x: 1\n")
    err = cli("show", "--effective").err
    assert "warning: a.b.conf is loaded as a.b.*, which no server code reads\n" in err
    assert "warning: backup/apiserver.conf is loaded as backup.apiserver.*, which no server code reads" in err
    explained = cli("explain", "apiserver.auth.cookies.domain").err
    assert (
        "backup/apiserver.conf sets backup.apiserver.auth.cookies.domain, not apiserver.auth.cookies.domain"
        in explained
    )


# --- values the server reads differently from what one expects ----------------------------------------------


@pytest.mark.parametrize(("name", "value"), [("CLEARML__", "1"), ("TRAINS__", "x")])
def test_a_variable_named_only_by_the_prefix_stops_the_server(cli: Run, name: str, value: str) -> None:
    result = cli("show", "--effective", env={name: value})
    assert result.code == 3 and f"error: {name}={value!r}: a variable named only by the prefix" in result.err
    assert cli("show", "--effective", "--ignore-bad-env", env={name: value}).code == 0
    reverse = cli("env", "--reverse", name)
    assert reverse.code == 2 and "sets an empty key" in reverse.err


def test_a_variable_name_the_server_cannot_read_is_blamed_on_the_name(cli: Run) -> None:
    result = cli("show", "--effective", env={'CLEARML__APISERVER__"Q"': "1"})
    assert result.code == 3, result
    assert "the name makes the key 'apiserver.\"q\"'" in result.err
    assert "hint: rename or unset the variable" in result.err and "quote the value" not in result.err


def test_an_include_as_a_variable_value_is_shown_as_the_server_gets_it(cli: Run) -> None:
    env = {"CLEARML__APISERVER__A": 'include "x"'}
    for args in (["show", "--effective"], ["show", "--effective", "--json"], ["explain", "apiserver.a"]):
        result = cli(*args, env=env)
        assert result.code == 0, result
        assert "<pyhocon.config_tree.ConfigInclude object at" in result.out
        assert "CLEARML__APISERVER__A='include \"x\"': apiserver.a is an include used as a value" in result.err


def test_null_in_a_concatenation_reads_as_pyhocon_reads_it(cli: Run, config_dir: Path) -> None:
    import re

    from helpers import pyhocon_plain

    text = 'x: null null\ny: "a" null\nz: true false\n'
    write(config_dir / "apiserver.conf", text)
    result = cli("show", "--effective", "--json", "apiserver")
    assert result.code == 0, result
    shown = {k: v for k, v in json.loads(result.out).items() if k in "xyz"}

    def address_free(value: Any) -> Any:
        return {k: re.sub(r"0x[0-9a-f]+", "0x", str(v)) for k, v in value.items()}

    assert address_free(shown) == address_free(pyhocon_plain(text))
    assert "warning: apiserver.conf:2: apiserver.y concatenates null" in result.err


def test_a_link_named_conf_to_a_directory_stops_the_server(cli: Run, config_dir: Path) -> None:
    (config_dir / "real").mkdir(parents=True)
    (config_dir / "x.conf").symlink_to(config_dir / "real")
    result = cli("show", "--effective")
    assert result.code == 3 and "x.conf is a link to a directory" in result.err


# --- explain: sections, `-key` and include lines ------------------------------------------------------------


def test_explain_a_section_says_merged_and_names_lines(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'cors { max_age: 5 }\n\n-listen { port: 9 }\ninclude "extra.inc"\n')
    write(config_dir / "extra.inc", "extra { q: 1 }\n")
    result = explained(cli, "apiserver.cors")
    assert [(s["origin"], s["wins"], s["merged"]) for s in result["steps"]] == [
        ("default", False, True),
        ("apiserver.conf:1", False, True),
    ]
    assert result["steps"][1]["reason"] == "merged into what came before: objects merge key by key"
    text = cli("explain", "apiserver.cors").out.splitlines()
    assert [line.split()[0] for line in text[2:]] == ["+", "+"]
    assert explained(cli, "apiserver.listen.ip")["steps"][-1]["origin"] == "apiserver.conf:3"
    assert explained(cli, "apiserver.extra.q")["steps"][-1]["origin"] == "apiserver.conf:4"


@needs_reference
def test_explain_names_the_default_file_of_a_section(cli: Run) -> None:
    steps = explained(cli, "apiserver.cors", "--defaults", str(DEFAULTS))["steps"]
    assert steps[0]["origin"].startswith("default apiserver.conf:")


# --- the reference's shell line --------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_the_reference_eval_line_gives_the_variable_its_value(cli: Run, tmp_path: Path) -> None:
    import re
    import shlex
    import subprocess
    import sys

    from helpers import COMMANDS_DOC

    lines = re.findall(r'^eval "export \$\(clearml-cfg env (.*) --format shell\)"$', COMMANDS_DOC.read_text(), re.M)
    assert lines
    shim = write(tmp_path / "bin" / "clearml-cfg", f'#!/bin/sh\nexec "{sys.executable}" -m clearml_cfg "$@"\n')
    shim.chmod(0o755)
    for arguments in [*lines, "apiserver.code 007 --type string"]:
        expected = json.loads(cli("env", *shlex.split(arguments), "--json").out)
        script = f'eval "export $(clearml-cfg env {arguments} --format shell)"; printf %s "${expected["name"]}"'
        env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
        assert done.stdout == expected["value"], (arguments, done)


# --- the whole effective tree against an emulation of the server --------------------------------------------


def server_emulation(defaults: Path, dirs: list[Path], env: dict[str, str]) -> Any:
    """SERVER-SEMANTICS §1-4 written out with pyhocon alone, as the server's loader does it."""
    from pyhocon import ConfigFactory, ConfigTree
    from pyhocon.config_tree import NoneValue

    def read_directory(root: Path) -> ConfigTree:
        tree = ConfigTree()
        for base, subdirs, files in os.walk(root):  # top-down: services/tasks.conf after services.conf
            subdirs.sort()
            for name in sorted(f for f in files if f.endswith(".conf")):
                relative = (Path(base) / name).relative_to(root).with_suffix("")
                tree.put(".".join(relative.parts), ConfigFactory.parse_file(str(Path(base) / name)))
        return tree

    def dash_rule(base: ConfigTree, layer: ConfigTree) -> None:
        """`-key` replaces `key` where both sides hold it: drop it below, so that the merge sets it whole."""
        for key in list(layer):
            value = layer[key]
            if key.startswith("-") and key[1:] in base:
                del base[key[1:]]
                del layer[key]
                layer[key[1:]] = value
            elif isinstance(value, ConfigTree) and isinstance(base.get(key, None), ConfigTree):
                dash_rule(base[key], value)

    merged = read_directory(defaults)
    layers = [read_directory(d) for d in dirs]
    for prefix in ("TRAINS__", "CLEARML__"):
        for name in sorted(n for n in env if n.startswith(prefix)):
            key = name[len(prefix) :].replace("__", ".").lower()
            layers.append(ConfigFactory.parse_string(f"{key}: {env[name]}"))
    for layer in layers:
        dash_rule(merged, layer)
        merged = ConfigTree.merge_configs(merged, layer)

    def plain(value: Any) -> Any:
        if isinstance(value, ConfigTree):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return None if isinstance(value, NoneValue) else value

    return plain(merged)


def test_the_whole_effective_tree_is_the_servers(cli: Run, tmp_path: Path) -> None:
    from helpers import DATA

    defaults = DATA / "effective" / "defaults"
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", 'auth.cookies.secure: true\ncors { origins: "https://a.example.com", max_age: 60 }\n')
    write(low / "services.conf", "tasks.non_responsive_tasks_watchdog { threshold_sec: 60, enabled: false }\n")
    write(low / "services" / "tasks.conf", "non_responsive_tasks_watchdog.threshold_sec: 120\n")
    write(low / "-hosts.conf", 'mongo { backend { host: "mongodb://db:27017/backend" } }\n')
    write(low / "empty.conf", "# nothing here\n")
    write(
        high / "apiserver.conf",
        '-cors { origins: "https://b.example.com" }\nreturn_stack_on_code: []\n'
        'auth { fixed_users { enabled: true, users: [{ username: "ada", password: "pw", name: "Ada" }] } }\n',
    )
    write(high / "services" / "tasks.conf", "non_responsive_tasks_watchdog { watch_interval_sec: 30 }\n")
    env = {
        "TRAINS__APISERVER__LISTEN__PORT": "9000",
        "CLEARML__APISERVER__LISTEN__PORT": "9100",
        "TRAINS__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__ENABLED": "true",
        "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN": ".example.com",
        "CLEARML__HOSTS__MONGO__-BACKEND": '{ host: "mongodb://env:27017/backend" }',
    }
    dirs = f"{low}{os.pathsep}{high}"
    tree = effective(cli, "--defaults", str(defaults), "-c", dirs, "--show-secrets", env=env)
    assert tree == server_emulation(defaults, [low, high], env)
    # the scenario exercises what it claims to
    assert tree["apiserver"]["cors"] == {"origins": "https://b.example.com"}
    assert tree["apiserver"]["listen"]["port"] == 9100
    assert tree["services"]["tasks"]["non_responsive_tasks_watchdog"] == {
        "enabled": True,
        "threshold_sec": 120,
        "watch_interval_sec": 30,
    }
    assert tree["hosts"] == {"mongo": {"backend": {"host": "mongodb://env:27017/backend"}}}
    assert tree["empty"] == {}
