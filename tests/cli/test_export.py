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
    return config_dir


@pytest.fixture
def with_secure(populated: Path) -> Path:
    """The server's own secrets too: formats that would put secure.conf into a ConfigMap refuse them."""
    write(populated / "secure.conf", SECURE)
    return populated


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
        "services.conf": SERVICES,
        "services.tasks.conf": SUBFILE,
    }
    assert "apiserver.conf: |" not in result.out  # the CRLF file went double-quoted
    assert "services.conf: |-" in result.out  # the others as readable blocks


def test_helm_round_trip_through_import(cli: Run, populated: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    assert cli("export", "--format", "helm", "-o", str(values)).code == 0
    fresh = tmp_path / "fresh"
    result = cli("import", "--from-helm", str(values), "-c", str(fresh), "--create")
    assert result.code == 0, result
    assert (fresh / "apiserver.conf").read_bytes() == APISERVER.encode()
    assert (fresh / "services.conf").read_bytes() == SERVICES.encode()
    assert (fresh / "services.tasks.conf").read_bytes() == SUBFILE.encode()
    # services.tasks.conf means what services/tasks.conf meant
    assert effective_tree(cli, "-c", str(fresh)) == effective_tree(cli)


def test_the_file_server_gets_variables_unless_the_chart_has_configs(cli: Run, populated: Path) -> None:
    result = cli("export", "--format", "helm")
    envs = {e["name"]: e["value"] for e in load(result.out)["fileserver"]["extraEnvs"]}
    assert envs["CLEARML__FILESERVER__CORS__ORIGINS"] == '["https://app.example.com", "https://files.example.com"]'
    assert "fileserver.extraEnvs: the chart has no fileserver.additionalConfigs" in result.err
    with_configs = cli("export", "--format", "helm", "--fileserver-configs")
    assert load(with_configs.out)["fileserver"]["additionalConfigs"]["fileserver.conf"] == FILESERVER
    assert "has no fileserver.additionalConfigs: check that yours does" in with_configs.err


def test_k8s_secret_and_configmap(cli: Run, with_secure: Path) -> None:
    secret = load(cli("export", "--format", "k8s-secret", "--name", "cfg", "--namespace", "ml").out)
    assert (secret["kind"], secret["type"], secret["metadata"]["name"], secret["metadata"]["namespace"]) == (
        "Secret",
        "Opaque",
        "cfg",
        "ml",
    )
    assert base64.b64decode(secret["data"]["apiserver.conf"]).decode() == APISERVER
    assert base64.b64decode(secret["data"]["secure.conf"]).decode() == SECURE
    (with_secure / "secure.conf").unlink()
    configmap = cli("export", "--format", "k8s-configmap")
    assert load(configmap.out)["data"]["services.tasks.conf"] == SUBFILE
    assert "apiserver.conf holds passwords or secrets, and a ConfigMap is readable" in configmap.err
    assert "existingAdditionalConfigsConfigMap=clearml-apiserver-configs" in configmap.err
    refused = cli("export", "--format", "k8s-secret", "--component", "fileserver")
    assert refused.code == 2 and "API server only" in refused.err


@needs_reference
def test_the_fragment_merges_into_the_reference_chart_values(cli: Run, populated: Path) -> None:
    chart = load((REFERENCE / "clearml-helm-charts" / "values.yaml").read_text(encoding="utf-8"))
    fragment = load(cli("export", "--format", "helm").out)

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


def test_env_lines_give_the_same_effective_configuration(cli: Run, with_secure: Path, tmp_path: Path) -> None:
    result = cli("export", "--format", "env", "--show-secrets")
    assert result.code == 0, result
    variables = env_from_lines(result.out)
    assert list(variables) == sorted(variables)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert effective_tree(cli, "-c", str(empty), env=variables) == effective_tree(cli)
    fileserver_view = effective_tree(cli, "fileserver", "-c", str(empty), env=variables)
    assert fileserver_view == effective_tree(cli, "fileserver")


def kubernetes_value(value: str, pod_env: dict[str, str] | None = None) -> str:
    """What a container gets for an env `value`: Kubernetes expands `$(VAR)` when VAR is defined, and `$$` to `$`."""
    pod_env = pod_env or {}
    out, i = [], 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("$(", i) and ")" in value[i:] and value[i + 2 : value.index(")", i)] in pod_env:
            out.append(pod_env[value[i + 2 : value.index(")", i)]])
            i = value.index(")", i) + 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def extra_envs(entries: list[dict[str, str]], pod_env: dict[str, str] | None = None) -> dict[str, str]:
    return {e["name"]: kubernetes_value(e["value"], pod_env) for e in entries}


def test_compose_and_helm_env_carry_the_same_values(cli: Run, with_secure: Path, tmp_path: Path) -> None:
    lines = env_from_lines(cli("export", "--format", "env", "--show-secrets").out)
    compose = load(cli("export", "--format", "compose", "--show-secrets").out)["environment"]
    assert {k: v.replace("$$", "$") for k, v in compose.items()} == lines
    helm_env = load(cli("export", "--format", "helm-env", "--show-secrets").out)
    api = extra_envs(helm_env["apiserver"]["extraEnvs"])
    files = extra_envs(helm_env["fileserver"]["extraEnvs"])
    assert api == {k: v for k, v in lines.items() if not k.startswith("CLEARML__FILESERVER__")}
    assert set(files) == {k for k in lines if k.startswith(("CLEARML__FILESERVER__", "CLEARML__SECURE__"))}


def test_a_dash_section_goes_as_one_variable(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "-cors { origins: a, supports_credentials: false }\n")
    compose = load(cli("export", "--format", "compose").out)["environment"]
    assert compose == {"CLEARML__APISERVER__-CORS": '{ origins: "a", supports_credentials: false }'}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert effective_tree(cli, "apiserver.cors", "-c", str(empty), env=compose) == {
        "origins": "a",
        "supports_credentials": False,
    }
    shell = cli("export", "--format", "env")
    assert shell.code == 2 and "CLEARML__APISERVER__-CORS is not a name a shell accepts" in shell.err


def test_keys_no_variable_can_carry_are_refused(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'getting_started_info { agentName: "clearml" }\nheaders { "x.y": 1 }\n')
    result = cli("export", "--format", "env")
    assert result.code == 2
    assert "no environment variable can set apiserver.getting_started_info.agentName, apiserver.headers" in result.err
    assert "--format helm" in result.err
    assert cli("export", "--format", "helm").code == 0  # the files carry them as they are


def test_json_is_the_merged_tree(cli: Run, populated: Path) -> None:
    tree = json.loads(cli("export", "--format", "json", "--show-secrets").out)
    assert tree["services"]["tasks"]["non_responsive_tasks_watchdog"] == {
        "threshold_sec": 3600,
        "watch_interval_sec": 600,
    }


# --- secrets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json"])
@pytest.mark.parametrize("colour", [{"FORCE_COLOR": "1"}, {"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_secrets_are_masked_on_a_terminal(cli: Run, with_secure: Path, fmt: str, colour: dict[str, str]) -> None:
    if fmt in CONFIGMAP_FORMATS:
        (with_secure / "secure.conf").unlink()  # refused there: see test_secure_conf_never_goes_into_a_configmap
    result = cli("export", "--format", fmt, env=colour, tty=True)
    assert result.code == 0, result
    for secret in ("s3cr3t-token", 'h\\"unt', "czNjcjN0"):
        assert secret not in result.out
    assert "secrets are masked" in result.err


def test_output_file_gets_the_real_values_privately(cli: Run, populated: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "values.yaml"
    target.parent.mkdir()
    result = cli("export", "--format", "helm", "-o", str(target), tty=True)
    assert result.code == 0
    assert "unt ${x} #2" in target.read_text()  # the password of apiserver.conf, not masked
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
    assert not any(config_dir.iterdir()) or not list(config_dir.glob("*.conf"))


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


# --- what no variable can carry, and `-key` sections --------------------------------------------------------

LOGGING = "handlers.text_file { maxBytes: 1024, backupCount: 3 }\nloggers.apiserver.level: DEBUG\n"


def test_helm_leaves_out_of_fileserver_envs_what_no_variable_can_carry(cli: Run, config_dir: Path) -> None:
    write(config_dir / "logging.conf", LOGGING)
    result = cli("export", "--format", "helm")
    assert result.code == 0, result
    values = load(result.out)
    assert values["apiserver"]["additionalConfigs"]["logging.conf"] == LOGGING
    assert extra_envs(values["fileserver"]["extraEnvs"]) == {"CLEARML__LOGGING__LOGGERS__APISERVER__LEVEL": "DEBUG"}
    assert (
        "fileserver.extraEnvs leaves out logging.handlers.text_file.maxBytes, logging.handlers.text_file.backupCount"
        in result.err
    )
    assert "--fileserver-configs sends it the files instead" in result.err
    assert "use --format helm" not in result.err
    refused = cli("export", "--format", "helm-env")  # a variable format still refuses rather than drop settings
    assert refused.code == 2 and "--format helm" in refused.err


@needs_reference
def test_helm_exports_the_reference_logging_conf(cli: Run, config_dir: Path) -> None:
    reference = REFERENCE / "clearml-server" / "apiserver" / "config" / "default" / "logging.conf"
    write(config_dir / "logging.conf", reference.read_text(encoding="utf-8"))
    result = cli("export", "--format", "helm")
    assert result.code == 0, result
    assert "logging.handlers.text_file.backupCount" in result.err


READS = {"apiserver": None, "fileserver": {"fileserver", "hosts", "logging", "secure"}}


def variables_give_the_files_configuration(
    cli: Run, tmp_path: Path, variables: dict[str, str], fileserver: dict[str, str] | None = None
) -> None:
    """Each server computes from the variables alone what it computes from the files, in what it reads."""
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    for component, given in (("apiserver", variables), ("fileserver", variables if fileserver is None else fileserver)):
        by_files = effective_tree(cli, "--component", component)
        by_variables = effective_tree(cli, "--component", component, "-c", str(empty), env=given)
        reads = READS[component] or (set(by_files) | set(by_variables)) - {"fileserver"}
        assert {k: v for k, v in by_variables.items() if k in reads} == {
            k: v for k, v in by_files.items() if k in reads
        }, component


def test_a_dash_file_goes_as_one_variable(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    # the server merges the variables with each other first, which takes one `-` off every top-level key
    write(config_dir / "-apiserver.conf", 'auth.cookies.secure: true\ncors.origins: "x"\n')
    compose = load(cli("export", "--format", "compose").out)["environment"]
    assert compose == {"CLEARML__--APISERVER": '{ auth { cookies { secure: true } }, cors { origins: "x" } }'}
    variables_give_the_files_configuration(cli, tmp_path, compose)
    helm_env = load(cli("export", "--format", "helm-env").out)
    assert extra_envs(helm_env["apiserver"]["extraEnvs"]) == compose


@pytest.mark.parametrize(
    "text",
    [
        '-cors { origins: "a" }\ncors.max_age: 5\nauth { -cookies { secure: true } }\n',
        'cors.max_age: 5\n-cors { origins: "a" }\n-newsection { a: 1 }\n',
    ],
)
def test_dash_keys_inside_a_file_give_the_same_configuration(
    cli: Run, config_dir: Path, tmp_path: Path, text: str
) -> None:
    write(config_dir / "apiserver.conf", text)
    write(config_dir / "services.conf", "tasks.x: 1\n")
    result = cli("export", "--format", "compose")
    assert result.code == 0, result
    compose = {k: v.replace("$$", "$") for k, v in load(result.out)["environment"].items()}
    if "-newsection" in text:
        # two `-key`s in apiserver: the second would lose its `-` when merged with the first variable, so both get
        # two, and apiserver a variable of its own that comes first
        assert compose["CLEARML__APISERVER"] == "{}"
        assert compose["CLEARML__APISERVER__--CORS"] == '{ origins: "a" }'
    else:
        assert compose["CLEARML__APISERVER__-CORS"] == '{ origins: "a" }'
    variables_give_the_files_configuration(cli, tmp_path, compose)


def test_the_file_server_keeps_dash_keys_literally(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    # its loader has no `-key` rule: `-cors` is one more key there, and `cors` stays
    write(config_dir / "fileserver.conf", 'cors.max_age: 5\n-cors { origins: "a" }\n')
    compose = load(cli("export", "--format", "compose").out)["environment"]
    assert compose == {"CLEARML__FILESERVER__-CORS": '{ origins: "a" }', "CLEARML__FILESERVER__CORS__MAX_AGE": "5"}
    variables_give_the_files_configuration(cli, tmp_path, compose)


def test_variables_that_cannot_give_the_same_configuration_are_refused(cli: Run, config_dir: Path) -> None:
    # `-secure.conf` replaces secure for the API server, and is a section `-secure` for the file server: the
    # variable takes the API server's rule (`CLEARML__--SECURE`), which the file server reads as `--secure`
    write(config_dir / "-secure.conf", 'http.session_secret.apiserver: "x"\n')
    result = cli("export", "--format", "compose")
    assert result.code == 2
    assert "no set of variables gives the fileserver the configuration the files give it: -secure" in result.err
    assert "hint: export the files instead" in result.err
    assert cli("export", "--format", "k8s-secret").code == 0


# --- Kubernetes and the chart -------------------------------------------------------------------------------


def test_kubernetes_env_values_escape_dollars(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "secure.conf", 'credentials.apiserver.user_secret: "pa$$word"\n')
    write(config_dir / "fileserver.conf", 'note: "$(HOME) and $HOME"\n')
    lines = env_from_lines(cli("export", "--format", "env").out)
    pod = {"HOME": "/root"}  # defined in the container: an unescaped $(HOME) would become /root
    helm_env = cli("export", "--format", "helm-env")
    assert "`$$` is a literal `$`" in helm_env.err
    values = load(helm_env.out)
    assert extra_envs(values["apiserver"]["extraEnvs"], pod) == {
        k: v for k, v in lines.items() if not k.startswith("CLEARML__FILESERVER")
    }
    assert extra_envs(values["fileserver"]["extraEnvs"], pod) == lines
    helm = load(cli("export", "--format", "helm", "--component", "fileserver").out)  # secure.conf: no ConfigMap
    assert extra_envs(helm["fileserver"]["extraEnvs"], pod) == lines
    variables_give_the_files_configuration(
        cli,
        tmp_path,
        extra_envs(values["apiserver"]["extraEnvs"], pod),
        extra_envs(values["fileserver"]["extraEnvs"], pod),
    )
    assert "pa$$$$word" in helm_env.out and "$$(HOME)" in helm_env.out


UNUSUAL = [
    'a: "line\u2028separator"\n',
    'a: "paragraph\u2029separator"\n',
    'a: "next\u0085line"\n',
    "# a bell \x07 in a comment\na: 1\n",
    'a: "\x7f and \x80"\n',
]


@pytest.mark.parametrize("text", UNUSUAL)
@pytest.mark.parametrize("fmt", ["helm", "k8s-configmap"])
def test_text_a_yaml_block_cannot_carry_goes_double_quoted(cli: Run, config_dir: Path, fmt: str, text: str) -> None:
    write(config_dir / "apiserver.conf", text)
    result = cli("export", "--format", fmt)
    assert result.code == 0, result
    part = "additionalConfigs" if fmt == "helm" else "data"
    loaded = load(result.out)
    assert (loaded["apiserver"][part] if fmt == "helm" else loaded[part])["apiserver.conf"] == text
    try:
        import yaml
    except ImportError:
        return
    loaded = yaml.safe_load(result.out)
    assert (loaded["apiserver"][part] if fmt == "helm" else loaded[part])["apiserver.conf"] == text


def test_helm_warns_about_files_the_chart_cannot_render(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "    auth.cookies.secure: true\ncors.origins: x\n")
    write(config_dir / "services.conf", "tasks.x: 1\n")
    result = cli("export", "--format", "helm")
    assert result.code == 0, result
    assert load(result.out)["apiserver"]["additionalConfigs"]["apiserver.conf"].startswith("    auth")
    assert "apiserver.conf: its first line is indented more than a later one" in result.err
    assert "services.conf:" not in result.err


def test_helm_advises_a_secret_for_passwords(cli: Run, populated: Path) -> None:
    result = cli("export", "--format", "helm")
    assert "apiserver.conf holds passwords or secrets, and the chart puts additionalConfigs" in result.err
    assert "--format k8s-secret instead and set apiserver.existingAdditionalConfigsSecret" in result.err


@needs_reference
def test_the_secret_advice_names_a_key_of_the_chart(cli: Run) -> None:
    chart = load((REFERENCE / "clearml-helm-charts" / "values.yaml").read_text(encoding="utf-8"))
    assert "existingAdditionalConfigsSecret" in chart["apiserver"]


def test_flattened_subfolder_file_warns_about_keys_both_files_set(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks.watchdog.threshold_sec: 100\ntasks.other: 1\n")
    write(config_dir / "services" / "tasks.conf", "watchdog.threshold_sec: 200\nmine: 2\n")
    result = cli("export", "--format", "k8s-secret")
    assert result.code == 0, result
    assert (
        "services.conf and services/tasks.conf both set services.tasks.watchdog.threshold_sec: here "
        "services/tasks.conf wins, but in Kubernetes it becomes services.tasks.conf beside services.conf"
    ) in result.err
    assert "move each setting into one of the files" in result.err
    assert "services.tasks.other" not in result.err and "services.tasks.mine" not in result.err


def test_no_flattening_warning_when_the_files_set_different_keys(cli: Run, populated: Path) -> None:
    assert "both set" not in cli("export", "--format", "helm").err


def test_fileserver_configs_hold_only_the_files_the_file_server_reads(cli: Run, populated: Path) -> None:
    write(populated / "hosts.conf", 'mongo.backend.host: "mongodb://mongo:27017"\n')
    values = load(cli("export", "--format", "helm", "--fileserver-configs").out)
    assert set(values["fileserver"]["additionalConfigs"]) == {"fileserver.conf", "hosts.conf"}
    assert "apiserver.conf" in values["apiserver"]["additionalConfigs"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--name", "Clearml_Configs"), ("--name", "-x"), ("--name", "a" * 254), ("--namespace", "ml.prod")],
)
def test_names_kubernetes_refuses_are_refused(cli: Run, populated: Path, option: str, value: str) -> None:
    result = cli("export", "--format", "k8s-secret", option, value)
    assert result.code == 2
    assert "error:" in result.err and "hint: use at most" in result.err
    assert result.out == ""


def test_a_dotted_name_is_a_valid_object_name(cli: Run, populated: Path) -> None:
    result = cli("export", "--format", "k8s-secret", "--name", "clearml.configs-2", "--namespace", "ml-prod")
    assert result.code == 0, result


CONFIGMAP_FORMATS = ("helm", "k8s-configmap")


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "k8s-configmap"],
        ["--format", "helm"],
        ["--format", "helm", "--component", "apiserver"],
        ["--format", "helm", "--component", "fileserver", "--fileserver-configs"],
    ],
)
@pytest.mark.parametrize("name", ["secure.conf", "secure/auth.conf", "-secure.conf"])
def test_secure_conf_never_goes_into_a_configmap(
    cli: Run, populated: Path, tmp_path: Path, args: list[str], name: str
) -> None:
    """The chart puts additionalConfigs into a ConfigMap: the server's own secrets are refused there, every other
    format is written, and k8s-secret carries them."""
    write(populated / name, 'token_secret: "t0ken"\n' if "/" in name else 'auth.token_secret: "t0ken"\n')
    target = tmp_path / "out.yaml"
    result = cli("export", *args, "-o", str(target))
    assert result.code == 2, result
    assert "existingAdditionalConfigsSecret" in result.err
    assert not target.exists() and result.out == ""
    secret = load(cli("export", "--format", "k8s-secret").out)
    assert secret["kind"] == "Secret" and name.replace("/", ".") in secret["data"]
    assert cli("export", "--format", "json").code == 0
    for other in ("compose", "helm-env"):
        # `-secure` replaces secure for the API server and is a section of its own for the file server: one set of
        # variables cannot give both servers that (test_variables_that_cannot_give_the_same_configuration_are_refused)
        assert cli("export", "--format", other).code == (2 if name.startswith("-") else 0)
    assert cli("export", "--format", "helm", "--component", "fileserver").code == 0  # variables, no ConfigMap


# --- json, substitutions ------------------------------------------------------------------------------------


def test_json_honours_component(cli: Run, with_secure: Path) -> None:
    api = json.loads(cli("export", "--format", "json", "--component", "apiserver").out)
    files = json.loads(cli("export", "--format", "json", "--component", "fileserver").out)
    assert "fileserver" not in api and "services" in api
    assert set(files) == {"fileserver", "secure"}


def test_values_taken_from_this_machine_are_named(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a.home: ${CLEARML_CFG_TEST_HOME}\na.maybe: ${?NOT_SET_HERE}\nb: 1\n")
    result = cli("export", "--format", "compose")
    assert result.code == 0, result
    assert load(result.out)["environment"]["CLEARML__APISERVER__A__HOME"] == "/home/ada"
    assert (
        "CLEARML__APISERVER__A__HOME holds values that substitutions (${CLEARML_CFG_TEST_HOME}, ${NOT_SET_HERE}) "
        "took from this machine's environment"
    ) in result.err
    assert "CLEARML__APISERVER__B" not in result.err
    assert "apiserver.a.home" in cli("export", "--format", "json").err
    assert "environment" not in cli("export", "--format", "helm").err  # the files carry ${...} as written


# --- one rule for secrets -----------------------------------------------------------------------------------

HOSTS = 'mongo.backend.host: "mongodb://admin:hunter2@mongo:27017/backend"\n'


@pytest.mark.parametrize("fmt", ["helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json"])
def test_a_password_in_a_url_makes_every_output_private(cli: Run, config_dir: Path, tmp_path: Path, fmt: str) -> None:
    write(config_dir / "hosts.conf", HOSTS)
    target = tmp_path / "out"
    result = cli("export", "--format", fmt, "-o", str(target))
    assert result.code == 0, result
    assert target.stat().st_mode & 0o777 == 0o600
    assert "hunter2" in target.read_text() or fmt == "k8s-secret"


def test_import_writes_a_url_password_privately(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    assert cli("import", "--from-helm", str(values_file(tmp_path, {"hosts.conf": HOSTS}))).code == 0
    assert (config_dir / "hosts.conf").stat().st_mode & 0o777 == 0o600


# --- import: back where the files came from -----------------------------------------------------------------


def test_import_writes_a_flattened_name_back_into_its_subfolder_file(
    cli: Run, config_dir: Path, tmp_path: Path
) -> None:
    write(config_dir / "services.conf", "tasks.a: 1\n")
    mine = write(config_dir / "services" / "tasks.conf", "b: 2\n")
    values = values_file(tmp_path, {"services.conf": "tasks.a: 1\n", "services.tasks.conf": "b: 3\n"})
    refused = cli("import", "--from-helm", str(values))
    assert refused.code == 2 and "services/tasks.conf already exists" in refused.err
    result = cli("import", "--from-helm", str(values), "--force")
    assert result.code == 0, result
    assert mine.read_text() == "b: 3\n"
    assert not (config_dir / "services.tasks.conf").exists()
    assert cli("export", "--format", "helm", "--fileserver-configs").code == 0


def test_an_empty_file_survives_the_round_trip(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    write(config_dir / "apiserver.conf", "")
    write(config_dir / "services.conf", "a: 1\n")
    values = tmp_path / "values.yaml"
    assert cli("export", "--format", "helm", "-o", str(values)).code == 0
    fresh = tmp_path / "fresh"
    result = cli("import", "--from-helm", str(values), "-c", str(fresh), "--create")
    assert result.code == 0, result
    assert (fresh / "apiserver.conf").read_bytes() == b""
    assert "created" in result.err and "apiserver.conf" in result.err
    again = cli("import", "--from-helm", str(values), "-c", str(fresh))
    assert again.code == 0 and "unchanged" in again.err
