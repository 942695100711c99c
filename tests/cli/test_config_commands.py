"""init, get, set, unset, show through the real command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import pyhocon_plain

from clearml_cfg.features.config import STARTERS

SERVICES = """\
# our services.conf
tasks {
    non_responsive_tasks_watchdog {
        # stop tasks after two hours
        threshold_sec: 7200

        watch_interval_sec: 900  # fifteen minutes
    }
}
"""


# --- init ---------------------------------------------------------------------------------------------------


def test_init_creates_commented_starter_files_that_change_nothing(cli: Run, config_dir: Path) -> None:
    result = cli("init")
    assert result.code == 0, result
    for name in ("apiserver.conf", "services.conf", "fileserver.conf"):
        text = (config_dir / name).read_text()
        assert text == STARTERS[name]
        assert pyhocon_plain(text) == {}  # comments only: no server default changes
        assert f"created {os.path.relpath(config_dir / name)}" in result.err
    assert "restart" in result.err


def test_init_again_is_a_no_op(cli: Run, config_dir: Path) -> None:
    cli("init")
    before = {p.name: p.stat().st_mtime_ns for p in config_dir.iterdir()}
    result = cli("init")
    assert result.code == 0
    assert "exists: kept" in result.err
    assert {p.name: p.stat().st_mtime_ns for p in config_dir.iterdir()} == before


def test_init_keeps_an_existing_file_unless_forced(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth { cookies { secure: true } }\n")
    assert cli("init").code == 0
    assert (config_dir / "apiserver.conf").read_text() == "auth { cookies { secure: true } }\n"
    result = cli("init", "--force")
    assert result.code == 0, result
    assert (config_dir / "apiserver.conf").read_text() == STARTERS["apiserver.conf"]
    assert (config_dir / "apiserver.conf.bak").read_text() == "auth { cookies { secure: true } }\n"


def test_init_into_a_directory_given_on_the_command_line(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "config"
    assert cli("init", "--config-dir", str(target)).code == 0
    assert sorted(p.name for p in target.glob("*.conf")) == ["apiserver.conf", "fileserver.conf", "services.conf"]


# --- get ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "printed"),
    [
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "7200\n"),
        ("apiserver.auth.cookies.domain", ".example.com\n"),
        ("apiserver.auth.cookies.secure", "true\n"),
        ("apiserver.auth.cookies.samesite", "null\n"),
        ("apiserver.cors.origins", '["https://a.example.com", "https://b.example.com"]\n'),
        ("apiserver.auth.cookies", 'domain: ".example.com"\nsecure: true\nsamesite: null\n'),
    ],
)
def test_get_prints_scalars_raw_and_objects_as_hocon(cli: Run, config_dir: Path, key: str, printed: str) -> None:
    write(config_dir / "services.conf", SERVICES)
    write(
        config_dir / "apiserver.conf",
        'auth.cookies { domain: ".example.com", secure: true, samesite: null }\n'
        'cors.origins: ["https://a.example.com", "https://b.example.com"]\n',
    )
    result = cli("get", key)
    assert (result.code, result.out) == (0, printed), result


def test_get_json(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    result = cli("get", "services.tasks", "--json")
    assert json.loads(result.out) == {
        "non_responsive_tasks_watchdog": {"threshold_sec": 7200, "watch_interval_sec": 900}
    }


def test_get_not_set_exits_1_or_prints_the_default(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    missing = cli("get", "apiserver.auth.cookies.domain")
    assert missing.code == 1
    assert missing.out == ""
    assert missing.err.startswith("error: apiserver.auth.cookies.domain is not set")
    fallback = cli("get", "apiserver.auth.cookies.domain", "--default", ".x.com")
    assert (fallback.code, fallback.out) == (0, ".x.com\n")


def test_get_masks_secrets_unless_asked(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "apiserver.conf",
        'auth.fixed_users.users: [{ username: "jane", password: "hunter2", name: "Jane" }]\n',
    )
    write(config_dir / "hosts.conf", 'mongo.backend.host: "mongodb://admin:s3cret@mongo:27017/backend"\n')
    shown = cli("get", "apiserver.auth.fixed_users.users", "--json")
    assert json.loads(shown.out) == [{"username": "jane", "password": "********", "name": "Jane"}]
    assert cli("get", "hosts.mongo.backend.host").out == "mongodb://admin:********@mongo:27017/backend\n"
    assert cli("get", "apiserver.auth.fixed_users.users[0].password", "--show-secrets").out == "hunter2\n"


def test_directories_merge_in_the_servers_order(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "apiserver.conf", "auth.cookies { secure: true, httponly: false }\ncors { origins: a, methods: GET }\n")
    write(high / "apiserver.conf", "auth.cookies.secure: false\n-cors { origins: b }\n")
    both = f"{low}{os.pathsep}{high}"
    assert cli("get", "apiserver.auth.cookies", "--json", "-c", both).out.replace(" ", "").replace("\n", "") == (
        '{"secure":false,"httponly":false}'
    )
    # `-cors` replaces the whole section of the lower directory instead of merging into it
    assert json.loads(cli("get", "apiserver.cors", "--json", "-c", both).out) == {"origins": "b"}


def test_services_subfile_wins_over_services_conf(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    write(config_dir / "services" / "tasks.conf", "non_responsive_tasks_watchdog.threshold_sec: 600\n")
    assert cli("get", "services.tasks.non_responsive_tasks_watchdog.threshold_sec").out == "600\n"
    assert cli("get", "services.tasks.non_responsive_tasks_watchdog.watch_interval_sec").out == "900\n"


def test_config_dir_precedence(cli: Run, tmp_path: Path) -> None:
    for name in ("opt", "clearml", "trains"):
        write(tmp_path / name / "apiserver.conf", f"who: {name}\n")
    env = {"CLEARML_CONFIG_DIR": str(tmp_path / "clearml"), "TRAINS_CONFIG_DIR": str(tmp_path / "trains")}
    assert cli("get", "apiserver.who", env=env).out == "clearml\n"
    assert cli("get", "apiserver.who", env={**env, "CLEARML_CONFIG_DIR": ""}).out == "trains\n"
    assert cli("get", "apiserver.who", "--config-dir", str(tmp_path / "opt"), env=env).out == "opt\n"


# --- set ----------------------------------------------------------------------------------------------------


def test_set_replaces_a_value_and_keeps_every_comment(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "3600")
    assert result.code == 0, result
    assert path.read_text() == SERVICES.replace("threshold_sec: 7200", "threshold_sec: 3600")
    assert "-        threshold_sec: 7200" in result.err and "+        threshold_sec: 3600" in result.err
    assert "(backup: services.conf.bak)" in result.err
    assert (config_dir / "services.conf.bak").read_text() == SERVICES


def test_set_creates_the_file_and_nested_blocks(cli: Run, config_dir: Path) -> None:
    assert cli("set", "apiserver.auth.cookies.domain", ".clearml.example.com").code == 0
    assert (
        config_dir / "apiserver.conf"
    ).read_text() == 'auth {\n    cookies {\n        domain: ".clearml.example.com"\n    }\n}\n'


def test_set_goes_to_the_services_subfile_when_it_exists(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    sub = write(config_dir / "services" / "tasks.conf", "# tasks\n")
    assert cli("set", "services.tasks.non_responsive_tasks_watchdog.enabled", "false").code == 0
    assert sub.read_text() == "# tasks\n\nnon_responsive_tasks_watchdog {\n    enabled: false\n}\n"
    assert (config_dir / "services.conf").read_text() == SERVICES


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["7200"], 7200),
        (["007"], 7),
        (["007", "--type", "string"], "007"),
        (["true"], True),
        (["yes"], "yes"),
        (["yes", "--type", "bool"], True),
        (["1.5"], 1.5),
        (["2", "--type", "float"], 2.0),
        (["[a, b]"], ["a", "b"]),
        (["{a: 1}"], {"a": 1}),
        (['{"a": [1, null]}', "--type", "json"], {"a": [1, None]}),
        (["null"], None),
        (["hello world"], "hello world"),
        (["http://x/${id}"], "http://x/${id}"),
        (["a, b"], "a, b"),
    ],
)
def test_set_value_types(cli: Run, config_dir: Path, args: list[str], expected: object) -> None:
    result = cli("set", "apiserver.custom_value", *args)
    assert result.code == 0, result
    assert pyhocon_plain((config_dir / "apiserver.conf").read_text()) == {"custom_value": expected}


def test_set_auto_number_says_how_to_keep_text(cli: Run) -> None:
    result = cli("set", "apiserver.custom_value", "007")
    assert "note: '007' is read as the number 7" in result.err
    assert "--type string" in result.err


@pytest.mark.parametrize(
    ("key", "value", "extra", "code"),
    [
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "2 hours", [], "watchdog-not-seconds"),
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "0", [], "watchdog-not-seconds"),
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "1.5", [], "watchdog-not-seconds"),
        ("services.tasks.non_responsive_tasks_watchdog.enabled", "maybe", [], "watchdog-invalid-value"),
        (
            "apiserver.auth.fixed_users.users",
            '[{"username": "a", "password": 1234, "name": "A"}]',
            ["--type", "json"],
            "fixed-user-unquoted-password",
        ),
        (
            "apiserver.auth.fixed_users.users",
            '[{"username": "a", "password": "p", "admin": true}]',
            ["--type", "json"],
            "fixed-user-missing-key",
        ),
        ("apiserver.auth.cookies.sameSite", "Lax", [], "cookie-unknown-key"),
        ("apiserver.listen.port", "99999", [], "listen-invalid-value"),
        ("apiserver.x", "abc", ["--type", "int"], "usage"),
        ("apiserver.x", "{a:", ["--type", "hocon"], "usage"),
        ("apiserver.x", "[1", ["--type", "json"], "usage"),
    ],
)
def test_set_refuses_invalid_values_and_writes_nothing(
    cli: Run, config_dir: Path, key: str, value: str, extra: list[str], code: str
) -> None:
    path = write(config_dir / "apiserver.conf", "# untouched\n")
    services = write(config_dir / "services.conf", SERVICES)
    result = cli("set", key, value, *extra, "--json")
    assert result.code == 2, result
    assert json.loads(result.out)["error"]["code"] == code
    assert path.read_text() == "# untouched\n"
    assert services.read_text() == SERVICES
    assert not list(config_dir.glob("*.bak"))


def test_set_refuses_unknown_sections_unless_forced(cli: Run, config_dir: Path) -> None:
    result = cli("set", "apiservr.auth.x", "1")
    assert result.code == 2
    assert "did you mean apiserver.auth.x?" in result.err
    assert not (config_dir / "apiservr.conf").exists()
    assert cli("set", "apiservr.auth.x", "1", "--force").code == 0
    assert (config_dir / "apiservr.conf").exists()


def test_set_refuses_a_whole_file(cli: Run) -> None:
    result = cli("set", "apiserver", "1")
    assert result.code == 2
    assert "is a whole file" in result.err


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["show", "apiserver.nothing"], {}, 1, "apiserver.nothing is not set"),
        (["get", "apiserver.nothing", "--quiet"], {}, 1, "apiserver.nothing is not set"),
        (
            ["set", "apiserver.auth.fixed_users.users[5].name", "x"],
            {},
            2,
            "users has 1 element(s); there is no [5]",
        ),
        (["set", "apiserver.cookies.domains[0]", "x"], {}, 2, "there is no list cookies.domains"),
        (["set", "apiserver.auth.users[0].password", "x"], {}, 2, "there is no list auth.users (auth.users is not"),
        (["set", '"a/b".c', "1", "--force"], {}, 2, "'a/b' cannot be the name of a configuration file"),
        (["set", '"x.conf".c', "1", "--force"], {}, 2, "'x.conf' cannot be the name of a configuration file"),
        (["set", "apiserver.a", "2"], {"CLEARML_CFG_LOCK_TIMEOUT": "x"}, 2, "is not a number of seconds"),
        (["set", "apiserver.a", "2"], {"CLEARML_CFG_LOCK_TIMEOUT": "nan"}, 2, "must be zero or more seconds"),
        (["set", "apiserver.a", "-5"], {}, 2, "no such option: -5"),
        (["set", "apiserver.a", "2", "-c", "somefile"], {}, 2, "is not a directory"),
        (["set", "apiserver.a", "2", "-c", "with-bak"], {}, 4, "with-bak/apiserver.conf.bak: it is a directory"),
    ],
)
def test_every_refusal_is_one_error_line_and_one_hint_line(
    cli: Run, config_dir: Path, tmp_path: Path, args: list[str], env: dict[str, str], code: int, message: str
) -> None:
    write(config_dir / "apiserver.conf", 'a: 1\nauth.fixed_users.users: [{username: "u", password: "p", name: "U"}]\n')
    write(tmp_path / "somefile", "x\n")
    write(tmp_path / "with-bak" / "apiserver.conf", "a: 1\n")
    (tmp_path / "with-bak" / "apiserver.conf.bak").mkdir()
    result = cli(*args, env=env)
    assert result.code == code, result
    lines = result.err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], result
    assert message in lines[0]
    assert (tmp_path / "somefile").read_text() == "x\n"
    assert (tmp_path / "with-bak" / "apiserver.conf").read_text() == "a: 1\n"


def test_a_value_that_starts_with_a_dash_goes_after_double_dash(cli: Run, config_dir: Path) -> None:
    result = cli("set", "apiserver.a", "-5")
    assert "hint: a value that starts with '-' goes after '--': clearml-cfg set apiserver.a -- -5" in result.err
    assert cli("set", "apiserver.a", "--", "-5").code == 0
    assert (config_dir / "apiserver.conf").read_text() == "a: -5\n"


def test_set_says_unchanged_also_after_a_note_on_the_value(cli: Run) -> None:
    assert cli("set", "apiserver.n", "003").code == 0
    again = cli("set", "apiserver.n", "003")
    assert again.code == 0
    assert again.err == (
        "note: '003' is read as the number 3 (the server reads it so too); --type string keeps it text\n"
        "unchanged: the files already say so\n"
    )


def test_diff_labels_of_an_absolute_path(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "config"
    write(directory / "apiserver.conf", "a: 1\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the file is shown by its absolute path
    result = cli("set", "apiserver.a", "2", "-c", str(directory))
    label = str(directory / "apiserver.conf").lstrip("/")
    assert f"--- a/{label}\n+++ b/{label}\n" in result.err


def test_set_dry_run_shows_the_diff_and_writes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "60", "--dry-run")
    assert result.code == 0
    assert "+        threshold_sec: 60" in result.err
    assert "would update" in result.err
    assert path.read_text() == SERVICES
    assert not (config_dir / "services.conf.bak").exists()


def test_set_unchanged_does_not_write(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    before = path.stat().st_mtime_ns
    result = cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "7200")
    assert result.code == 0
    assert "unchanged" in result.err
    assert path.stat().st_mtime_ns == before
    assert not (config_dir / "services.conf.bak").exists()


def test_set_no_backup_and_quiet(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    result = cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "60", "--no-backup", "--quiet")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert not (config_dir / "services.conf.bak").exists()


def test_set_json_reports_the_change(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    result = cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "60", "--json")
    report = json.loads(result.out)
    assert report["changed"][0]["path"] == str(config_dir / "services.conf")
    assert report["changed"][0]["written"] is True
    assert report["dry_run"] is False


def test_set_diff_masks_secrets(cli: Run, config_dir: Path) -> None:
    users = '[{"username": "jane", "password": "hunter2", "name": "Jane"}]'
    result = cli("set", "apiserver.auth.fixed_users.users", users, "--type", "json")
    assert result.code == 0, result
    assert "hunter2" not in result.err
    assert 'password: "********"' in result.err
    assert "hunter2" in (config_dir / "apiserver.conf").read_text()


def test_a_new_file_holding_secrets_is_private(cli: Run, config_dir: Path) -> None:
    cli(
        "set", "apiserver.auth.fixed_users.users", '[{"username": "j", "password": "p", "name": "J"}]', "--type", "json"
    )
    assert (config_dir / "apiserver.conf").stat().st_mode & 0o777 == 0o600
    cli("set", "services.tasks.non_responsive_tasks_watchdog.enabled", "true")
    assert (config_dir / "services.conf").stat().st_mode & 0o077 != 0  # no secret: the umask decides


def test_mode_is_kept_and_the_backup_is_owner_only(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    path.chmod(0o644)
    cli("set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "60")
    assert path.stat().st_mode & 0o777 == 0o644
    assert (config_dir / "services.conf.bak").stat().st_mode & 0o777 == 0o600  # it may hold secrets


def test_set_warns_when_another_file_overrides_it(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    write(config_dir / "services" / "tasks.conf", "# empty\n")
    write(config_dir / "services" / "extra" / "x.conf", "")
    result = cli("set", "apiserver.x", "1")
    assert "warning" not in result.err


# --- unset --------------------------------------------------------------------------------------------------


def test_unset_removes_the_lines_from_every_file_that_sets_it(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "services.conf", SERVICES)
    write(high / "services" / "tasks.conf", "# mine\nnon_responsive_tasks_watchdog.threshold_sec: 60\nkeep: 1\n")
    both = f"{low}{os.pathsep}{high}"
    result = cli("unset", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "-c", both)
    assert result.code == 0, result
    assert (high / "services" / "tasks.conf").read_text() == "# mine\nkeep: 1\n"
    own = "        # stop tasks after two hours\n        threshold_sec: 7200\n"  # the key and its own comment
    assert (low / "services.conf").read_text() == SERVICES.replace(own, "")
    assert cli("get", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "-c", both).code == 1


def test_unset_takes_the_comment_that_belongs_to_the_key(cli: Run, config_dir: Path) -> None:
    text = '# my apiserver\nauth {\n    # for the subdomains\n    cookies.domain: ".x.com"\n\n    y: 1\n}\n'
    path = write(config_dir / "apiserver.conf", text)
    result = cli("unset", "apiserver.auth.cookies.domain")
    assert result.code == 0, result
    assert path.read_text() == "# my apiserver\nauth {\n\n    y: 1\n}\n"
    assert "-    # for the subdomains\n" in result.err  # the diff shows it


def test_a_dash_key_is_the_key_for_set_and_unset(cli: Run, tmp_path: Path) -> None:
    """`-cors { }` defines cors, replacing what lower directories say (SERVER-SEMANTICS §3)."""
    low = write(tmp_path / "m1" / "apiserver.conf", "cors { a: 1, b: 2 }\n")
    high = write(tmp_path / "m2" / "apiserver.conf", "# mine\n-cors {\n    a: 3\n}\n")
    both = f"{low.parent}{os.pathsep}{high.parent}"
    assert cli("get", "apiserver.cors.a", "-c", both).out == "3\n"
    assert cli("set", "apiserver.cors.origins", "c", "-c", both).code == 0
    assert high.read_text() == '# mine\n-cors {\n    a: 3\n    origins: "c"\n}\n'  # inside it, no second block
    result = cli("unset", "apiserver.cors.a", "-c", both)
    assert result.code == 0, result
    assert high.read_text() == '# mine\n-cors {\n    origins: "c"\n}\n'
    assert low.read_text() == "cors { b: 2 }\n"
    assert cli("get", "apiserver.cors.a", "-c", both).code == 1
    assert cli("get", "apiserver.cors", "-c", both, "--json").out == '{\n  "origins": "c"\n}\n'


def test_a_dash_file_is_the_section_for_unset(cli: Run, tmp_path: Path) -> None:
    low = write(tmp_path / "f1" / "apiserver.conf", "x: 1\n")
    high = write(tmp_path / "f2" / "-apiserver.conf", "x: 2\ny: 1\n")
    both = f"{low.parent}{os.pathsep}{high.parent}"
    assert cli("unset", "apiserver.x", "-c", both).code == 0
    assert (low.read_text(), high.read_text()) == ("", "y: 1\n")


def test_unset_missing(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    result = cli("unset", "services.nope")
    assert result.code == 1
    assert "--missing-ok" in result.err
    assert cli("unset", "services.nope", "--missing-ok").code == 0


# --- show ---------------------------------------------------------------------------------------------------


def test_show_prints_the_merged_tree_as_plain_hocon_when_piped(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    write(config_dir / "secure.conf", 'auth.token_secret: "abc"\n')
    result = cli("show")
    assert result.code == 0
    assert result.out == (
        'secure {\n    auth {\n        token_secret: "********"\n    }\n}\n\n'
        "services {\n    tasks {\n        non_responsive_tasks_watchdog {\n"
        "            threshold_sec: 7200\n            watch_interval_sec: 900\n        }\n    }\n}\n"
    )
    assert pyhocon_plain(result.out)["services"]["tasks"]["non_responsive_tasks_watchdog"]["threshold_sec"] == 7200
    assert "\x1b[" not in result.out


def test_show_namespace_json_and_secrets(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "secure.conf",
        'auth.token_secret: "abc"\ncredentials.apiserver { user_key: "K", user_secret: "S" }\n',
    )
    assert json.loads(cli("show", "secure.credentials", "--json").out) == {
        "apiserver": {"user_key": "********", "user_secret": "********"}
    }
    assert json.loads(cli("show", "secure", "--json", "--show-secrets").out)["auth"] == {"token_secret": "abc"}
    assert cli("show", "apiserver").code == 1


def test_show_colours_only_a_terminal(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    assert "\x1b[" in cli("show", env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" not in cli("show", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out


# --- secrets on the command line ----------------------------------------------------------------------------

USERS = 'auth.fixed_users.users: [{username: "u", password: "p", name: "U"}]\n'


@pytest.mark.parametrize("key", ["apiserver.auth.token_secret", "secure.http.session_secret.apiserver"])
def test_a_secret_on_the_command_line_warns(cli: Run, config_dir: Path, key: str) -> None:
    write(config_dir / "apiserver.conf", USERS)
    result = cli("set", key, "NEWSECRET")
    assert result.code == 0, result
    assert "warning: the value of " + key + " was on the command line" in result.err
    assert "--value-stdin" in result.err
    quiet = cli("set", "apiserver.auth.cookies.domain", ".example.com")
    assert "warning" not in quiet.err


def test_value_stdin_reads_one_line(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", USERS)
    key = "apiserver.auth.token_secret"
    result = cli("set", key, "--value-stdin", "--type", "string", stdin="s3cret with spaces \r\nsecond line\n")
    assert result.code == 0, result
    assert "warning" not in result.err
    assert pyhocon_plain((config_dir / "apiserver.conf").read_text())["auth"]["token_secret"] == "s3cret with spaces "
    assert cli("set", "apiserver.n", "--value-stdin", "--type", "int", stdin="42").code == 0
    assert cli("get", "apiserver.n").out == "42\n"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["set", "apiserver.a"], None, "missing VALUE"),
        (["set", "apiserver.a", "1", "--value-stdin"], "2\n", "VALUE and --value-stdin both give the value"),
        (["set", "apiserver.a", "--value-stdin"], "", "standard input is empty"),
    ],
)
def test_value_stdin_misuse(cli: Run, config_dir: Path, args: list[str], stdin: str | None, message: str) -> None:
    result = cli(*args, stdin=stdin)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and f"{message}\nhint: " in result.err
    assert result.err.count("\n") == 2
    assert not any(config_dir.iterdir())
