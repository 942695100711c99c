"""clearml-cfg secure through the real command line: the public default secrets replaced, and the rest of the
picture (Web Login, the file server, the databases' ports).

The server's default secure.conf is in ../shared/reference; without it, tests/data/secure/secure.conf stands in:
the same keys with values of the same shapes, which the tests declare public (``stand_in``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from helpers import DATA, REFERENCE, needs_reference, pyhocon_plain

from clearml_cfg.model import credentials
from clearml_cfg.model.credentials import FORMATS, SECRETS, is_public_default
from clearml_cfg.model.keys import lookup

STAND_IN = DATA / "secure" / "secure.conf"
DEFAULTS = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"
SERVER_CONFIG = REFERENCE.parent / "tools" / "server-config"
KEYS = [".".join(s.path) for s in SECRETS]


def secrets_in(path: Path) -> dict[str, str]:
    """The value of every secret, as the server's parser reads the file."""
    tree = {"secure": pyhocon_plain(path.read_text(encoding="utf-8"))}
    return {".".join(s.path): lookup(tree, s.path) for s in SECRETS}


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The stand-in's values, declared public defaults for the test (the real ones are known by digest only)."""
    values = secrets_in(STAND_IN)
    digests = {hashlib.sha256(v.encode()).hexdigest() for v in values.values()}
    monkeypatch.setattr(credentials, "PUBLIC_DEFAULT_DIGESTS", credentials.PUBLIC_DEFAULT_DIGESTS | digests)
    return values


@pytest.fixture(params=["stand-in", pytest.param("reference", marks=needs_reference)])
def default_config(request: pytest.FixtureRequest, config_dir: Path) -> dict[str, str]:
    """A config directory holding the server's default secure.conf (with the reference: its whole default
    folder); returns the public values."""
    if request.param == "reference":
        shutil.copytree(DEFAULTS, config_dir, dirs_exist_ok=True)
        for path in [config_dir, *config_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # the reference is read-only
        return secrets_in(config_dir / "secure.conf")
    values: dict[str, str] = request.getfixturevalue("stand_in")
    config_dir.mkdir(exist_ok=True)
    shutil.copy(STAND_IN, config_dir / "secure.conf")
    (config_dir / "secure.conf").chmod(0o644)
    return values


def codes(cli: Run, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = cli("check", "--json", *args, env=env)
    return [f["code"] for f in json.loads(result.out)]


def state(cli: Run, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("secure", "--json", *args, env=env)
    assert result.code == 0, result
    return json.loads(result.out)  # type: ignore[no-any-return]


def assert_nowhere(values: list[str], *texts: str) -> None:
    for value in values:
        for text in texts:
            assert value not in text


# --- --rotate on the server's default config ------------------------------------------------------------------


def test_rotate_replaces_every_public_default(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    path = config_dir / "secure.conf"
    before = path.read_text(encoding="utf-8")
    assert codes(cli).count("secure-default-credentials") == len(SECRETS)
    result = cli("secure", "--rotate")
    assert result.code == 0, result
    fresh = secrets_in(path)
    for secret in SECRETS:
        key = ".".join(secret.path)
        assert FORMATS[secret.kind].fullmatch(fresh[key]), (key, fresh[key])
        assert not is_public_default(fresh[key]) and fresh[key] not in default_config.values()
    assert len(set(fresh.values())) == len(SECRETS)
    assert path.stat().st_mode & 0o777 == 0o600
    assert (config_dir / "secure.conf.bak").stat().st_mode & 0o777 == 0o600
    assert (config_dir / "secure.conf.bak").read_text(encoding="utf-8") == before
    assert_nowhere(list(fresh.values()), result.out, result.err)
    # only the values changed: every other byte of the file is where it was
    after = path.read_text(encoding="utf-8")
    for key in KEYS:
        after = after.replace(fresh[key], default_config[key])
    assert after == before
    assert "secure-default-credentials" not in codes(cli)
    # once, which servers and what it does to the people using them
    assert result.err.count("restart apiserver and fileserver") == 1
    assert "every browser is logged out" in result.err and "every issued token stops working" in result.err


def test_each_rotation_makes_new_values(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    assert cli("secure", "--rotate", "-q").code == 0
    first = secrets_in(config_dir / "secure.conf")
    assert cli("secure", "--rotate", "-q").code == 0
    second = secrets_in(config_dir / "secure.conf")
    assert all(first[key] != second[key] for key in KEYS)


@needs_reference
@pytest.mark.skipif(not SERVER_CONFIG.is_file(), reason="../shared/tools/server-config is not present")
def test_both_servers_read_the_new_values(cli: Run, config_dir: Path) -> None:
    shutil.copytree(DEFAULTS, config_dir, dirs_exist_ok=True)
    for path in [config_dir, *config_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert cli("secure", "--rotate", "-q").code == 0
    written = secrets_in(config_dir / "secure.conf")

    def server(component: str, key: str) -> Any:
        command = [sys.executable, str(SERVER_CONFIG), "--config-dir", str(config_dir), "--component", component]
        result = subprocess.run([*command, "--key", key], capture_output=True, text=True, check=True)
        return json.loads(result.stdout)

    for key in KEYS:
        assert server("apiserver", key) == written[key]
    pair = "secure.credentials.fileserver"
    assert server("fileserver", pair + ".user_key") == written[pair + ".user_key"]
    assert server("fileserver", pair + ".user_secret") == written[pair + ".user_secret"]


def test_secrets_show_only_when_asked(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    result = cli("secure", "--rotate", "--show-secrets", "--json")
    fresh = secrets_in(config_dir / "secure.conf")
    assert all(f'+{" " * 12}user_key: "{fresh[k]}"' in result.err for k in KEYS if k.endswith("user_key"))
    assert_nowhere(list(fresh.values()), result.out)
    document = json.loads(result.out)
    assert document["rotated"] == KEYS and document["kept"] == []
    assert document["changed"][0]["path"] == str(config_dir / "secure.conf")


def test_a_fresh_directory_gets_an_owner_only_secure_conf(cli: Run, config_dir: Path) -> None:
    result = cli("secure", "--rotate")
    assert result.code == 0, result
    path = config_dir / "secure.conf"
    assert path.stat().st_mode & 0o777 == 0o600
    fresh = secrets_in(path)
    assert all(FORMATS[s.kind].fullmatch(fresh[".".join(s.path)]) for s in SECRETS)
    assert_nowhere(list(fresh.values()), result.out, result.err)
    assert "created" in result.err
    assert {row["status"] for row in state(cli)["secrets"]} == {"own value"}


def test_a_dry_run_writes_nothing(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    before = (config_dir / "secure.conf").read_bytes()
    result = cli("secure", "--rotate", "--dry-run")
    assert result.code == 0, result
    assert (config_dir / "secure.conf").read_bytes() == before
    assert not (config_dir / "secure.conf.bak").exists()
    assert '-            user_key: "********"' in result.err and '+            user_key: "********"' in result.err
    assert_nowhere(list(default_config.values()), result.out, result.err)


def test_a_symlinked_secure_conf_is_edited_at_its_target(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    target = write(tmp_path / "mounted" / "secure.conf", 'auth.token_secret: "mine-0123"\n')
    target.chmod(0o644)
    config_dir.mkdir(exist_ok=True)
    (config_dir / "secure.conf").symlink_to(target)
    assert cli("secure", "--rotate", "auth.token_secret", "-q").code == 0
    assert (config_dir / "secure.conf").is_symlink()
    assert target.stat().st_mode & 0o777 == 0o600
    assert "mine-0123" not in target.read_text()


# --- naming the secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "rotated"),
    [
        (
            ["secure.credentials.fileserver"],
            ["secure.credentials.fileserver.user_key", "secure.credentials.fileserver.user_secret"],
        ),
        (["auth.token_secret"], ["secure.auth.token_secret"]),
        (
            ["secure.credentials.tests.user_secret", "secure.http"],
            ["secure.http.session_secret.apiserver", "secure.credentials.tests.user_secret"],
        ),
    ],
)
def test_only_the_named_secrets_are_rotated(
    cli: Run, config_dir: Path, default_config: dict[str, str], names: list[str], rotated: list[str]
) -> None:
    result = cli("secure", "--rotate", *names, "--json")
    assert result.code == 0, result
    assert json.loads(result.out)["rotated"] == rotated
    fresh = secrets_in(config_dir / "secure.conf")
    assert [key for key in KEYS if fresh[key] != default_config[key]] == rotated
    if "secure.auth.token_secret" not in rotated:
        assert "every issued token stops working" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["secure", "--rotate", "secure.credentials.services_agent"],
        ["secure", "--rotate", "apiserver.auth.token_secret"],
        ["secure", "--rotate", "secure.auth.token_secret.x"],
        ["secure", "--rotate", "[0]"],
        ["secure", "secure.auth.token_secret"],
        ["secure", "--rotate", "--compose", "docker-compose.yml"],
    ],
)
def test_bad_usage_is_exit_2_and_writes_nothing(cli: Run, config_dir: Path, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and "\nhint: " in result.err
    assert not any(config_dir.iterdir())


# --- CLEARML__SECURE__ variables ----------------------------------------------------------------------------

TOKEN_VARIABLE = "CLEARML__SECURE__AUTH__TOKEN_SECRET"


def test_a_variable_is_reported_as_the_source_and_never_overwritten(cli: Run, config_dir: Path) -> None:
    write(config_dir / "secure.conf", 'auth.token_secret: "from-the-file-1"\n')
    env = {TOKEN_VARIABLE: "from-the-variable-2"}
    rows = {row["key"]: row for row in state(cli, env=env)["secrets"]}
    token = rows["secure.auth.token_secret"]
    assert (token["origin"], token["variable"], token["status"]) == (
        f"env {TOKEN_VARIABLE}",
        TOKEN_VARIABLE,
        "own value",
    )
    assert token["value"] == "********"
    result = cli("secure", "--rotate", "--json", env=env)
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document["kept"] == [{"key": "secure.auth.token_secret", "variable": TOKEN_VARIABLE}]
    assert "secure.auth.token_secret" not in document["rotated"] and len(document["rotated"]) == len(SECRETS) - 1
    assert secrets_in(config_dir / "secure.conf")["secure.auth.token_secret"] == "from-the-file-1"
    assert f"{TOKEN_VARIABLE} sets it" in result.err and f"hint: set {TOKEN_VARIABLE} to a fresh value" in result.err
    assert "every issued token stops working" not in result.err
    assert_nowhere(["from-the-variable-2", "from-the-file-1"], result.out, result.err)


def test_a_public_value_in_a_variable_is_named(cli: Run, config_dir: Path, stand_in: dict[str, str]) -> None:
    env = {TOKEN_VARIABLE: stand_in["secure.auth.token_secret"]}
    result = cli("secure", env=env)
    assert f"secure.auth.token_secret comes from {TOKEN_VARIABLE}, which holds a public default" in result.err
    assert stand_in["secure.auth.token_secret"] not in result.out + result.err
    found = json.loads(cli("check", "--json", env=env).out)
    finding = next(f for f in found if f["code"] == "secure-default-credentials" and f["variable"])
    assert (finding["variable"], finding["file"], finding["fixable"]) == (TOKEN_VARIABLE, None, False)


# --- check --fix, the same code -----------------------------------------------------------------------------


def test_check_fix_writes_fresh_values_owner_only(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    result = cli("check", "--fix")
    assert "secure-default-credentials" not in result.out
    path = config_dir / "secure.conf"
    fresh = secrets_in(path)
    for secret in SECRETS:
        value = fresh[".".join(secret.path)]
        assert FORMATS[secret.kind].fullmatch(value) and not is_public_default(value)
    assert path.stat().st_mode & 0o777 == 0o600
    assert_nowhere(list(fresh.values()), result.out, result.err)
    assert "secure-default-credentials" not in codes(cli)


def test_check_fix_dry_run_writes_nothing(cli: Run, config_dir: Path, default_config: dict[str, str]) -> None:
    before = (config_dir / "secure.conf").read_bytes()
    result = cli("check", "--fix", "--dry-run")
    assert (config_dir / "secure.conf").read_bytes() == before
    assert '+            user_key: "********"' in result.err


# --- the services agent's .env ------------------------------------------------------------------------------


def env_file_values(path: Path) -> dict[str, str]:
    lines = [line.removeprefix("export ") for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line.startswith("CLEARML_AGENT_"))


def test_agent_env_writes_a_private_env_file(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    result = cli("secure", "--rotate", "--agent-env", str(env_file))
    assert result.code == 0, result
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = env_file_values(env_file)
    assert FORMATS[credentials.Kind.ACCESS_KEY].fullmatch(values["CLEARML_AGENT_ACCESS_KEY"])
    assert FORMATS[credentials.Kind.SECRET_KEY].fullmatch(values["CLEARML_AGENT_SECRET_KEY"])
    assert_nowhere(list(values.values()), result.out, result.err)
    assert "+CLEARML_AGENT_ACCESS_KEY=********" in result.err
    assert "docker compose up -d --force-recreate apiserver fileserver agent-services" in result.err
    assert json.loads(cli("secure", "--agent-env", str(env_file), "--json", "-q").out)["agent_env"] == str(env_file)
    assert env_file_values(env_file)["CLEARML_AGENT_ACCESS_KEY"] != values["CLEARML_AGENT_ACCESS_KEY"]


def test_agent_env_keeps_the_other_lines(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes(
        b"# ClearML\r\nCLEARML_HOST_IP=10.0.0.5\r\nCLEARML_AGENT_ACCESS_KEY=OLDKEY # the old one\r\n"
        b"CLEARML_AGENT_GIT_USER=ci\r\nexport CLEARML_AGENT_SECRET_KEY=old-secret"
    )
    env_file.chmod(0o644)
    result = cli("secure", "--agent-env", str(env_file), "--show-secrets")
    assert result.code == 0, result
    values = env_file_values(env_file)
    assert env_file.read_bytes().split(b"\r\n") == [
        b"# ClearML",
        b"CLEARML_HOST_IP=10.0.0.5",
        f"CLEARML_AGENT_ACCESS_KEY={values['CLEARML_AGENT_ACCESS_KEY']}".encode(),
        b"CLEARML_AGENT_GIT_USER=ci",
        f"export CLEARML_AGENT_SECRET_KEY={values['CLEARML_AGENT_SECRET_KEY']}".encode(),
        b"",
    ]
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / ".env.bak").stat().st_mode & 0o777 == 0o600
    assert values["CLEARML_AGENT_ACCESS_KEY"] in result.err  # --show-secrets
    assert not any(config_dir.iterdir())  # the agent's keys alone touch no configuration file
    assert "apply with docker compose up -d" in result.err


def test_a_shell_variable_that_wins_over_the_env_file_is_named(cli: Run, tmp_path: Path) -> None:
    result = cli("secure", "--agent-env", str(tmp_path / ".env"), env={"CLEARML_AGENT_ACCESS_KEY": "x"})
    assert "CLEARML_AGENT_ACCESS_KEY is set in this shell" in result.err


@pytest.mark.parametrize("kind", ["conf", "directory", "fifo", "missing-dir", "dangling", "not-utf8"])
def test_agent_env_refuses_what_is_not_an_env_file(cli: Run, config_dir: Path, tmp_path: Path, kind: str) -> None:
    target = tmp_path / {"conf": "agent.conf", "missing-dir": "nowhere/.env"}.get(kind, ".env")
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dangling":
        target.symlink_to(tmp_path / "gone")
    elif kind == "not-utf8":
        target.write_bytes(b"A=\xff\n")
    result = cli("secure", "--rotate", "--agent-env", str(target))
    assert result.code == 2, result
    assert not any(config_dir.iterdir())


def test_a_failed_write_changes_neither_file(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "secure.conf", 'auth.token_secret: "old-1"\n')
    (config_dir / "secure.conf.bak").mkdir()  # the backup cannot be written
    env_file = tmp_path / ".env"
    result = cli("secure", "--rotate", "--agent-env", str(env_file))
    assert result.code == 4, result
    assert (config_dir / "secure.conf").read_text() == 'auth.token_secret: "old-1"\n'
    assert not env_file.exists()


# --- the state and the rest of the picture ------------------------------------------------------------------


def test_a_fresh_server_shows_every_secret_public(cli: Run, config_dir: Path) -> None:
    result = cli("secure")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == "# the server's secrets"
    assert lines[1].split() == ["KEY", "VALUE", "STATUS", "ORIGIN"]
    assert lines[3].split() == ["secure.auth.token_secret", "(built", "in)", "public", "default", "default"]
    assert "10 of the server's 10 secrets are public defaults or empty" in result.err
    assert "hint: clearml-cfg secure --rotate" in result.err
    assert "Web Login is off" in result.err and "hint: clearml-cfg add-user USERNAME" in result.err
    assert "database ports not checked: --compose FILE" in result.err
    document = state(cli)
    assert [row["key"] for row in document["secrets"]] == KEYS
    assert {(row["status"], row["origin"], row["value"]) for row in document["secrets"]} == {
        ("public default", "default", None)
    }
    exposures = {e["name"]: e for e in document["exposures"]}
    assert exposures["web login"]["open"] and exposures["web login"]["fix"].startswith("clearml-cfg add-user")
    assert not exposures["file server"]["open"]


def test_origins_and_statuses(cli: Run, config_dir: Path, stand_in: dict[str, str]) -> None:
    write(
        config_dir / "secure.conf",
        f'auth.token_secret: "{stand_in["secure.auth.token_secret"]}"\n'
        'credentials.tests { user_key: "", user_secret: "my-own-secret-3" }\n',
    )
    rows = {row["key"]: row for row in state(cli, "--show-secrets")["secrets"]}
    assert (rows["secure.auth.token_secret"]["status"], rows["secure.auth.token_secret"]["origin"]) == (
        "public default",
        "secure.conf:1",
    )
    assert rows["secure.credentials.tests.user_key"]["status"] == "empty"
    tests_secret = rows["secure.credentials.tests.user_secret"]
    assert (tests_secret["status"], tests_secret["value"], tests_secret["line"]) == ("own value", "my-own-secret-3", 2)
    masked = {row["key"]: row for row in state(cli)["secrets"]}
    assert masked["secure.credentials.tests.user_secret"]["value"] == "********"
    shown = cli("secure")
    assert "my-own-secret-3" not in shown.out + shown.err
    assert "secure.credentials.tests.user_key is empty (secure.conf:2)" in shown.err
    assert "hint: clearml-cfg secure --rotate secure.credentials.tests" in shown.err


def test_web_login_on_and_file_server_off(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.fixed_users.enabled: true\n")
    write(config_dir / "fileserver.conf", "auth {\n    enabled: false\n}\n")
    result = cli("secure", "--json")
    exposures = {e["name"]: e for e in json.loads(result.out)["exposures"]}
    assert not exposures["web login"]["open"] and exposures["web login"]["origin"] == "apiserver.conf:1"
    files = exposures["file server"]
    assert files["open"] and files["origin"] == "fileserver.conf:2"
    assert files["fix"] == "clearml-cfg set fileserver.auth.enabled true"
    assert "hint: clearml-cfg set fileserver.auth.enabled true" in result.err
    by_variable = state(cli, env={"CLEARML__FILESERVER__AUTH__ENABLED": "false"})
    assert next(e for e in by_variable["exposures"] if e["name"] == "file server")["fix"].startswith(
        "unset CLEARML__FILESERVER__AUTH__ENABLED"
    )


COMPOSE = """\
services:
  apiserver:
    image: clearml/server:latest
  mongo:
    image: mongo:7.0.22
    ports:
    - "27017:27017"
  redis:
    image: redis:7.4.1
"""


def test_published_database_ports_with_compose(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("secure", "--compose", str(compose), "--json")
    assert result.code == 0, result
    exposures = {e["name"]: e for e in json.loads(result.out)["exposures"]}
    assert "elasticsearch port 9200" not in exposures  # not a service of this file
    mongo = exposures["mongo port 27017"]
    assert mongo["open"] and mongo["origin"] == f"{compose}:7"
    assert mongo["fix"] == f"clearml-cfg expose --remove mongo --compose {compose}"
    assert not exposures["redis port 6379"]["open"]
    assert f"hint: clearml-cfg expose --remove mongo --compose {compose}" in result.err
    assert cli("secure", "--compose", str(tmp_path / "nope.yml")).code == 2


def test_a_variable_the_server_cannot_parse_does_not_stop_a_rotation(cli: Run, config_dir: Path) -> None:
    env = {"CLEARML__APISERVER__X": "a,b"}
    assert cli("secure", env=env).code == 3
    assert cli("secure", "--rotate", "-q", env=env).code == 0


def test_the_readme_secures_a_fresh_server_in_three_commands(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    """The walk-through of the README's section, run with its paths moved into a temporary directory."""
    import re
    import shlex

    from helpers import REPO

    docs = [REPO / "README.md", REPO / "docs" / "commands.md"]  # the command sections may move to docs/
    text = "\n".join(path.read_text(encoding="utf-8") for path in docs if path.is_file())
    block = re.search(r"Securing a fresh docker-compose server[^\n]*\n\n```sh\n(.*?)```", text, re.DOTALL)
    assert block
    commands = [line for line in block.group(1).splitlines() if line.startswith("clearml-cfg ")]
    assert len(commands) == 3
    write(tmp_path / "opt" / "docker-compose.yml", COMPOSE)
    for command in commands:
        args = shlex.split(command.replace("/opt/clearml/", f"{tmp_path}/opt/"), comments=True)
        result = cli(*args[1:])
        assert result.code == 0, result
    secured = state(cli)
    assert {row["status"] for row in secured["secrets"]} == {"own value"}
    assert not next(e for e in secured["exposures"] if e["name"] == "web login")["open"]
    assert (tmp_path / "opt" / ".env").stat().st_mode & 0o777 == 0o600
    assert "secure-default-credentials" not in codes(cli)
