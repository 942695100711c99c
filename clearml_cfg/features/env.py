"""env: the CLEARML__ variable that sets a key, and an assignment of it that the server reads back exactly."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..hocon import HoconEditError, KeyPath, format_path, strict_equal
from ..model.env_names import ENV_PREFIXES, env_key, env_name, miscased_prefix
from ..model.keys import MISSING, lookup
from ..views.environment import EnvOverride, env_text, parse_env_value
from .common import Options


@dataclass(frozen=True)
class Assignment:
    """``NAME=value`` for a shell and for docker-compose, checked to give the server back the value meant."""

    key: KeyPath
    name: str
    text: str  # the value as the variable holds it

    @property
    def shell(self) -> str:
        return f"{self.name}={shlex.quote(self.text)}"

    @property
    def compose(self) -> str:
        """The line of a docker-compose ``environment:`` block (``$`` doubled: compose interpolates it)."""
        return f"{self.name}: {json.dumps(self.text.replace('$', '$$'), ensure_ascii=False)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": format_path(self.key),
            "name": self.name,
            "value": self.text,
            "shell": self.shell,
            "compose": self.compose,
        }


def variable_for(path: KeyPath) -> str:
    """The variable that sets ``path``; UsageError when no variable can."""
    return env_name(path)


def assignment(path: KeyPath, value: Any, typed: str) -> Assignment:
    """The variable set to the text that the server parses back to ``value`` (``typed`` is what the user typed,
    for the message when no text can)."""
    name = env_name(path)
    key = ".".join(str(s) for s in path)
    try:
        text = env_text(value, name, key)
    except HoconEditError as e:  # a value HOCON cannot write at all (an empty key)
        raise UsageError(
            f"{typed!r} cannot be passed through {name}: {e}",
            "pass it as text with --type string, or change it so that HOCON can write it",
        ) from None
    read_back = lookup(parse_env_value(EnvOverride(name, key, text)), path, MISSING)
    if read_back is MISSING or not strict_equal(read_back, value):
        raise UsageError(
            f"{typed!r} cannot be passed through {name} so that the server reads it back", "use clearml-cfg set"
        )
    return Assignment(path, name, text)


def key_of(name: str) -> str:
    """The key a variable sets, as the server computes it; UsageError when the server would ignore or refuse it."""
    prefix = miscased_prefix(name)
    if prefix is not None:
        raise UsageError(
            f"the server ignores {name}: the prefix must be exactly {prefix}",
            f"rename it to {prefix}{name[len(prefix) :]}",
        )
    if name in ENV_PREFIXES:
        raise UsageError(
            f"{name} alone sets an empty key: the server cannot parse it and fails to start", f"unset {name}"
        )
    key = env_key(name)
    if key is None:
        raise UsageError(f"{name} is not an override: those start with CLEARML__ or TRAINS__")
    return key


def written_in(options: Options, path: KeyPath) -> list[str]:
    """Where the configuration files set ``path`` (``file:line``): a variable for it overrides each of them."""
    several = len(options.dirs.dirs) > 1
    places = []
    for loaded, inner in options.snapshot().files.definitions(path):
        location = loaded.document.locate(inner)
        where = str(loaded.file.path) if several else loaded.file.relative
        places.append(f"{where}:{location.line}" if location else where)
    return places
