"""features/export.py: every format from one small directory, masked for a terminal, and import back."""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from config_files import config_dir, dirs_of
from ruamel.yaml import YAML

from clearml_cfg.errors import ConfigReadError, UsageError
from clearml_cfg.features.common import Options
from clearml_cfg.features.export import FORMATS, dump_yaml, export, export_files, files_from_helm, import_helm
from clearml_cfg.model.layout import ConfigDirs
from clearml_cfg.views.effective import compute
from clearml_cfg.views.files import FilesView

SECRETS = ("pw-s3cret", "KEY-k1", "SECRET-s1")
FILES = {
    "apiserver.conf": (
        "# API\n"
        "auth {\n"
        '  cookies { domain: ".example.com" }\n'
        "  fixed_users {\n"
        "    enabled: true\n"
        '    users: [{ username: "jane", password: "pw-s3cret", name: "Jane" }]\n'
        "  }\n"
        "}\n"
    ),
    "secure.conf": 'credentials.apiserver { user_key: "KEY-k1", user_secret: "SECRET-s1" }\n',
    "fileserver.conf": "cors.max_age: 5\n",
    "services/tasks.conf": "non_responsive_tasks_watchdog.threshold_sec: 60\n",
}
FLAT = {name.replace("/", "."): text for name, text in FILES.items()}
# helm and k8s-configmap put every file into a ConfigMap: they refuse secure.conf, so they get the others
IN_CONFIGMAPS = ("helm", "k8s-configmap")
PUBLIC = {name: text for name, text in FILES.items() if name != "secure.conf"}


@pytest.fixture
def dirs(tmp_path: Path) -> ConfigDirs:
    return dirs_of(config_dir(tmp_path / "config", FILES))


@pytest.fixture
def public_dirs(tmp_path: Path) -> ConfigDirs:
    return dirs_of(config_dir(tmp_path / "public", PUBLIC))


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def variables_of(fmt: str, text: str) -> dict[str, dict[str, str]]:
    """The variables each server gets from an output, as its container sees them."""
    if fmt == "env":
        pairs = dict(line.split("=", 1) for line in text.splitlines())
        found = {name: shlex.split(value)[0] if value else "" for name, value in pairs.items()}
        return {"apiserver": found, "fileserver": found}
    if fmt == "compose":  # compose turns `$$` into `$`
        found = {name: value.replace("$$", "$") for name, value in load(text)["environment"].items()}
        return {"apiserver": found, "fileserver": found}
    values = load(text)  # helm-env, helm: Kubernetes turns `$$` into `$`
    return {
        server: {e["name"]: e["value"].replace("$$", "$") for e in values.get(server, {}).get("extraEnvs", [])}
        for server in ("apiserver", "fileserver")
    }


def test_the_file_formats_carry_every_file_byte_for_byte(dirs: ConfigDirs, public_dirs: ConfigDirs) -> None:
    secret = load(export(dirs, {}, "k8s-secret").text)
    assert secret["kind"] == "Secret"
    assert {name: base64.b64decode(data).decode() for name, data in secret["data"].items()} == FLAT
    public = {name.replace("/", "."): text for name, text in PUBLIC.items()}
    helm = load(export(public_dirs, {}, "helm").text)
    assert helm["apiserver"]["additionalConfigs"] == public
    configmap = load(export(public_dirs, {}, "k8s-configmap", name="cfg", namespace="clearml").text)
    assert (configmap["kind"], configmap["metadata"]["name"], configmap["metadata"]["namespace"]) == (
        "ConfigMap",
        "cfg",
        "clearml",
    )
    assert configmap["data"] == public


@pytest.mark.parametrize(
    "arguments",
    [
        {"fmt": "k8s-configmap"},
        {"fmt": "helm"},
        {"fmt": "helm", "component": "apiserver"},
        {"fmt": "helm", "component": "fileserver", "fileserver_configs": True},
    ],
)
def test_secure_conf_never_goes_into_a_configmap(dirs: ConfigDirs, arguments: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        export(dirs, {}, **arguments)
    assert export(dirs, {}, "helm", component="fileserver").secret  # its settings as variables: no ConfigMap


@pytest.mark.parametrize("fmt", ["env", "compose", "helm-env", "helm"])
def test_the_variables_give_each_server_the_configuration_the_files_give_it(dirs: ConfigDirs, fmt: str) -> None:
    component = "fileserver" if fmt == "helm" else "all"  # helm gives the API server the files (no secure.conf)
    given = variables_of(fmt, export(dirs, {}, fmt, component=component).text)
    for server in ("apiserver", "fileserver"):
        if fmt == "helm" and server == "apiserver":
            continue  # the API server gets the files themselves
        from_files = compute(dirs, {}, component=server).tree
        from_variables = compute(ConfigDirs((), "--config-dir"), given[server], component=server).tree
        assert read_by(server, from_variables) == read_by(server, from_files), server


def read_by(server: str, tree: dict[str, Any]) -> dict[str, Any]:
    """The sections a server's code reads (each loads every file, but the file server reads only its own and the
    shared ones; no API server code reads fileserver.*)."""
    if server == "fileserver":
        return {k: v for k, v in tree.items() if k in ("fileserver", "hosts", "logging", "secure")}
    return {k: v for k, v in tree.items() if k != "fileserver"}


def test_json_is_the_files_merged_tree_split_by_server(dirs: ConfigDirs) -> None:
    merged = FilesView(dirs, {}).merged()
    assert json.loads(export(dirs, {}, "json").text) == merged
    assert set(json.loads(export(dirs, {}, "json", component="fileserver").text)) == {"fileserver", "secure"}
    assert "fileserver" not in json.loads(export(dirs, {}, "json", component="apiserver").text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_holding_secrets_says_so_and_masks_them_when_asked(
    dirs: ConfigDirs, public_dirs: ConfigDirs, fmt: str
) -> None:
    dirs, secrets = (public_dirs, SECRETS[:1]) if fmt in IN_CONFIGMAPS else (dirs, SECRETS)
    real = export(dirs, {}, fmt)
    assert real.secret
    assert all(secret in _readable(real.text) for secret in secrets)
    masked = export(dirs, {}, fmt, mask=True)
    assert masked.secret
    assert not any(secret in _readable(masked.text) for secret in secrets)
    assert len(masked.notes) == len(real.notes) + 1  # that the output is for reading only


def _readable(text: str) -> str:
    """The text, and what a Secret's data says (base64, unless masked)."""
    if not text.startswith("apiVersion"):
        return text
    document = load(text)
    if isinstance(document, dict) and document.get("kind") == "Secret":
        return text + "".join(base64.b64decode(v).decode() for v in document["data"].values() if v != "********")
    return text


def test_a_directory_without_secrets_is_not_secret(tmp_path: Path) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", {"apiserver.conf": "auth.cookies.secure: true\n"}))
    assert not any(export(dirs, {}, fmt).secret for fmt in FORMATS)


def test_a_password_in_a_url_is_a_secret(tmp_path: Path) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", {"hosts.conf": 'mongo.backend.host: "mongodb://u:pw-1@db/x"\n'}))
    for fmt in FORMATS:
        exported = export(dirs, {}, fmt, mask=True)
        assert exported.secret and "pw-1" not in _readable(exported.text), fmt


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"fmt": "xml"}, UsageError),
        ({"fmt": "helm", "component": "webserver"}, UsageError),
        ({"fmt": "k8s-secret", "name": "Not_A_Name"}, UsageError),
        ({"fmt": "k8s-secret", "namespace": "a.b"}, UsageError),
        ({"fmt": "k8s-configmap", "component": "fileserver"}, UsageError),
    ],
)
def test_what_cannot_be_exported_is_refused(dirs: ConfigDirs, arguments: dict[str, Any], error: type) -> None:
    fmt = arguments.pop("fmt")
    with pytest.raises(error):
        export(dirs, {}, fmt, **arguments)


def test_a_dash_key_has_no_shell_variable(tmp_path: Path) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", {"apiserver.conf": '-cors { origins: "https://a" }\n'}))
    with pytest.raises(UsageError):
        export(dirs, {}, "env")
    given = variables_of("compose", export(dirs, {}, "compose").text)["apiserver"]
    assert given == {"CLEARML__APISERVER__-CORS": '{ origins: "https://a" }'}


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"services/tasks.conf": "a: 1\n", "services.tasks.conf": "b: 1\n"},  # one Kubernetes name for both
        {"apiserver.conf": "a: {\n"},
    ],
)
def test_a_directory_that_cannot_be_exported(tmp_path: Path, files: dict[str, str]) -> None:
    dirs = dirs_of(config_dir(tmp_path / "c", files))
    with pytest.raises((UsageError, ConfigReadError)):
        export_files(dirs)


def test_only_the_winning_directory_is_exported_with_a_warning(tmp_path: Path) -> None:
    low = config_dir(tmp_path / "low", {"apiserver.conf": "a: 1\n"})
    high = config_dir(tmp_path / "high", {"services.conf": "b: 1\n"})
    files, warnings = export_files(dirs_of(low, high))
    assert [f.name for f in files] == ["services.conf"] and len(warnings) == 1


def test_a_sub_file_and_its_parent_setting_one_key_are_warned_of(tmp_path: Path) -> None:
    """In one flat Kubernetes directory services.tasks.conf no longer surely wins over services.conf."""
    dirs = dirs_of(config_dir(tmp_path / "c", {"services.conf": "tasks.a: 1\nb: 2\n", "services/tasks.conf": "a: 3\n"}))
    assert len(export_files(dirs)[1]) == 1
    apart = dirs_of(config_dir(tmp_path / "d", {"services.conf": "b: 2\n", "services/tasks.conf": "a: 3\n"}))
    assert export_files(apart)[1] == []


# --- import ---------------------------------------------------------------------------------------------------


def test_helm_values_import_back_into_the_same_files(public_dirs: ConfigDirs, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    exported = load(export(public_dirs, {}, "helm").text)
    exported["apiserver"]["additionalConfigs"]["secure.conf"] = FILES["secure.conf"]  # as a values file may hold it
    values.write_text(dump_yaml(exported))
    files, notes = files_from_helm(values.read_text(), str(values), "all")
    assert files == FLAT and len(notes) == 1  # the file server's extraEnvs are not imported
    target = config_dir(tmp_path / "new", {"services/tasks.conf": "# will be replaced\n"})
    options = Options(dirs_of(target), {})
    with pytest.raises(UsageError):  # a file with other content is kept unless forced
        import_helm(options, values, "all", force=False)
    outcome = import_helm(options, values, "all", force=True)
    written = {p.relative_to(target).as_posix(): p.read_text() for p in target.rglob("*.conf")}
    assert written == FILES  # services.tasks.conf went back into services/tasks.conf
    assert {c.path.name for c in outcome.changes} == {"apiserver.conf", "secure.conf", "fileserver.conf", "tasks.conf"}
    assert (target / "secure.conf").stat().st_mode & 0o077 == 0
    assert import_helm(options, values, "all", force=False).changes == []  # the same again: nothing to do


@pytest.mark.parametrize(
    "text",
    [
        "a: [",
        "- a list\n",
        "apiserver:\n  additionalConfigs: [a]\n",
        "apiserver:\n  additionalConfigs:\n    ../x.conf: 'a: 1'\n",
        "apiserver:\n  additionalConfigs:\n    a.conf: 5\n",
    ],
)
def test_values_that_are_not_a_chart_configuration_are_refused(text: str) -> None:
    with pytest.raises(ConfigReadError):
        files_from_helm(text, "values.yaml", "all")


def test_values_without_files_or_with_other_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        files_from_helm("apiserver: {}\n", "values.yaml", "all")
    files, notes = files_from_helm(
        "apiserver:\n  additionalConfigs:\n    a.conf: 'x: 1'\n    README: hi\n", "values.yaml", "all"
    )
    assert files == {"a.conf": "x: 1"} and len(notes) == 1


def test_a_file_that_does_not_parse_is_not_imported(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("apiserver:\n  additionalConfigs:\n    apiserver.conf: 'a: {'\n")
    target = tmp_path / "new"
    with pytest.raises(ConfigReadError):
        import_helm(Options(dirs_of(target), {}, create=True), values, "all", force=False)
    assert not target.exists()
