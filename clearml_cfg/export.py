"""One config, every deployment: the config directory as Helm values, Kubernetes manifests, env variables, JSON.

File formats (helm, k8s-secret, k8s-configmap) carry each file's text verbatim, comments included. Variable
formats (env, compose, helm-env) carry one CLEARML__ variable per setting the files make, written so that the
server reads back exactly the same value (a whole `-key` section goes as one variable: the server merges each
variable on its own). Facts about the official chart come from its values.yaml (clearml 7.14.4): the API server
takes `apiserver.additionalConfigs`, `existingAdditionalConfigsConfigMap/Secret` and `extraEnvs`; the file server
has `extraEnvs` but no `additionalConfigs`, so its settings go as variables unless --fileserver-configs.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from . import schema
from .effective import env_text
from .errors import ConfigReadError, UsageError
from .hocon.paths import Path, format_path
from .keys import env_name, is_shell_name
from .layout import ConfigDirs, discover
from .settings import FilesView, Options, Outcome
from .store import read_text

FORMATS = ("helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json")
COMPONENTS = ("all", "apiserver", "fileserver")
DEFAULT_NAME = "clearml-apiserver-configs"
# what the file server reads from the shared config directory (its own default folder has these files)
FILESERVER_NAMESPACES = ("fileserver", "hosts", "logging", "secure")
_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")


@dataclass
class Exported:
    text: str
    secret: bool  # the output holds secrets
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportFile:
    name: str  # the key in additionalConfigs / the ConfigMap: services/tasks.conf becomes services.tasks.conf
    text: str
    secret: bool


# --- the files ----------------------------------------------------------------------------------------------


def export_files(dirs: ConfigDirs, *, mask: bool = False) -> tuple[list[ExportFile], list[str]]:
    """The files of the config directory that wins, named as flat ConfigMap keys.

    `services/tasks.conf` becomes `services.tasks.conf`: the server derives the same key prefix from both
    names (the dot in the name is a key separator) and reads it after `services.conf` all the same.
    """
    directory = dirs.write_dir
    warnings = [
        f"{other} also holds configuration files; only {directory} is exported (pass -c DIR to choose)"
        for other in dirs.dirs[:-1]
        if discover(other)
    ]
    files = []
    for config_file in discover(directory):
        name = config_file.relative.replace("/", ".")
        if not _CONFIGMAP_KEY.fullmatch(name):
            raise UsageError(
                f"{config_file.relative} cannot be a ConfigMap key (letters, digits, '-', '_' and '.' only)",
                "rename the file",
            )
        text = read_text(config_file.path)
        from .store import parse_document

        document = parse_document(config_file.path, text)  # never export what the server cannot read
        secret = config_file.namespace == "secure" or any(
            schema.is_secret((*config_file.prefix, *path))
            or (isinstance(value, str) and schema.mask_url_password(value) != value)  # mongodb://user:pw@host
            for path, value in schema.walk(document.to_dict(resolve=False), ())
        )
        if mask:
            from .masking import mask_text

            text = mask_text(text, config_file.prefix)
        files.append(ExportFile(name, text, secret))
    if not files:
        raise UsageError(f"{directory} has no configuration files to export", "clearml-cfg init creates them")
    names = [f.name for f in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two files would both be named {duplicates[0]} in Kubernetes", "merge them into one file")
    return files, warnings


# --- the variables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    value: str  # the text the server parses
    path: Path
    secret: bool


def _settings(tree: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """What the variables must carry: leaves, with lists, empty objects and `-key` sections taken whole."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            if key.startswith("-") and path:
                yield (*path, key), value
            else:
                yield from _settings(value, (*path, key))
    elif path:
        yield path, tree


def export_variables(dirs: ConfigDirs, env: Mapping[str, str], component: str, *, mask: bool = False) -> list[Variable]:
    tree = FilesView(dirs, env).merged()
    variables = []
    refused = []
    for path, value in _settings(tree):
        if len(path) == 1 and value == {}:
            continue  # a file that sets nothing (comments only)
        namespace = str(path[0])
        if component == "apiserver" and namespace == "fileserver":
            continue
        if component == "fileserver" and namespace not in FILESERVER_NAMESPACES:
            continue
        try:
            name = env_name(path)
        except UsageError:
            refused.append(format_path(path))
            continue
        secret = any(schema.is_secret(where) for where, _ in schema.walk(value, path))
        text = env_text(schema.masked(value, path) if mask else value, name, ".".join(str(s) for s in path))
        variables.append(Variable(name, text, path, secret))
    if refused:
        shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise UsageError(
            f"no environment variable can set {shown}: the server lower-cases variable names and splits them at '__'",
            "export the files instead: --format helm, k8s-secret or k8s-configmap keep them as they are",
        )
    return sorted(variables, key=lambda v: v.name)  # the order the server applies them in


# --- YAML ---------------------------------------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 1 << 16  # never fold long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _verbatim(text: str) -> Any:
    """A YAML scalar that loads back as exactly ``text``: a literal block when it can, else double-quoted
    (YAML turns every line break of a block into `\\n`, so a CRLF file needs escapes)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    literal = LiteralScalarString(text)
    stream = io.StringIO()
    _yaml().dump({"x": literal}, stream)
    if YAML(typ="safe").load(stream.getvalue())["x"] == text:
        return literal
    return DoubleQuotedScalarString(text)


def dump_yaml(data: Any) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


# --- the formats ----------------------------------------------------------------------------------------------


def export(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    fmt: str,
    *,
    component: str = "all",
    name: str = DEFAULT_NAME,
    namespace: str | None = None,
    fileserver_configs: bool = False,
    mask: bool = False,
) -> Exported:
    """``mask``: replace every secret by ******** (for a terminal); the output is then for reading only."""
    exported = _export(dirs, env, fmt, component, name, namespace, fileserver_configs, mask)
    if mask and exported.secret:
        exported.notes.append("secrets are masked: write the real values to a file with -o FILE, or --show-secrets")
    return exported


def _export(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    fmt: str,
    component: str,
    name: str,
    namespace: str | None,
    fileserver_configs: bool,
    mask: bool,
) -> Exported:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    if component not in COMPONENTS:
        raise UsageError(f"unknown component {component!r}", f"use one of {', '.join(COMPONENTS)}")
    if fmt in ("helm", "k8s-secret", "k8s-configmap"):
        return _file_format(dirs, env, fmt, component, name, namespace, fileserver_configs, mask)
    if fmt == "json":
        from .console import to_json

        tree = FilesView(dirs, env).merged()
        secret = any(schema.is_secret(p) for p, _ in schema.walk(tree, ()))
        return Exported(to_json(schema.masked(tree) if mask else tree), secret)
    variables = export_variables(dirs, env, component, mask=mask)
    secret = any(v.secret for v in variables)
    if fmt == "env":
        bad = [v.name for v in variables if not is_shell_name(v.name)]
        if bad:
            raise UsageError(
                f"{bad[0]} is not a name a shell accepts", "use --format compose or helm-env, which accept it"
            )
        import shlex

        return Exported("".join(f"{v.name}={shlex.quote(v.value)}\n" for v in variables), secret)
    if fmt == "compose":
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        block = {v.name: DoubleQuotedScalarString(v.value.replace("$", "$$")) for v in variables}
        notes = ["paste under `environment:` of the apiserver (and fileserver) service; `$$` is a literal `$`"]
        return Exported(dump_yaml({"environment": block}) if block else "environment: {}\n", secret, notes)
    return Exported(_helm_env(variables, component), secret)


def _entries(variables: list[Variable]) -> list[dict[str, str]]:
    return [{"name": v.name, "value": v.value} for v in variables]


def _helm_env(variables: list[Variable], component: str) -> str:
    values: dict[str, Any] = {}
    if component in ("all", "apiserver"):
        values["apiserver"] = {"extraEnvs": _entries([v for v in variables if v.path[0] != "fileserver"])}
    if component in ("all", "fileserver"):
        values["fileserver"] = {"extraEnvs": _entries([v for v in variables if v.path[0] in FILESERVER_NAMESPACES])}
    return dump_yaml(values)


def _file_format(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    fmt: str,
    component: str,
    name: str,
    namespace: str | None,
    fileserver_configs: bool,
    mask: bool,
) -> Exported:
    files, warnings = export_files(dirs, mask=mask)
    secret = any(f.secret for f in files)
    notes: list[str] = []
    if fmt == "helm":
        values: dict[str, Any] = {}
        if component in ("all", "apiserver"):
            values["apiserver"] = {"additionalConfigs": {f.name: _verbatim(f.text) for f in files}}
        if component in ("all", "fileserver"):
            if fileserver_configs:
                values["fileserver"] = {"additionalConfigs": {f.name: _verbatim(f.text) for f in files}}
                warnings.append(
                    "the official chart (clearml 7.14.4) has no fileserver.additionalConfigs: check that yours does, "
                    "or leave out --fileserver-configs to send the file server its settings as variables"
                )
            else:
                variables = export_variables(dirs, env, "fileserver", mask=mask)
                values["fileserver"] = {"extraEnvs": _entries(variables)}
                secret = secret or any(v.secret for v in variables)
                notes.append(
                    "the file server's settings go as fileserver.extraEnvs: the chart has no "
                    "fileserver.additionalConfigs (--fileserver-configs if yours does)"
                )
        notes.append("apply with: helm upgrade clearml clearml/clearml --reuse-values -f FILE")
        return Exported(dump_yaml(values), secret, notes, warnings)
    if component == "fileserver":
        raise UsageError(
            "the chart mounts an existing ConfigMap or Secret for the API server only",
            "use --format helm (or helm-env) for the file server",
        )
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata["labels"] = {"app.kubernetes.io/managed-by": "clearml-cfg"}
    if fmt == "k8s-secret":
        data = {
            f.name: schema.MASK if mask else base64.b64encode(f.text.encode("utf-8")).decode("ascii") for f in files
        }
        manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": data}
        notes.append(
            "apply with: kubectl apply -f FILE; then helm upgrade ... --set "
            f"apiserver.existingAdditionalConfigsSecret={name}"
        )
    else:
        manifest = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata,
            "data": {f.name: _verbatim(f.text) for f in files},
        }
        notes.append(
            "apply with: kubectl apply -f FILE; then helm upgrade ... --set "
            f"apiserver.existingAdditionalConfigsConfigMap={name}"
        )
        holding = [f.name for f in files if f.secret]
        if holding:
            warnings.append(
                f"{', '.join(holding)} hold{'s' if len(holding) == 1 else ''} passwords or secrets, and a ConfigMap is "
                "readable by anyone who can read the namespace: use --format k8s-secret"
            )
    return Exported(dump_yaml(manifest), secret, notes, warnings)


# --- import -------------------------------------------------------------------------------------------------


def files_from_helm(text: str, source: str, component: str) -> tuple[dict[str, str], list[str]]:
    """The `additionalConfigs` files of a Helm values file, and notes on what is not imported."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        values = YAML(typ="safe").load(text)
    except YAMLError as e:
        raise ConfigReadError(f"{source} is not valid YAML: {' '.join(str(e).split())}", "check the file") from None
    if not isinstance(values, dict):
        raise ConfigReadError(f"{source} is not a Helm values mapping", "pass the values.yaml of the chart release")
    files: dict[str, str] = {}
    notes: list[str] = []
    sections = ["apiserver", "fileserver"] if component == "all" else [component]
    for section in sections:
        part = values.get(section) or {}
        if not isinstance(part, dict):
            continue
        configs = part.get("additionalConfigs") or {}
        if not isinstance(configs, dict):
            raise ConfigReadError(f"{source}: {section}.additionalConfigs must be a mapping of file name to text")
        for name, content in configs.items():
            where = f"{source}: {section}.additionalConfigs[{name!r}]"
            if not isinstance(name, str) or not _CONFIGMAP_KEY.fullmatch(name) or name.startswith("."):
                raise ConfigReadError(f"{where}: not a file name clearml-cfg can write")
            if not isinstance(content, str):
                raise ConfigReadError(f"{where}: the content must be text")
            if not name.endswith(".conf"):
                notes.append(
                    f"{section}.additionalConfigs[{name!r}] is not a .conf file: "
                    "the server ignores it, so it was skipped"
                )
                continue
            if name in files and files[name] != content:
                raise ConfigReadError(
                    f"{where}: differs from apiserver.additionalConfigs[{name!r}]", "keep one of the two"
                )
            files[name] = content
        extra = part.get("extraEnvs") or []
        if isinstance(extra, list) and extra:
            notes.append(
                f"{section}.extraEnvs sets {len(extra)} variable(s), not imported: "
                "on the cluster they override the files"
            )
    if not files:
        raise UsageError(f"{source} has no additionalConfigs files to import", "export one with --format helm first")
    return files, notes


def import_helm(options: Options, source: FsPath, component: str, *, force: bool) -> Outcome:
    """Write the `additionalConfigs` files of a Helm values file into the config directory that wins."""
    from .store import parse_document

    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"{source} does not exist", "pass the values file of the release (helm get values ...)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigReadError(f"cannot read {source}: {e}") from None
    files, notes = files_from_helm(text, str(source), component)
    outcome = Outcome(notes=notes)
    directory = options.dirs.write_dir
    conflicts = []
    with options.transaction() as tx:
        tx.lock(directory)
        for name, content in files.items():
            target = directory / name
            document = parse_document(target, content)  # a file the server could not read is not imported
            try:
                existing: str | None = read_text(target)
            except FileNotFoundError:
                existing = None
            except ConfigReadError:
                existing = ""  # unreadable or broken: replaced only with --force
            if existing == content:
                continue
            if existing is not None and not force:
                conflicts.append(name)
                continue
            prefix = tuple(name[: -len(".conf")].split("."))
            secret = prefix[0] == "secure" or any(
                schema.is_secret((*prefix, *path)) for path, _ in schema.walk(document.to_dict(resolve=False), ())
            )
            tx.replace_text(target, content, secret=secret)
        if conflicts:
            raise UsageError(
                f"{', '.join(conflicts)} already exist{'s' if len(conflicts) == 1 else ''} in {directory} "
                "with other content",
                "--force replaces them (keeping NAME.conf.bak); clearml-cfg export shows what you have",
            )
        outcome.changes = tx.commit()
    return outcome
