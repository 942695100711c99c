"""export and import: the config directory for Helm, Kubernetes, docker-compose and env, and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..console import Console
from ..features.export import COMPONENTS, DEFAULT_NAME, FORMATS, import_helm
from .command import Alias, add_commands
from .exporting import export_files
from .options import Choice, ConfigDir, Create, DryRun, Json, NoBackup, Quiet, ShowSecrets, make_options
from .report import report

Component = Annotated[
    str,
    typer.Option(
        "--component",
        metavar="SERVER",
        click_type=Choice(COMPONENTS),
        help="Which server's configuration: apiserver, fileserver, or all.",
    ),
]


def export_command(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            click_type=Choice(FORMATS),
            help="helm: a values.yaml fragment (apiserver.additionalConfigs, fileserver.extraEnvs); k8s-secret, "
            "k8s-configmap: a manifest for existingAdditionalConfigsSecret or ...ConfigMap; env, compose, "
            "helm-env: CLEARML__ variables for a shell, docker-compose or the chart's extraEnvs; json: the merged "
            "tree.",
            show_default=False,
        ),
    ],
    component: Component = "all",
    name: Annotated[
        str,
        typer.Option("--name", metavar="NAME", help="metadata.name of the ConfigMap or Secret (a DNS-1123 subdomain)."),
    ] = DEFAULT_NAME,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            metavar="NAMESPACE",
            help="metadata.namespace of the ConfigMap or Secret (a DNS-1123 label).",
            show_default=False,
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
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print one JSON document on stdout: {"format", "output", "text", "secret", "warnings", '
            '"notes"} ("text" is null with --output).',
        ),
    ] = False,
) -> None:
    """The config directory as Helm values, manifests or variables.

    File formats keep each file's text verbatim (comments included); variable formats write one CLEARML__ variable per
    setting, checked to give the server exactly the configuration the files give it. On a terminal secrets are masked;
    -o FILE or a pipe gets the real values.

    Example: clearml-cfg export --format helm -o clearml-config.yaml

    Example: clearml-cfg export --format k8s-secret --namespace clearml
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
        json_output=json_output,
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
    component: Component = "all",
    force: Annotated[bool, typer.Option("--force", "-f", help="Replace files that differ (keeping backups).")] = False,
    config_dir: ConfigDir = None,
    dry_run: DryRun = False,
    no_backup: NoBackup = False,
    create: Create = False,
    quiet: Quiet = False,
    show_secrets: ShowSecrets = False,
    json_output: Json = False,
) -> None:
    """Write the files of a Helm values file into the config directory.

    The files are the chart's additionalConfigs, to edit them locally. Each file must parse; a file that exists with
    other content is kept unless --force. Then edit with clearml-cfg and export back with --format helm.

    Example: clearml-cfg import --from-helm values.yaml
    """
    options = make_options(config_dir, dry_run=dry_run, backup=not no_backup, create=create, force=force, quiet=quiet)
    console = Console(quiet=quiet, show_secrets=show_secrets)
    outcome = import_helm(options, from_helm, component, force=force)
    report(console, outcome, dry_run=dry_run, json_output=json_output)


def register(app: typer.Typer, names: list[str]) -> None:
    commands: dict[str, Callable[..., None]] = {"export": export_command, "import": import_command}
    add_commands(app, names, commands, export=[Alias(("-f",), "--format")])
