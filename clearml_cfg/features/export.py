"""One config, every deployment: the config directory as Helm values, Kubernetes manifests, env variables, JSON.

File formats (helm, k8s-secret, k8s-configmap) carry each file's text verbatim, comments included. Variable
formats (env, compose, helm-env) carry one CLEARML__ variable per setting the files make (export_env.py), checked
to give the server the same configuration. Facts about the official chart come from its values.yaml (clearml
7.14.4): the API server takes `apiserver.additionalConfigs`, `existingAdditionalConfigsConfigMap/Secret` and
`extraEnvs`; the file server has `extraEnvs` but no `additionalConfigs`, so its settings go as variables unless
--fileserver-configs.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError, UsageError
from ..hocon import KeyPath, format_path
from ..io.reading import Reader, read_regular, read_text
from ..model import schema
from ..model.env_names import is_shell_name
from ..model.layout import ConfigDirs, check_file_name, discover, file_prefix
from ..views.files import FilesView
from . import kube
from .check.rules import Rules
from .common import Options, Outcome
from .export_variables import FILESERVER_NAMESPACES, Variable, export_variables, from_environment, holds_secrets, reads

FORMATS = ("helm", "k8s-secret", "k8s-configmap", "env", "compose", "helm-env", "json")
COMPONENTS = ("all", "apiserver", "fileserver")
DEFAULT_NAME = "clearml-apiserver-configs"
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
    namespace: str = ""  # the first key segment, without a leading `-`


# --- the files ----------------------------------------------------------------------------------------------


def export_files(
    dirs: ConfigDirs, *, mask: bool = False, reader: Reader | None = None
) -> tuple[list[ExportFile], list[str]]:
    """The files of the config directory that wins, named as flat ConfigMap keys.

    `services/tasks.conf` becomes `services.tasks.conf`: the server derives the same key prefix from both
    names (the dot in the name is a key separator), but reads both from one directory then (see _flattened).
    """
    reader = reader if reader is not None else Reader()
    directory = dirs.write_dir
    warnings = [
        f"{other} also holds configuration files; only {directory} is exported (pass -c DIR to choose)"
        for other in dirs.dirs[:-1]
        if discover(other)
    ]
    files = []
    trees: dict[str, Any] = {}
    for config_file in discover(directory, by_name=True):
        name = config_file.relative.replace("/", ".")
        if not _CONFIGMAP_KEY.fullmatch(name):
            raise UsageError(
                f"{config_file.relative} cannot be a ConfigMap key (letters, digits, '-', '_' and '.' only)",
                "rename the file",
            )
        document = reader.document(config_file.path)  # never export what the server cannot read
        text = document.text
        trees[config_file.relative] = document.unresolved()
        secret = holds_secrets(trees[config_file.relative], config_file.prefix)
        if mask:
            from ..model.masking import mask_text

            text = mask_text(text, config_file.prefix)
        files.append(ExportFile(name, text, secret, config_file.namespace.lstrip("-")))
    if not files:
        raise UsageError(f"{directory} has no configuration files to export", "clearml-cfg init creates them")
    names = [f.name for f in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two files would both be named {duplicates[0]} in Kubernetes", "merge them into one file")
    return files, warnings + _flattened(trees)


def _flattened(trees: dict[str, Any]) -> list[str]:
    """Keys whose winner may change when a subfolder's file joins the others in one flat directory.

    Locally `services/tasks.conf` wins over `tasks` in `services.conf` (SERVER-SEMANTICS §2); as
    `services.tasks.conf` beside `services.conf`, which one wins depends on the order the server lists them.
    """
    warnings = []
    for deeper, deep_tree in trees.items():
        if "/" not in deeper:
            continue
        deep_prefix = file_prefix(deeper)
        deep_leaves = {(*deep_prefix, *p) for p in _leaves(deep_tree)}
        for other, tree in trees.items():
            prefix = file_prefix(other)
            if other == deeper or len(prefix) >= len(deep_prefix) or deep_prefix[: len(prefix)] != prefix:
                continue
            leaves = {(*prefix, *p) for p in _leaves(tree)}
            # a key both set, or one sets a value where the other sets keys inside it
            both = sorted(
                {format_path(a[:i]) for a in deep_leaves for i in range(1, len(a) + 1) if a[:i] in leaves}
                | {format_path(b[:i]) for b in leaves for i in range(1, len(b) + 1) if b[:i] in deep_leaves}
            )
            if both:
                flat = deeper.replace("/", ".")
                warnings.append(
                    f"{other} and {deeper} both set {', '.join(both[:5])}{' and more' if len(both) > 5 else ''}: "
                    f"here {deeper} wins, but in Kubernetes it becomes {flat} beside {other}, and which of the two "
                    "wins depends on the order the server lists them; move each setting into one of the files"
                )
    return warnings


def _leaves(tree: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    elif path:
        yield path


# --- YAML ---------------------------------------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 1 << 16  # never fold long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _verbatim(text: str) -> Any:
    """A YAML scalar that loads back as exactly ``text``: a literal block when it can, else double-quoted
    (a block turns every line break into `\\n`, so a CRLF file needs escapes; it cannot hold control characters,
    U+0085, U+2028 or U+2029 at all, and loading one fails)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    literal = LiteralScalarString(text)
    stream = io.StringIO()
    try:
        _yaml().dump({"x": literal}, stream)
        if YAML(typ="safe").load(stream.getvalue())["x"] == text:
            return literal
    except YAMLError:
        pass
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
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    if component not in COMPONENTS:
        raise UsageError(f"unknown component {component!r}", f"use one of {', '.join(COMPONENTS)}")
    kube.check_object_name(name)
    if namespace is not None:
        kube.check_namespace(namespace)
    reader = Reader()  # every file read once, whatever the format needs
    if fmt in ("helm", "k8s-secret", "k8s-configmap"):
        exported = _file_format(dirs, env, fmt, component, name, namespace, fileserver_configs, mask, reader)
    elif fmt == "json":
        exported = _json(dirs, env, component, mask, reader)
    else:
        exported = _variable_format(dirs, env, fmt, component, mask, reader)
    if mask and exported.secret:
        exported.notes.append("secrets are masked: write the real values to a file with -o FILE, or --show-secrets")
    return exported


def _json(dirs: ConfigDirs, env: Mapping[str, str], component: str, mask: bool, reader: Reader) -> Exported:
    """The files' merged tree; one server's part of it with --component (as the variable formats split it)."""
    from ..model.values import to_json

    tree = {
        key: value for key, value in FilesView(dirs, env, reader).merged().items() if reads(component, key.lstrip("-"))
    }
    notes = []
    paths, names = from_environment(dirs, env, reader)
    baked = sorted({format_path(p) for p in paths if reads(component, str(p[0]).lstrip("-"))})
    if baked:
        notes.append(
            f"{', '.join(baked[:5])}{' and more' if len(baked) > 5 else ''}: values that substitutions "
            f"({', '.join('${' + n + '}' for n in names)}) took from this machine's environment"
        )
    return Exported(to_json(schema.masked(tree) if mask else tree), holds_secrets(tree), notes)


def _variable_format(
    dirs: ConfigDirs, env: Mapping[str, str], fmt: str, component: str, mask: bool, reader: Reader
) -> Exported:
    exported = export_variables(dirs, env, component, mask=mask, reader=reader)
    variables = exported.variables
    secret = any(v.secret for v in variables)
    notes = list(exported.notes)
    if fmt == "env":
        bad = [v.name for v in variables if not is_shell_name(v.name)]
        if bad:
            raise UsageError(
                f"{bad[0]} is not a name a shell accepts", "use --format compose or helm-env, which accept it"
            )
        import shlex

        return Exported("".join(f"{v.name}={shlex.quote(v.value)}\n" for v in variables), secret, notes)
    if fmt == "compose":
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        block = {v.name: DoubleQuotedScalarString(v.value.replace("$", "$$")) for v in variables}
        notes.append("paste under `environment:` of the apiserver (and fileserver) service; `$$` is a literal `$`")
        return Exported(dump_yaml({"environment": block}) if block else "environment: {}\n", secret, notes)
    if any("$" in v.value for v in variables):
        notes.append("`$$` is a literal `$`: Kubernetes expands $(VAR) in env values")
    warnings = [_extra_envs_warning([v.name for v in variables if v.secret], "extraEnvs")] if secret else []
    return Exported(_helm_env(variables, component), secret, notes, warnings)


def _extra_envs_warning(names: list[str], where: str) -> str:
    """The chart writes extraEnvs into the Deployment as plain values: anyone who can read it reads them."""
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (
        f"{shown} carr{'ies' if len(names) == 1 else 'y'} passwords or secrets, and the chart puts {where} into the "
        "Deployment as plain values, readable by anyone who can read the namespace: keep them in a Kubernetes "
        "Secret and reference it with valueFrom.secretKeyRef instead"
    )


def _entries(variables: list[Variable]) -> list[dict[str, str]]:
    return [{"name": v.name, "value": kube.env_value(v.value)} for v in variables]


def _helm_env(variables: list[Variable], component: str) -> str:
    values: dict[str, Any] = {}
    for server in ("apiserver", "fileserver"):
        if component in ("all", server):
            values[server] = {"extraEnvs": _entries([v for v in variables if reads(server, _namespace(v.path))])}
    return dump_yaml(values)


def _namespace(path: KeyPath) -> str:
    return str(path[0]).lstrip("-")


def _file_format(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    fmt: str,
    component: str,
    name: str,
    namespace: str | None,
    fileserver_configs: bool,
    mask: bool,
    reader: Reader,
) -> Exported:
    files, warnings = export_files(dirs, mask=mask, reader=reader)
    secret = any(f.secret for f in files)
    notes: list[str] = []
    if fmt == "helm":
        return _helm(dirs, env, files, component, fileserver_configs, mask, warnings, reader)
    if fmt == "k8s-configmap":
        _refuse_server_secrets(files, "a ConfigMap")
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


def _refuse_server_secrets(files: list[ExportFile], where: str) -> None:
    """secure.conf holds the keys that sign every token and session of the server: it goes into a Kubernetes
    Secret, never into a ConfigMap (readable by whoever can read the namespace), whatever else the format does."""
    holding = [f.name for f in files if f.namespace == "secure"]
    if holding:
        raise UsageError(
            f"{', '.join(holding)} hold{'s' if len(holding) == 1 else ''} the server's own secrets, and this format "
            f"would put {'it' if len(holding) == 1 else 'them'} into {where} "
            "readable by anyone who can read the namespace",
            "export --format k8s-secret --name NAME instead, kubectl apply it, and set "
            "apiserver.existingAdditionalConfigsSecret=NAME: the chart then mounts every file from that Secret",
        )


def _helm(
    dirs: ConfigDirs,
    env: Mapping[str, str],
    files: list[ExportFile],
    component: str,
    fileserver_configs: bool,
    mask: bool,
    warnings: list[str],
    reader: Reader,
) -> Exported:
    values: dict[str, Any] = {}
    notes: list[str] = []
    mounted: list[ExportFile] = []  # what goes into additionalConfigs
    secret = False
    theirs = [f for f in files if f.namespace in FILESERVER_NAMESPACES]  # the file server reads no other file
    in_configmaps = [*(files if component in ("all", "apiserver") else []), *(theirs if fileserver_configs else [])]
    _refuse_server_secrets(in_configmaps, "additionalConfigs, which the chart puts into a ConfigMap,")
    if component in ("all", "apiserver"):
        values["apiserver"] = {"additionalConfigs": {f.name: _verbatim(f.text) for f in files}}
        mounted += files
    if component in ("all", "fileserver"):
        if fileserver_configs:
            values["fileserver"] = {"additionalConfigs": {f.name: _verbatim(f.text) for f in theirs}}
            mounted += [f for f in theirs if f not in mounted]
            warnings.append(
                "the official chart (clearml 7.14.4) has no fileserver.additionalConfigs: check that yours does, "
                "or leave out --fileserver-configs to send the file server its settings as variables"
            )
        else:
            exported = export_variables(
                dirs,
                env,
                "fileserver",
                mask=mask,
                skip_unsettable=True,
                refusal_hint="--fileserver-configs sends the file server the files instead, for a chart that has "
                "fileserver.additionalConfigs",
                reader=reader,
            )
            values["fileserver"] = {"extraEnvs": _entries(exported.variables)}
            secret = any(v.secret for v in exported.variables)
            if secret:
                warnings.append(
                    _extra_envs_warning([v.name for v in exported.variables if v.secret], "fileserver.extraEnvs")
                )
            notes += exported.notes
            notes.append(
                "the file server's settings go as fileserver.extraEnvs: the chart has no "
                "fileserver.additionalConfigs (--fileserver-configs if yours does)"
            )
            if exported.skipped:
                shown = ", ".join(format_path(p) for p in exported.skipped[:5])
                more = f" and {len(exported.skipped) - 5} more" if len(exported.skipped) > 5 else ""
                warnings.append(
                    f"fileserver.extraEnvs leaves out {shown}{more}: no environment variable can set them (the server "
                    "lower-cases variable names), so the file server keeps its defaults there; --fileserver-configs "
                    "sends it the files instead, for a chart that has fileserver.additionalConfigs"
                )
    secret = secret or any(f.secret for f in mounted)
    holding = [f.name for f in mounted if f.secret]
    if holding:
        warnings.append(
            f"{', '.join(holding)} hold{'s' if len(holding) == 1 else ''} passwords or secrets, and the chart puts "
            "additionalConfigs into a ConfigMap, readable by anyone who can read the namespace: export "
            "--format k8s-secret instead and set apiserver.existingAdditionalConfigsSecret to its name"
        )
    for exported_file in mounted:
        problem = kube.chart_block_problem(exported_file.text)
        if problem:
            warnings.append(
                f"{exported_file.name}: {problem}, so `helm upgrade` fails to render the ConfigMap; remove the "
                "extra indentation of the first line, or export --format k8s-secret and set "
                "apiserver.existingAdditionalConfigsSecret (Kubernetes mounts those as they are)"
                if problem.startswith("its first line")
                else f"{exported_file.name}: {problem}, so `helm upgrade` fails to render the ConfigMap; export "
                "--format k8s-secret and set apiserver.existingAdditionalConfigsSecret (Kubernetes mounts those "
                "as they are)"
            )
    if any("$" in entry["value"] for entry in values.get("fileserver", {}).get("extraEnvs", [])):
        notes.append("`$$` is a literal `$` in fileserver.extraEnvs: Kubernetes expands $(VAR) in env values")
    notes.append("apply with: helm upgrade clearml clearml/clearml --reuse-values -f FILE")
    return Exported(dump_yaml(values), secret, notes, warnings)


# --- import -------------------------------------------------------------------------------------------------


def helm_values(text: str, source: str) -> dict[str, Any]:
    """A Helm values file, loaded (a ConfigReadError when it is not a YAML mapping)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        values = YAML(typ="safe").load(text)
    except YAMLError as e:
        raise ConfigReadError(f"{source} is not valid YAML: {' '.join(str(e).split())}", "check the file") from None
    if not isinstance(values, dict):
        raise ConfigReadError(f"{source} is not a Helm values mapping", "pass the values.yaml of the chart release")
    return values


def additional_configs(values: dict[str, Any], section: str, source: str) -> tuple[dict[str, str], list[str]]:
    """The `.conf` files of ``section``.additionalConfigs, and notes on the entries the server ignores."""
    part = values.get(section) or {}
    if not isinstance(part, dict):
        return {}, []
    configs = part.get("additionalConfigs") or {}
    if not isinstance(configs, dict):
        raise ConfigReadError(f"{source}: {section}.additionalConfigs must be a mapping of file name to text")
    files: dict[str, str] = {}
    notes: list[str] = []
    for name, content in configs.items():
        where = f"{source}: {section}.additionalConfigs[{name!r}]"
        if not isinstance(name, str) or not _CONFIGMAP_KEY.fullmatch(name) or name.startswith("."):
            raise ConfigReadError(f"{where}: not a file name clearml-cfg can write")
        if not isinstance(content, str):
            raise ConfigReadError(f"{where}: the content must be text")
        if not name.endswith(".conf"):
            notes.append(
                f"{section}.additionalConfigs[{name!r}] is not a .conf file: the server ignores it, so it was skipped"
            )
            continue
        files[name] = content
    return files, notes


def extra_envs(values: dict[str, Any], section: str, source: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The variables ``section``.extraEnvs puts into the container, as the container gets them (Kubernetes
    expands `$$` and `$(NAME)`), and notes on the entries whose value is not in the file (`valueFrom`)."""
    part = values.get(section) or {}
    entries = part.get("extraEnvs") if isinstance(part, dict) else None
    if not entries:
        return [], []
    if not isinstance(entries, list):
        raise ConfigReadError(f"{source}: {section}.extraEnvs must be a list of {{name, value}}")
    found: list[tuple[str, str]] = []
    notes: list[str] = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise ConfigReadError(f"{source}: {section}.extraEnvs[{index}] has no name")
        value = entry.get("value")
        if value is None:
            if "valueFrom" in entry:
                notes.append(f"{section}.extraEnvs {name} takes its value from the cluster (valueFrom): left out")
                continue
            value = ""
        found.append((name, kube.expand_env_value(str(value), dict(found))))
    return found, notes


def files_from_helm(text: str, source: str, component: str) -> tuple[dict[str, str], list[str]]:
    """The `additionalConfigs` files of a Helm values file, and notes on what is not imported."""
    values = helm_values(text, source)
    files: dict[str, str] = {}
    notes: list[str] = []
    sections = ["apiserver", "fileserver"] if component == "all" else [component]
    for section in sections:
        configs, skipped = additional_configs(values, section, source)
        notes += skipped
        for name, content in configs.items():
            if name in files and files[name] != content:
                raise ConfigReadError(
                    f"{source}: {section}.additionalConfigs[{name!r}]: differs from apiserver.additionalConfigs"
                    f"[{name!r}]",
                    "keep one of the two",
                )
            files[name] = content
        part = values.get(section) or {}
        extra = part.get("extraEnvs") if isinstance(part, dict) else None
        if isinstance(extra, list) and extra:
            notes.append(
                f"{section}.extraEnvs sets {len(extra)} variable(s), not imported: "
                "on the cluster they override the files"
            )
    if not files:
        raise UsageError(f"{source} has no additionalConfigs files to import", "export one with --format helm first")
    return files, notes


def import_helm(options: Options, source: Path, component: str, *, force: bool) -> Outcome:
    """Write the `additionalConfigs` files of a Helm values file into the config directory that wins."""
    from ..io.reading import parse_document

    hint = "pass the values file of the release (helm get values ...)"
    try:
        data, _ = read_regular(source, what="Helm values file", hint=hint)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"{source} does not exist", hint) from None
    except UnicodeDecodeError as e:
        raise ConfigReadError(f"cannot read {source}: not UTF-8 text (at byte {e.start})", hint) from None
    files, notes = files_from_helm(text, str(source), component)
    outcome = Outcome(notes=notes)
    directory = options.dirs.write_dir
    # a name as export flattened it goes back into the file it came from: services.tasks.conf -> services/tasks.conf
    nested = {f.relative.replace("/", "."): f.relative for f in discover(directory) if "/" in f.relative}
    conflicts = []
    with options.transaction() as tx:
        tx.lock(directory)
        rules = Rules(options.snapshot(tx.reader), None)  # whole files: the whole configuration is judged
        for name, content in files.items():
            relative = name if (directory / name).exists() else nested.get(name, name)
            check_file_name(relative)
            target = directory / relative
            document = parse_document(target, content)  # a file the server could not read is not imported
            unreadable = False
            try:
                existing: str | None = read_text(target)
            except FileNotFoundError:
                existing = None
            except ConfigReadError:
                existing, unreadable = None, True  # unreadable or broken: replaced only with --force
            if existing == content:
                continue
            if (existing is not None or unreadable) and not force:
                conflicts.append(relative)
                continue
            secret = holds_secrets(document.to_dict(resolve=False), file_prefix(relative))
            tx.replace_text(target, content, secret=secret)
        if conflicts:
            raise UsageError(
                f"{', '.join(conflicts)} already exist{'s' if len(conflicts) == 1 else ''} in {directory} "
                "with other content",
                "--force replaces them (keeping NAME.conf.bak); clearml-cfg export shows what you have",
            )
        outcome.warnings.extend(rules.verdict(force=force))
        outcome.changes = tx.commit()
    return outcome
