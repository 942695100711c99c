"""export and import: every deployment gets the same configuration, byte for byte or value for value."""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from helpers import REFERENCE, needs_reference
from ruamel.yaml import YAML

APISERVER = """\
# our API server\r
auth {\r
    cookies { domain: ".example.com", secure: true }\r
    fixed_users {\r
        enabled: true\r
        users: [\r
            { username: "jane", password: "h\\"unt ${x} #2", name: "Jane Doe" },\r
            { username: "007", password: "007", name: "Bond", is_guest: false }\r
        ]\r
    }\r
}\r
"""  # CRLF on purpose: YAML block scalars cannot carry it
SERVICES = """\
# services\n\torganization.ui_actions.task: [\n\t\t{ name: "Go", action { method: POST, url: "https://x/${id}" } }\n\t]
tasks.non_responsive_tasks_watchdog.threshold_sec: 3600"""  # tabs, no final newline
FILESERVER = (
    'cors {\n  origins: ["https://app.example.com", "https://files.example.com"]\n  supports_credentials: true\n}\n'
)
SUBFILE = "non_responsive_tasks_watchdog.watch_interval_sec: 600  # from services/tasks.conf\n"
SECURE = 'auth.token_secret: "s3cr3t-token"\ncredentials.apiserver { user_key: "K", user_secret: "S" }\n'


@pytest.fixture
def populated(config_dir: Path) -> Path:
    write(config_dir / "apiserver.conf", APISERVER)
    write(config_dir / "services.conf", SERVICES)
    write(config_dir / "fileserver.conf", FILESERVER)
    write(config_dir / "services" / "tasks.conf", SUBFILE)
    write(config_dir / "secure.conf", SECURE)
    return config_dir


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def effective_tree(cli: Run, *args: str, env: dict[str, str] | None = None) -> Any:
    result = cli("show", "--effective", "--json", "--show-secrets", *args, env=env)
    assert result.code == 0, result
    return json.loads(result.out)


# --- files, verbatim ----------------------------------------------------------------------------------------


def test_helm_carries_every_file_byte_for_byte(cli: Run, populated: Path) -> None:
    result = cli("export", "--format", "helm")
    assert result.code == 0, result
    configs = load(result.out)["apiserver"]["additionalConfigs"]
    assert configs == {
        "apiserver.conf": APISERVER,
        "fileserver.conf": FILESERVER,
        "secure.conf": SECURE,
        "services.conf": SERVICES,
        "services.tasks.conf": SUBFILE,
    }
    assert "apiserver.conf: |" not in result.out  # the CRLF file went double-quoted
    assert "services.conf: |-" in result.out  # the others as readable blocks


def test_helm_round_trip_through_import(cli: Run, populated: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    assert cli("export", "-f", "helm", "-o", str(values)).code == 0
    fresh = tmp_path / "fresh"
    result = cli("import", "--from-helm", str(values), "-c", str(fresh))
    assert result.code == 0, result
    assert (fresh / "apiserver.conf").read_bytes() == APISERVER.encode()
    assert (fresh / "services.conf").read_bytes() == SERVICES.encode()
    assert (fresh / "services.tasks.conf").read_bytes() == SUBFILE.encode()
    # services.tasks.conf means what services/tasks.conf meant
    assert effective_tree(cli, "-c", str(fresh)) == effective_tree(cli)


def test_the_file_server_gets_variables_unless_the_chart_has_configs(cli: Run, populated: Path) -> None:
    result = cli("export", "-f", "helm")
    envs = {e["name"]: e["value"] for e in load(result.out)["fileserver"]["extraEnvs"]}
    assert envs["CLEARML__FILESERVER__CORS__ORIGINS"] == '["https://app.example.com", "https://files.example.com"]'
    assert "fileserver.extraEnvs: the chart has no fileserver.additionalConfigs" in result.err
    with_configs = cli("export", "-f", "helm", "--fileserver-configs")
    assert load(with_configs.out)["fileserver"]["additionalConfigs"]["fileserver.conf"] == FILESERVER
    assert "has no fileserver.additionalConfigs: check that yours does" in with_configs.err


def test_k8s_secret_and_configmap(cli: Run, populated: Path) -> None:
    secret = load(cli("export", "-f", "k8s-secret", "--name", "cfg", "--namespace", "ml").out)
    assert (secret["kind"], secret["type"], secret["metadata"]["name"], secret["metadata"]["namespace"]) == (
        "Secret",
        "Opaque",
        "cfg",
        "ml",
    )
    assert base64.b64decode(secret["data"]["apiserver.conf"]).decode() == APISERVER
    configmap = cli("export", "-f", "k8s-configmap")
    assert load(configmap.out)["data"]["services.tasks.conf"] == SUBFILE
    assert "hold passwords or secrets, and a ConfigMap is readable" in configmap.err
    assert "existingAdditionalConfigsConfigMap=clearml-apiserver-configs" in configmap.err
    refused = cli("export", "-f", "k8s-secret", "--component", "fileserver")
    assert refused.code == 2 and "API server only" in refused.err


@needs_reference
def test_the_fragment_merges_into_the_reference_chart_values(cli: Run, populated: Path) -> None:
    chart = load((REFERENCE / "clearml-helm-charts" / "values.yaml").read_text(encoding="utf-8"))
    fragment = load(cli("export", "-f", "helm").out)

    def merged(base: Any, over: Any) -> Any:  # what `helm -f` does with maps
        if isinstance(base, dict) and isinstance(over, dict):
            return {k: merged(base.get(k), over[k]) if k in over else base[k] for k in {**base, **over}}
        return over

    values = merged(chart, fragment)
    assert set(values["apiserver"]["additionalConfigs"]) == set(fragment["apiserver"]["additionalConfigs"])
    assert values["apiserver"]["replicaCount"] == chart["apiserver"]["replicaCount"]  # the rest untouched
    assert "additionalConfigs" in chart["apiserver"] and "extraEnvs" in chart["fileserver"]
    assert "additionalConfigs" not in chart["fileserver"]  # why the file server gets variables


# --- variables, value for value -----------------------------------------------------------------------------


def env_from_lines(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        name, quoted = line.split("=", 1)
        (found[name],) = shlex.split(quoted)
    return found


def test_env_lines_give_the_same_effective_configuration(cli: Run, populated: Path, tmp_path: Path) -> None:
    result = cli("export", "-f", "env", "--show-secrets")
    assert result.code == 0, result
    variables = env_from_lines(result.out)
    assert list(variables) == sorted(variables)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert effective_tree(cli, "-c", str(empty), env=variables) == effective_tree(cli)
    fileserver_view = effective_tree(cli, "fileserver", "-c", str(empty), env=variables)
    assert fileserver_view == effective_tree(cli, "fileserver")


def test_compose_and_helm_env_carry_the_same_values(cli: Run, populated: Path, tmp_path: Path) -> None:
    lines = env_from_lines(cli("export", "-f", "env", "--show-secrets").out)
    compose = load(cli("export", "-f", "compose", "--show-secrets").out)["environment"]
    assert {k: v.replace("$$", "$") for k, v in compose.items()} == lines
    helm_env = load(cli("export", "-f", "helm-env", "--show-secrets").out)
    api = {e["name"]: e["value"] for e in helm_env["apiserver"]["extraEnvs"]}
    files = {e["name"]: e["value"] for e in helm_env["fileserver"]["extraEnvs"]}
    assert api == {k: v for k, v in lines.items() if not k.startswith("CLEARML__FILESERVER__")}
    assert set(files) == {k for k in lines if k.startswith(("CLEARML__FILESERVER__", "CLEARML__SECURE__"))}


def test_a_dash_section_goes_as_one_variable(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "-cors { origins: a, supports_credentials: false }\n")
    compose = load(cli("export", "-f", "compose").out)["environment"]
    assert compose == {"CLEARML__APISERVER__-CORS": '{ origins: "a", supports_credentials: false }'}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert effective_tree(cli, "apiserver.cors", "-c", str(empty), env=compose) == {
        "origins": "a",
        "supports_credentials": False,
    }
    shell = cli("export", "-f", "env")
    assert shell.code == 2 and "CLEARML__APISERVER__-CORS is not a name a shell accepts" in shell.err


def test_keys_no_variable_can_carry_are_refused(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'getting_started_info { agentName: "clearml" }\nheaders { "x.y": 1 }\n')
    result = cli("export", "-f", "env")
    assert result.code == 2
    assert "no environment variable can set apiserver.getting_started_info.agentName, apiserver.headers" in result.err
    assert "--format helm" in result.err
    assert cli("export", "-f", "helm").code == 0  # the files carry them as they are


def test_json_is_the_merged_tree(cli: Run, populated: Path) -> None:
    tree = json.loads(cli("export", "-f", "json", "--show-secrets").out)
    assert tree["services"]["tasks"]["non_responsive_tasks_watchdog"] == {
        "threshold_sec": 3600,
        "watch_interval_sec": 600,
    }


# --- secrets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json"])
@pytest.mark.parametrize("colour", [{"FORCE_COLOR": "1"}, {"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_secrets_are_masked_on_a_terminal(cli: Run, populated: Path, fmt: str, colour: dict[str, str]) -> None:
    result = cli("export", "-f", fmt, env=colour, tty=True)
    assert result.code == 0, result
    for secret in ("s3cr3t-token", 'h\\"unt', "czNjcjN0"):
        assert secret not in result.out
    assert "secrets are masked" in result.err


def test_output_file_gets_the_real_values_privately(cli: Run, populated: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "values.yaml"
    target.parent.mkdir()
    result = cli("export", "-f", "helm", "-o", str(target), tty=True)
    assert result.code == 0
    assert "s3cr3t-token" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o600
    assert "readable by you only" in result.err


# --- import -------------------------------------------------------------------------------------------------


def values_file(tmp_path: Path, configs: dict[str, str], **extra: Any) -> Path:
    from io import StringIO

    stream = StringIO()
    YAML().dump({"apiserver": {"additionalConfigs": configs, **extra}}, stream)
    return write(tmp_path / "values.yaml", stream.getvalue())


def test_import_keeps_differing_files_unless_forced(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    mine = write(config_dir / "apiserver.conf", "a: 1\n")
    values = values_file(tmp_path, {"apiserver.conf": "a: 2\n", "services.conf": "b: 1\n"})
    refused = cli("import", "--from-helm", str(values))
    assert refused.code == 2 and "apiserver.conf already exists" in refused.err
    assert mine.read_text() == "a: 1\n" and not (config_dir / "services.conf").exists()
    forced = cli("import", "--from-helm", str(values), "--force")
    assert forced.code == 0, forced
    assert mine.read_text() == "a: 2\n" and (config_dir / "apiserver.conf.bak").read_text() == "a: 1\n"
    again = cli("import", "--from-helm", str(values))
    assert again.code == 0 and "unchanged" in again.err


@pytest.mark.parametrize(
    ("configs", "code", "message"),
    [
        ({"apiserver.conf": "a {\n"}, 3, "apiserver.conf:2:1"),
        ({"../evil.conf": "a: 1\n"}, 3, "not a file name clearml-cfg can write"),
        ({"notes.txt": "hello"}, 2, "no additionalConfigs files to import"),
    ],
)
def test_import_refuses_what_it_cannot_write(
    cli: Run, config_dir: Path, tmp_path: Path, configs: dict[str, str], code: int, message: str
) -> None:
    result = cli("import", "--from-helm", str(values_file(tmp_path, configs)))
    assert result.code == code, result
    assert message in result.err
    assert not config_dir.exists() or not list(config_dir.glob("*.conf"))


def test_import_notes_what_it_does_not_take(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    values = values_file(
        tmp_path,
        {"apiserver.conf": "a: 1\n", "notes.txt": "x"},
        extraEnvs=[{"name": "CLEARML__APISERVER__A", "value": "2"}],
    )
    result = cli("import", "--from-helm", str(values))
    assert result.code == 0
    assert "additionalConfigs['notes.txt'] is not a .conf file" in result.err
    assert "apiserver.extraEnvs sets 1 variable(s), not imported" in result.err


def test_import_bad_yaml_and_missing_file(cli: Run, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "apiserver: [unclosed\n")
    assert cli("import", "--from-helm", str(bad)).code == 3
    assert cli("import", "--from-helm", str(tmp_path / "nope.yaml")).code == 2


def test_import_secret_files_are_private(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    values = values_file(tmp_path, {"secure.conf": SECURE, "services.conf": "a: 1\n"})
    assert cli("import", "--from-helm", str(values)).code == 0
    assert (config_dir / "secure.conf").stat().st_mode & 0o777 == 0o600
    assert (config_dir / "services.conf").stat().st_mode & 0o077 != 0
