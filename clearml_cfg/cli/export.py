"""export and import: the config directory for Helm, Kubernetes, docker-compose and env, and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..console import Console
from ..features.export import COMPONENTS, DEFAULT_NAME, FORMATS, import_helm
from .exporting import export_files
from .options import ConfigDir, DryRun, Json, NoBackup, Quiet, ShowSecrets, make_options
from .report import report


def export_command(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="|".join(FORMATS),
            help="helm: values.yaml fragment (apiserver.additionalConfigs, fileserver.extraEnvs); k8s-secret / "
            "k8s-configmap: a manifest for existingAdditionalConfigs*; env / compose / helm-env: CLEARML__ variables; "
            "json: the merged tree.",
            show_default=False,
        ),
    ],
    component: Annotated[
        str, typer.Option("--component", metavar="|".join(COMPONENTS), help="Which server's configuration.")
    ] = "all",
    name: Annotated[
        str, typer.Option("--name", help="metadata.name of the ConfigMap or Secret (a DNS-1123 subdomain).")
    ] = DEFAULT_NAME,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace", help="metadata.namespace of the ConfigMap or Secret (a DNS-1123 label).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (0600 when it holds secrets).", show_default=False
        ),
    ] = None,
    fileserver_configs: Annotated[
        bool,
        typer.Option(
            "--fileserver-configs",
            help="helm: fileserver.additionalConfigs (for charts that have it; the files the file server reads) "
            "instead of fileserver.extraEnvs.",
        ),
    ] = False,
    config_dir: ConfigDir = None,
    show_secrets: ShowSecrets = False,
    quiet: Quiet = False,
) -> None:
    """The config directory for every deployment: Helm values, Kubernetes manifests, env variables, JSON.

    File formats keep each file's text verbatim (comments included); variable formats write one CLEARML__ variable
    per setting, checked to give the server exactly the configuration the files give it. On a terminal secrets are
    masked; -o FILE or a pipe gets the real values.

    Example: clearml-cfg export --format helm -o clearml-config.yaml
    """
    export_files(
        fmt,
        component,
        name,
        namespace,
        output,
        fileserver_configs,
        config_dir,
        show_secrets=show_secrets,
        quiet=quiet,
    )


def import_command(
    from_helm: Annotated[
        Path,
        typer.Option(
            "--from-helm",
            metavar="VALUES",
            help="A Helm values file (helm get values RELEASE -o yaml).",
            show_default=False,
        ),
    ],
    component: Annotated[
        str, typer.Option("--component", metavar="|".join(COMPONENTS), help="Whose additionalConfigs to import.")
    ] = "all",
    force: Annotated[bool, typer.Option("--force", "-f", help="Replace files that differ (keeping backups).")] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Write the additionalConfigs files of a Helm values file into the config directory, to edit them locally.

    Each file must parse; a file that exists with other content is kept unless --force. Then edit with clearml-cfg
    and export back with --format helm.

    Example: clearml-cfg import --from-helm values.yaml
    """
    if component not in COMPONENTS:
        from ..errors import UsageError

        raise UsageError(f"unknown component {component!r}", f"use one of {', '.join(COMPONENTS)}")
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    outcome = import_helm(options, from_helm, component, force=force)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"export": export_command, "import": import_command}
    for command, function in commands.items():
        if command in names:
            app.command(command)(function)
