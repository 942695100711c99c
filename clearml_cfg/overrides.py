"""``CLEARML__``/``TRAINS__`` variables (SERVER-SEMANTICS §4) laid over the files' merged tree, for one section.

``show --effective`` computes the whole configuration with defaults and origins; a command that reads a few keys
(the users commands read ``apiserver.auth``) needs only the variables that touch them. Without such a variable
nothing here costs more than a scan of the variable names, and pyhocon is not imported.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .hocon import strict_equal
from .hocon.paths import Path
from .keys import ENV_PREFIXES

_MISSING: Any = object()


@dataclass(frozen=True)
class Variable:
    name: str
    key: tuple[str, ...]  # the dotted key the server makes of the name, `-` marks kept


@dataclass
class Overridden:
    """The files' tree with the variables applied, and which variable decides each key they touch."""

    files: dict[str, Any]  # the files' merged tree, as it was
    tree: dict[str, Any]  # with the variables applied
    origins: dict[str, Any]  # the shape of ``tree``: a variable's name at each leaf it set, None where a file did
    variables: list[Variable]
    unreadable: list[str] = field(default_factory=list)  # variables the server cannot parse (it would not start)

    def variable(self, path: Path) -> str | None:
        """The variable whose value the server reads at ``path`` (set, replaced or removed by it); None: the files."""
        node: Any = self.origins
        for segment in path:
            if isinstance(node, str):
                return node  # a variable replaced a parent with something that is not an object
            if not isinstance(node, dict) or segment not in node:
                node = _MISSING
                break
            node = node[segment]
        if isinstance(node, str):
            return node
        if node is not _MISSING and not isinstance(node, dict):
            return None  # a leaf from the files
        if strict_equal(_lookup(self.files, path), _lookup(self.tree, path)):
            return None
        # Gone, or an object some of whose keys changed: the last variable set at or above it decides.
        for variable in reversed(self.variables):
            key = tuple(segment.lstrip("-") for segment in variable.key)
            if path[: len(key)] == key:
                return variable.name
        return None

    def value(self, path: Path, default: Any = None) -> Any:
        found = _lookup(self.tree, path)
        return default if found is _MISSING else found


def touching(env: Mapping[str, str], section: Path) -> list[Variable]:
    """The variables, in the server's order, whose key is ``section``, above it or below it."""
    if not any(name.startswith(ENV_PREFIXES) for name in env):
        return []
    from .effective import env_overrides

    found = []
    for override in env_overrides(env):
        key = tuple(override.key.split("."))
        bare = tuple(segment.lstrip("-") for segment in key)
        common = min(len(bare), len(section))
        if bare[:common] == section[:common]:
            found.append(Variable(override.variable, key))
    return found


def apply(files: dict[str, Any], env: Mapping[str, str], section: Path) -> Overridden | None:
    """The variables touching ``section`` applied over ``files`` (not changed); None when there are none."""
    variables = touching(env, section)
    if not variables:
        return None
    from .effective import EnvOverride, parse_env_value
    from .merge import merge

    tree = copy.deepcopy(files)
    origins = _shape(files, None)
    result = Overridden(files, tree, origins, [])
    for variable in variables:
        text = env[variable.name]
        try:
            layer = parse_env_value(EnvOverride(variable.name, ".".join(variable.key), text))
        except Exception:  # pyhocon raises many kinds; the server fails to start on any of them
            result.unreadable.append(variable.name)
            continue
        if not isinstance(layer, dict):
            continue
        merge(tree, layer, dash_rule=True)
        merge(origins, _shape(layer, variable.name), dash_rule=True)
        result.variables.append(variable)
    return result


def _shape(tree: Any, leaf: str | None) -> Any:
    """``tree`` with every value that is not a non-empty object replaced by ``leaf``."""
    if isinstance(tree, dict) and tree:
        return {key: _shape(value, leaf) for key, value in tree.items()}
    return leaf


def _lookup(tree: Any, path: Path) -> Any:
    node = tree
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return _MISSING
        node = node[segment]
    return node
