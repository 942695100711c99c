"""CLEARML__/TRAINS__ variable names and the keys they set (SERVER-SEMANTICS §4)."""

from __future__ import annotations

import re

from ..errors import UsageError
from ..hocon import KeyPath, format_path

ENV_PREFIXES = ("TRAINS__", "CLEARML__")  # applied in this order: CLEARML__ wins


_SHELL_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def env_key(name: str) -> str | None:
    """The dotted key a variable sets, as the server computes it; None when the name has no exact prefix."""
    for prefix in ENV_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :].replace("__", ".").lower()
    return None


def miscased_prefix(name: str) -> str | None:
    """The intended prefix when ``name`` has it in the wrong case (`clearml__x`): the server ignores those."""
    upper = name.upper()
    for prefix in ENV_PREFIXES:
        if upper.startswith(prefix) and not name.startswith(prefix) and len(name) > len(prefix):
            return prefix
    return None


def env_name(path: KeyPath, prefix: str = "CLEARML__") -> str:
    """The variable that sets ``path``; UsageError when no variable can (capitals, quoting, list indexes)."""
    shown = format_path(path)
    if any(isinstance(segment, int) for segment in path):
        raise UsageError(f"{shown}: a list element cannot be set by an environment variable", "set the whole list")
    segments = [str(segment) for segment in path]
    for segment in segments:
        if segment != segment.lower():
            raise UsageError(
                f"{shown} cannot be set by an environment variable: the server lower-cases variable names, "
                f"so {segment!r} would become {segment.lower()!r}",
                "set it in a configuration file instead (clearml-cfg set)",
            )
        if "." in segment or not re.fullmatch(r"[a-z0-9_-]+", segment):
            raise UsageError(
                f"{shown} cannot be set by an environment variable: "
                f"{segment!r} has characters a variable name cannot carry",
                "set it in a configuration file instead (clearml-cfg set)",
            )
    name = prefix + "__".join(segment.upper() for segment in segments)
    if env_key(name) != ".".join(segments):
        raise UsageError(
            f"{shown} cannot be set by an environment variable: the server would read {name} as {env_key(name)!r}",
            "set it in a configuration file instead (clearml-cfg set)",
        )
    return name


def is_shell_name(name: str) -> bool:
    return bool(_SHELL_NAME.fullmatch(name))
