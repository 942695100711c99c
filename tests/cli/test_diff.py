"""diff: a directory equals its own Helm export; staging and production differ in exactly the keys they set
differently; an env file over a directory adds exactly its keys. The server's loaders judge --effective."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import Run, write
from helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import documents

from clearml_cfg.cli import main

SERVER_CONFIG = REPO.parent / "shared" / "tools" / "server-config"
needs_server_config = pytest.mark.skipif(not SERVER_CONFIG.is_file(), reason="../shared/tools is not present")

STAGING = {
    "apiserver.conf": (
        '# staging\r\nauth {\r\n    cookies { domain: ".staging.example.com", secure: true }\r\n'
        '    fixed_users { enabled: true, users: [{ username: "jane", password: "pw", name: "Jane" }] }\r\n}\r\n'
    ),
    "services.conf": "tasks.non_responsive_tasks_watchdog {\n\tenabled: true\n\tthreshold_sec: 3600\n}",
    "services/tasks.conf": "non_responsive_tasks_watchdog.watch_interval_sec: 600  # a subfolder file\n",
    "fileserver.conf": 'cors { origins: ["https://app.staging.example.com"], supports_credentials: true }\n',
    "secure.conf": 'auth.token_secret: "staging-token-s3cr3t"\n',
    "hosts.conf": 'mongo.backend.host: "mongodb://admin:mongo-pw@mongo:27017/backend"\n',
}
PRODUCTION = {
    **STAGING,
    "apiserver.conf": STAGING["apiserver.conf"].replace(".staging.example.com", ".example.com"),
    "services.conf": STAGING["services.conf"].replace("3600", "7200").replace("\tenabled: true\n", ""),
    "fileserver.conf": STAGING["fileserver.conf"].replace("app.staging.", "app."),
    "secure.conf": 'auth.token_secret: "production-token-s3cr3t"\n',
    "logging.conf": "loggers.apiserver.level: WARNING\n",
}
PRODUCTION.pop("services/tasks.conf")


def populate(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        write(directory / name, text)
    return directory


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return populate(tmp_path / "staging", STAGING)


@pytest.fixture
def production(tmp_path: Path) -> Path:
    return populate(tmp_path / "production", PRODUCTION)


@pytest.fixture
def for_helm(staging: Path) -> Path:
    """Staging as Helm takes it: the chart puts additionalConfigs into a ConfigMap, so export refuses secure.conf."""
    (staging / "secure.conf").unlink()
    return staging


def compared(cli: Run, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = cli("diff", "--json", *args, env=env)
    assert result.code in (0, 1), result
    document = json.loads(result.out)
    assert document["equal"] == (result.code == 0)
    return result.code, document


def changes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["key"], d["change"]) for d in document["differences"]}


# --- a directory and its Helm export ------------------------------------------------------------------------------


@pytest.mark.parametrize("effective", [False, True])
@pytest.mark.parametrize("fileserver_configs", [False, True])
def test_a_directory_equals_its_own_helm_export(
    cli: Run, for_helm: Path, tmp_path: Path, effective: bool, fileserver_configs: bool
) -> None:
    values = tmp_path / "values.yaml"
    flags = ["--fileserver-configs"] if fileserver_configs else []
    assert cli("export", "--format", "helm", "-c", str(for_helm), "-o", str(values), *flags).code == 0
    result = cli("diff", str(for_helm), str(values), *(["--effective"] if effective else []))
    assert result.code == 0, result
    assert result.out == ""
    code, document = compared(cli, str(values), str(for_helm))
    assert (code, document["differences"]) == (0, [])


def test_an_edited_export_names_the_key_and_the_values_file(cli: Run, for_helm: Path, tmp_path: Path) -> None:
    staging = for_helm
    values = tmp_path / "values.yaml"
    assert cli("export", "--format", "helm", "-c", str(staging), "-o", str(values)).code == 0
    text = values.read_text()
    values.write_text(text.replace("threshold_sec: 3600", "threshold_sec: 1800", 1))
    code, document = compared(cli, str(staging), str(values))
    assert code == 1
    [difference] = document["differences"]
    assert difference["key"] == "services.tasks.non_responsive_tasks_watchdog.threshold_sec"
    assert (difference["a"]["value"], difference["b"]["value"]) == (3600, 1800)
    assert difference["a"]["origin"] == f"{staging}/services.conf:3"
    assert difference["b"]["origin"] == f"{values} apiserver.additionalConfigs[services.conf]:3"


def test_the_file_servers_variables_are_compared_as_the_file_server_reads_them(
    cli: Run, for_helm: Path, tmp_path: Path
) -> None:
    staging = for_helm
    values = tmp_path / "values.yaml"
    assert cli("export", "--format", "helm", "-c", str(staging), "-o", str(values)).code == 0
    text = values.read_text()
    assert "value: '\"mongodb://admin:mongo-pw@" in text  # the file server's variable
    values.write_text(text.replace("value: '\"mongodb://admin:mongo-pw@", "value: '\"mongodb://admin:other-pw@"))
    code, document = compared(cli, str(staging), str(values))
    assert code == 1
    [difference] = document["differences"]
    assert (difference["key"], difference["servers"]) == ("hosts.mongo.backend.host", ["fileserver"])
    assert difference["a"]["value"] == difference["b"]["value"] == "mongodb://admin:********@mongo:27017/backend"
    assert "extraEnvs" in difference["b"]["origin"]
    shown = cli("diff", str(staging), str(values))
    assert "~ hosts.mongo.backend.host  (as the file server reads it)" in shown.out
    assert "mongo-pw" not in shown.out and "other-pw" not in shown.out


# --- staging and production -----------------------------------------------------------------------------------------


def test_staging_and_production_differ_in_exactly_the_keys_they_set_differently(
    cli: Run, staging: Path, production: Path
) -> None:
    code, document = compared(cli, str(staging), str(production))
    assert code == 1
    assert changes(document) == {
        ("apiserver.auth.cookies.domain", "changed"),
        ("services.tasks.non_responsive_tasks_watchdog.enabled", "removed"),
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "changed"),
        ("services.tasks.non_responsive_tasks_watchdog.watch_interval_sec", "removed"),
        ("fileserver.cors.origins", "changed"),
        ("secure.auth.token_secret", "changed"),
        ("logging.loggers.apiserver.level", "added"),
    }
    by_key = {d["key"]: d for d in document["differences"]}
    domain = by_key["apiserver.auth.cookies.domain"]
    assert domain["a"] == {"value": ".staging.example.com", "origin": f"{staging}/apiserver.conf:3"}
    assert domain["b"] == {"value": ".example.com", "origin": f"{production}/apiserver.conf:3"}
    assert by_key["secure.auth.token_secret"]["a"]["value"] == "********"
    assert sorted(by_key["secure.auth.token_secret"]["servers"]) == ["apiserver", "fileserver"]
    assert "s3cr3t" not in json.dumps(document)


def test_effective_leaves_out_what_only_the_defaults_say(cli: Run, staging: Path, tmp_path: Path) -> None:
    same = populate(
        tmp_path / "same", {**STAGING, "apiserver.conf": STAGING["apiserver.conf"] + "auth.cookies.httponly: true\r\n"}
    )
    code, document = compared(cli, str(staging), str(same))
    assert (code, changes(document)) == (1, {("apiserver.auth.cookies.httponly", "added")})
    assert compared(cli, str(staging), str(same), "--effective") == (
        0,
        {"a": str(staging), "b": str(same), "effective": True, "equal": True, "differences": [], "warnings": []},
    )


def test_show_secrets_shows_them(cli: Run, staging: Path, production: Path) -> None:
    _, document = compared(cli, str(staging), str(production), "--show-secrets")
    secret = next(d for d in document["differences"] if d["key"] == "secure.auth.token_secret")
    assert (secret["a"]["value"], secret["b"]["value"]) == ("staging-token-s3cr3t", "production-token-s3cr3t")


def test_the_text_output(cli: Run, staging: Path, production: Path) -> None:
    result = cli("diff", str(staging), str(production))
    assert result.code == 1, result
    assert result.out.startswith("~ apiserver.auth.cookies.domain\n")
    assert f'    A: ".staging.example.com"  # {staging}/apiserver.conf:3\n' in result.out
    assert "- services.tasks.non_responsive_tasks_watchdog.watch_interval_sec\n" in result.out
    assert "+ logging.loggers.apiserver.level\n" in result.out
    assert "s3cr3t" not in result.out
    assert result.err.startswith("A and B differ in 7 keys")


# --- a directory and an env file -----------------------------------------------------------------------------------

ENV_FILE = """\
# production overrides
CLEARML__APISERVER__AUTH__COOKIES__SECURE=false
export CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC='"7200"'

CLEARML__APISERVER__AUTH__COOKIES__DOMAIN=.staging.example.com
CLEARML__SECURE__AUTH__TOKEN_SECRET="env s3cr3t"
"""


def test_a_directory_and_the_same_directory_with_an_env_file(cli: Run, staging: Path, tmp_path: Path) -> None:
    env_file = write(tmp_path / "production.env", ENV_FILE)
    code, document = compared(cli, str(staging), f"{staging}:{env_file}")
    assert code == 1
    assert changes(document) == {
        ("apiserver.auth.cookies.secure", "changed"),
        ("services.tasks.non_responsive_tasks_watchdog.threshold_sec", "changed"),
        ("secure.auth.token_secret", "changed"),
    }  # the domain variable sets what the file says: no difference
    by_key = {d["key"]: d for d in document["differences"]}
    threshold = by_key["services.tasks.non_responsive_tasks_watchdog.threshold_sec"]["b"]
    assert threshold == {
        "value": "7200",  # quoted in the shell, then quoted for the server: the string "7200"
        "origin": f"env CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC ({env_file}:3)",
    }
    assert by_key["apiserver.auth.cookies.secure"]["b"]["value"] is False


def test_the_shells_own_variables_belong_to_neither_side(cli: Run, staging: Path, tmp_path: Path) -> None:
    other = populate(tmp_path / "other", STAGING)
    env = {"CLEARML__APISERVER__AUTH__COOKIES__SECURE": "false", "TRAINS__SECURE__X": "1"}
    assert compared(cli, str(staging), str(other), "--effective", env=env)[0] == 0
    env_file = write(tmp_path / "x.env", "CLEARML__APISERVER__AUTH__COOKIES__SECURE=false\n")
    assert compared(cli, str(staging), f"{other}:{env_file}", env=env)[0] == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [("CLEARML__A=1\nnot an assignment\n", 2), ("CLEARML__A='open\n", 1), ("CLEARML__A='a' 'b'\n", 1)],
)
def test_a_bad_env_file_is_exit_3_naming_the_line(
    cli: Run, staging: Path, tmp_path: Path, text: str, line: int
) -> None:
    env_file = write(tmp_path / "bad.env", text)
    result = cli("diff", str(staging), f"{staging}:{env_file}")
    assert result.code == 3, result
    assert f"{env_file}:{line}: " in result.err


def test_a_value_the_server_cannot_parse_is_exit_3(cli: Run, staging: Path, tmp_path: Path) -> None:
    env_file = write(tmp_path / "bad.env", "CLEARML__APISERVER__X=a = b\n")
    assert cli("diff", str(staging), f"{staging}:{env_file}").code == 3


# --- Helm values as written by hand ---------------------------------------------------------------------------------


def test_helm_extra_envs_are_read_as_the_container_gets_them(cli: Run, tmp_path: Path) -> None:
    config = populate(tmp_path / "config", {"apiserver.conf": 'url: "http://x/${id}"\nprice: "$5"\n'})
    values = write(
        tmp_path / "values.yaml",
        "apiserver:\n"
        "  existingAdditionalConfigsSecret: clearml-configs\n"
        "  extraEnvs:\n"
        "    - name: CLEARML__APISERVER__URL\n"
        "      value: '\"http://x/$${id}\"'\n"
        "    - name: PRICE\n"
        "      value: '\"$$5\"'\n"
        "    - name: CLEARML__APISERVER__PRICE\n"
        "      value: $(PRICE)\n"
        "    - name: CLEARML__APISERVER__TOKEN\n"
        "      valueFrom: {secretKeyRef: {name: s, key: k}}\n",
    )
    result = cli("diff", str(config), str(values), "--json")
    assert result.code == 0, result
    assert "clearml-configs" in result.err and "valueFrom" in result.err


@pytest.mark.parametrize(
    ("spec", "code"),
    [("{tmp}/nowhere", 2), ("{tmp}/values.yaml:{tmp}/config", 2), ("{tmp}/broken.yaml", 3), ("{tmp}/list.yaml", 3)],
)
def test_what_cannot_be_compared(cli: Run, tmp_path: Path, spec: str, code: int) -> None:
    populate(tmp_path / "config", {"apiserver.conf": "a: 1\n"})
    write(tmp_path / "values.yaml", "apiserver:\n  additionalConfigs:\n    apiserver.conf: 'a: 1'\n")
    write(tmp_path / "broken.yaml", "apiserver: [\n")
    write(tmp_path / "list.yaml", "- a\n")
    result = cli("diff", str(tmp_path / "config"), spec.format(tmp=tmp_path))
    assert result.code == code, result
    assert result.err.startswith("error: ") and "\nhint: " in result.err


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["fileserver.conf", "secure.conf", "apiserver.conf", "services/tasks.conf"]),
    documents(),
    st.sampled_from(["helm", "env"]),
)
def test_a_random_directory_equals_its_own_export(name: str, text: str, fmt: str) -> None:
    """Whatever export writes (files verbatim, or variables for the file server; or only variables), diff reads
    back as the same configuration."""
    with tempfile.TemporaryDirectory() as scratch:
        config = write(Path(scratch) / "config" / name, text).parents[len(Path(name).parts) - 1]
        exported = Path(scratch) / ("values.yaml" if fmt == "helm" else "variables.env")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}
        err = io.StringIO()
        with mock.patch.dict(os.environ, env, clear=True), contextlib.redirect_stderr(err):
            if main(["export", "-f", fmt, "-c", str(config), "-o", str(exported)]) or "leaves out" in err.getvalue():
                return  # refused, or some keys no variable can carry: nothing to compare
            with contextlib.redirect_stdout(io.StringIO()) as out:
                code = main(["diff", str(config), str(exported), "--effective"])
        assert code == 0, (text, out.getvalue(), err.getvalue())


# --- the reference's example ------------------------------------------------------------------------------------------


def test_the_readme_example_is_real(cli: Run, tmp_path: Path) -> None:
    block = re.search(
        r"```console\n\$ clearml-cfg diff (\S+) (\S+)\n(.*?)```", (REPO / "docs" / "commands.md").read_text(), re.S
    )
    assert block
    first, second, shown = block.groups()
    populate(tmp_path / first, {"apiserver.conf": 'auth {\n  cookies.domain: ".staging.example.com"\n}\n'})
    populate(
        tmp_path / second,
        {
            "apiserver.conf": 'auth {\n  cookies.domain: ".example.com"\n}\n',
            "services.conf": "tasks.non_responsive_tasks_watchdog.threshold_sec: 3600\n",
        },
    )
    result = cli("diff", first, second)
    assert result.code == 1, result
    assert result.out == shown


# --- the server's own loaders judge --effective ------------------------------------------------------------------


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(tree, dict) and tree:
        found: dict[tuple[str, ...], Any] = {}
        for key, value in tree.items():
            found.update(_leaves(value, (*path, key)))
        return found
    return {path: tree}


def _server(directory: Path, component: str) -> dict[tuple[str, ...], Any]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(directory)}
    result = subprocess.run(
        [sys.executable, str(SERVER_CONFIG), "--config-dir", str(directory), "--component", component],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return _leaves(json.loads(result.stdout))


@needs_server_config
@pytest.mark.parametrize("component", ["apiserver", "fileserver"])
def test_effective_differences_are_those_of_the_servers_loaders(
    cli: Run, staging: Path, production: Path, component: str
) -> None:
    from clearml_cfg.features.export_variables import reads

    a, b = _server(staging, component), _server(production, component)
    expected = {
        ".".join(key)
        for key in {*a, *b}
        if reads(component, key[0]) and (key not in a or key not in b or a[key] != b[key])
    }
    _, document = compared(cli, str(staging), str(production), "--effective", "--show-secrets")
    found = {d["key"] for d in document["differences"] if component in d["servers"]}
    assert found == expected
