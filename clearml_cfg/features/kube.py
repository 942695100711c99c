"""What Kubernetes and the official chart do to what we give them: object names, env values, ConfigMap blocks."""

from __future__ import annotations

import re

from ..errors import UsageError

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def check_object_name(name: str) -> None:
    """metadata.name of a ConfigMap or Secret: a DNS-1123 subdomain, or `kubectl apply` refuses the manifest."""
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        raise UsageError(
            f"--name {name!r} is not a name Kubernetes accepts for a ConfigMap or Secret",
            "use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit "
            "(e.g. clearml-apiserver-configs)",
        )


def check_namespace(namespace: str) -> None:
    """metadata.namespace: a DNS-1123 label."""
    if len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace):
        raise UsageError(
            f"--namespace {namespace!r} is not a Kubernetes namespace name",
            "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit "
            "(e.g. clearml)",
        )


def env_value(text: str) -> str:
    """An env value for a container spec: Kubernetes expands `$(VAR)` and turns `$$` into `$`, so every `$`
    is doubled to arrive as written."""
    return text.replace("$", "$$")


# --- the chart's ConfigMap: `{{ $key }}: |` then `{{- $val | nindent 4 }}` ------------------------------------


def chart_render(text: str) -> str:
    """The ConfigMap text the chart renders for one additionalConfigs file (sprig's nindent: a line break, then
    every line indented, empty ones too)."""
    return "data:\n  file: |\n    " + text.replace("\n", "\n    ") + "\n"


def chart_block_problem(text: str) -> str | None:
    """Why the chart's template cannot carry ``text`` (its ConfigMap would not load, or would load something
    else), or None. The style of our values file does not matter: Helm hands the template the string."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        loaded = YAML(typ="safe").load(chart_render(text))["data"]["file"]
    except (YAMLError, KeyError, TypeError):
        loaded = None
    # a `|` block keeps one final line break and reads CRLF as LF: those are not changes the server sees
    if isinstance(loaded, str) and loaded.rstrip() == text.replace("\r\n", "\n").rstrip():
        return None
    if _first_line_deeper(text):
        return (
            "its first line is indented more than a later one, and the chart puts each file in a `|` block, "
            "which takes its indentation from the first line"
        )
    return "the chart puts each file in a YAML `|` block, which cannot carry this text"


def _first_line_deeper(text: str) -> bool:
    lines = text.replace("\r\n", "\n").split("\n")
    content = [line for line in lines if line.strip()]
    if not content:
        return False
    first = len(content[0]) - len(content[0].lstrip(" "))
    leading = lines[: lines.index(content[0])]
    return any(len(line) - len(line.lstrip(" ")) < first for line in content[1:]) or any(
        len(line) > first for line in leading
    )


def expand_env_value(text: str, defined: dict[str, str]) -> str:
    """What a container gets from an env value (the inverse of ``env_value``): `$$` is `$`, and `$(NAME)` the
    value of NAME when a variable of that name comes before it in the list; any other `$` stays as written."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("$$", index):
            out.append("$")
            index += 2
            continue
        if text.startswith("$(", index):
            end = text.find(")", index + 2)
            if end != -1:
                name = text[index + 2 : end]
                out.append(defined.get(name, text[index : end + 1]))
                index = end + 1
                continue
        out.append(text[index])
        index += 1
    return "".join(out)
