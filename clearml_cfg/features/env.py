"""env: the CLEARML__ variable that sets a key, and an assignment of it that the server reads back exactly."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..hocon import HoconEditError, KeyPath, format_path, strict_equal
from ..model.env_names import ENV_PREFIXES, env_key, env_name, is_shell_name, miscased_prefix
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
    def exportable(self) -> bool:
        """Whether a shell can hold the variable: bash refuses `CLEARML__APISERVER__-CORS` ("not a valid
        identifier"); only ``env``, docker-compose or Kubernetes can pass such a name to the server."""
        return is_shell_name(self.name)

    @property
    def shell(self) -> str:
        """``NAME='value'`` (for ``export``, or before a command); ``env 'NAME=value'`` (before a command) for a
        name no shell variable can have."""
        if self.exportable:
            return f"{self.name}={shlex.quote(self.text)}"
        return f"env {shlex.quote(f'{self.name}={self.text}')}"

    @property
    def compose(self) -> str:
        """The line of a docker-compose ``environment:`` block (``$`` doubled: compose interpolates it), in a
        double-quoted YAML string that escapes what YAML cannot hold raw (DEL, C1 controls)."""
        return f"{self.name}: {yaml_quoted(self.text.replace('$', '$$'))}"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": format_path(self.key),
            "name": self.name,
            "value": self.text,
            "shell": self.shell,
            "exportable": self.exportable,
            "compose": self.compose,
        }


def yaml_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar: JSON's escapes, and ``\\uXXXX`` for every character YAML does not
    allow in a stream (DEL, C1 controls, surrogates, U+FFFE/U+FFFF), which JSON leaves raw, and for the line breaks
    YAML would fold into a blank (U+0085, U+2028, U+2029)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(c if _yaml_printable(c) else f"\\u{ord(c):04x}" for c in quoted)


def _yaml_printable(char: str) -> bool:
    code = ord(char)
    return (
        0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    )


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
