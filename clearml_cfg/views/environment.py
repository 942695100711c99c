"""``CLEARML__``/``TRAINS__`` variables as the server reads them (SERVER-SEMANTICS §4): their order, the key each
sets, the value pyhocon parses from it; and the variables that touch one section laid over the files' tree.

``show --effective`` computes the whole configuration with defaults and origins; a command that reads a few keys
(the users commands read ``apiserver.auth``) needs only the variables that touch them (``apply``). Without such a
variable nothing here costs more than a scan of the variable names, and pyhocon is not imported.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..hocon import Document, HoconError, KeyPath, strict_equal
from ..model.env_names import ENV_PREFIXES, miscased_prefix
from ..model.keys import MISSING, lookup
from ..model.merge import on_the_way
from ..model.schema import MASK, secret_at_or_above, value_secrets
from .server_reading import guarded_includes, plain, short_message


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

    def variable(self, path: KeyPath) -> str | None:
        """The variable whose value the server reads at ``path`` (set, replaced or removed by it); None: the files."""
        node: Any = self.origins
        for segment in path:
            if isinstance(node, str):
                return node  # a variable replaced a parent with something that is not an object
            if not isinstance(node, dict) or segment not in node:
                node = MISSING
                break
            node = node[segment]
        if isinstance(node, str):
            return node
        if node is not MISSING and not isinstance(node, dict):
            return None  # a leaf from the files
        if strict_equal(lookup(self.files, path, MISSING), lookup(self.tree, path, MISSING)):
            return None
        # Gone, or an object some of whose keys changed: the last variable set at or above it decides.
        for variable in reversed(self.variables):
            key = tuple(segment.lstrip("-") for segment in variable.key)
            if path[: len(key)] == key:
                return variable.name
        return None

    def value(self, path: KeyPath, default: Any = None) -> Any:
        found = lookup(self.tree, path, MISSING)
        return default if found is MISSING else found


def touching(env: Mapping[str, str], section: KeyPath) -> list[Variable]:
    """The variables, in the server's order, that can change ``section``: whose key is ``section``, above it or
    below it, or whose `-key` replaces (in the variables' own tree) a section above it."""
    if not any(name.startswith(ENV_PREFIXES) for name in env):
        return []

    found = []
    for override in env_overrides(env):
        key = tuple(override.key.split("."))
        bare = tuple(segment.lstrip("-") for segment in key)
        common = min(len(bare), len(section))
        dashed = any(
            segment.startswith("-") and bare[: depth + 1] == section[: depth + 1] for depth, segment in enumerate(key)
        )
        if bare[:common] == section[:common] or dashed:
            found.append(Variable(override.variable, key))
    return found


def apply(files: dict[str, Any], env: Mapping[str, str], section: KeyPath) -> Overridden | None:
    """The variables touching ``section`` applied over ``files`` (not changed), as the server applies them: merged
    with each other first, then over the files (SERVER-SEMANTICS §4); None when there are none."""
    variables = touching(env, section)
    if not variables:
        return None
    from ..model.merge import EmptyKey, merge

    env_tree: dict[str, Any] = {}
    env_origins: dict[str, Any] = {}
    result = Overridden(files, copy.deepcopy(files), _shape(files, None), [])
    for variable in variables:
        text = env[variable.name]
        try:
            layer = parse_env_value(EnvOverride(variable.name, ".".join(variable.key), text))
        except Exception:  # pyhocon raises many kinds; the server fails to start on any of them
            result.unreadable.append(variable.name)
            continue
        if not isinstance(layer, dict):
            continue
        merge(env_tree, layer, dash_rule=True)
        merge(env_origins, _shape(layer, variable.name), dash_rule=True)
        result.variables.append(variable)
    try:
        merge(result.tree, env_tree, dash_rule=True, copies=True)
    except EmptyKey:  # a `-` alone became an empty key among the variables: the server fails on them
        result.unreadable.extend(v.name for v in result.variables if "-" in v.key)
        result.tree = copy.deepcopy(files)
        return result
    merge(result.origins, env_origins, dash_rule=True)
    return result


def _shape(tree: Any, leaf: str | None) -> Any:
    """``tree`` with every value that is not a non-empty object replaced by ``leaf``."""
    if isinstance(tree, dict) and tree:
        return {key: _shape(value, leaf) for key, value in tree.items()}
    return leaf


@dataclass(frozen=True)
class EnvOverride:
    variable: str
    key: str
    value: str


def env_overrides(env: Mapping[str, str]) -> list[EnvOverride]:
    """The overrides in the order the server applies them: TRAINS__ then CLEARML__, each sorted by name.

    Every name that starts with the prefix counts, `CLEARML__` alone too (its key is empty: the server fails)."""
    found = []
    for prefix in ENV_PREFIXES:
        for name in sorted(n for n in env if n.startswith(prefix)):
            key = name[len(prefix) :].replace("__", ".").lower()
            found.append(EnvOverride(name, key, env[name]))
    return found


def overrides_along(env: Mapping[str, str], along: Sequence[KeyPath] | None) -> list[EnvOverride]:
    """The overrides that set a key on the way to one of ``along`` (every one when None), their values read
    ahead (``read_env_values``) for ``parse_env_value``."""
    found = [
        override
        for override in env_overrides(env)
        if along is None or any(on_the_way(tuple(override.key.split(".")), path) for path in along)
    ]
    read_env_values((override.key, override.value) for override in found)
    return found


_FAILED = "the server cannot parse it and fails to start"


def env_name_problem(override: EnvOverride) -> tuple[str, str] | None:
    """When the variable's name cannot make a key the server can parse: what is wrong, and the hint."""
    if not override.key:
        return f"a variable named only by the prefix sets an empty key: {_FAILED}", f"unset {override.variable}"
    try:
        parse_env_value(EnvOverride(override.variable, override.key, "null"))
    except Exception:
        return (
            f"the name makes the key {override.key!r}: {_FAILED}",
            "rename or unset the variable: write the key's parts in capitals, letters, digits and _ only, joined by __",
        )
    return None


def env_problem(override: EnvOverride, error: Exception) -> tuple[str, str]:
    """Why the server cannot parse an override, as a message and a hint: is it the name or the value?

    The value of a secret key (or one holding a URL password, a token) is never repeated: not in the message,
    not in pyhocon's own words, not in the quoted example of the hint."""
    failed = _FAILED
    named = env_name_problem(override)
    secret = _secret_value(override)
    value = f"'{MASK}'" if secret else repr(override.value)
    reason = short_message(error)
    if secret and override.value:
        reason = reason.replace(override.value, MASK)
    if named is not None and not override.key:
        return f"{override.variable}={value}: {named[0]}", named[1]
    if named is not None:
        return f"{override.variable}: {named[0]} ({reason})", named[1]
    example = (
        f"{override.variable}='\"{MASK}\"' with the value inside the double quotes"
        if secret
        else (f"{override.variable}={_quoted(override.value)}")
    )
    return (
        f"{override.variable}={value}: {failed} ({reason})",
        f"quote the value, e.g. {example} (clearml-cfg env KEY --value-stdin writes it), or unset it",
    )


def _secret_value(override: EnvOverride) -> bool:
    path = tuple(override.key.split("."))
    return secret_at_or_above(path) or bool(value_secrets(override.value))


def ignored_env(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """Variables meant as overrides that the server ignores (prefix in the wrong case), with the right prefix."""
    return sorted((name, prefix) for name in env if (prefix := miscased_prefix(name)))


def parse_env_value(override: EnvOverride) -> Any:
    """What the server makes of one override: pyhocon parses `key: value` (raises when it cannot).

    pyhocon builds its whole grammar for every text it parses (milliseconds each): a command that reads many
    variables reads them once (``read_env_values`` in one parse where that is exact), and each again from here.
    """
    pair = (override.key, override.value)
    if not _pure(*pair):
        return _parse_one(*pair)
    found = _READ.get(pair)
    if found is None:
        try:
            found = _Read(_parse_one(*pair), None)
        except Exception as e:
            found = _Read(None, e)
        _READ[pair] = found
    if found.error is not None:
        raise found.error
    return copy.deepcopy(found.value)


def read_env_values(pairs: Iterable[tuple[str, str]]) -> None:
    """Read many ``(key, value)`` texts ahead, in as few pyhocon parses as exactness allows.

    pyhocon parses `key: value` on its own for the server. Here the texts go one a line into one document, each
    key under a marker of its own (`_clearml_cfg_3.key: value`), and each marker's subtree is what the text
    alone gives: only for texts that cannot reach into another line (``_batchable``), and only when the marker
    keys come back exactly, else the batch is split in two and read again. A text that fails alone is left to
    ``parse_env_value``, which then reads it alone, as is one that our own reading refuses.
    """
    todo = [pair for pair in dict.fromkeys(pairs) if pair not in _READ and _batchable(*pair) and _readable(*pair)]
    if len(todo) > 1:
        _read_batch(todo)


class _Read(NamedTuple):
    value: Any
    error: Exception | None


_READ: dict[tuple[str, str], _Read] = {}
_MARKER = "_clearml_cfg_"
_PLAIN_KEY = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")


def _parse_one(key: str, value: str) -> Any:
    with guarded_includes() as factory:
        return plain(factory.parse_string(f"{key}: {value}"))


def _pure(key: str, value: str) -> bool:
    """The same text always reads the same: no `${...}` (the environment) and no `include` (files)."""
    return "$" not in key + value and "include" not in (key + value).lower()


def _batchable(key: str, value: str) -> bool:
    """A text that reads the same on a line of a larger document as alone: a plain key; a value on one line, with
    no tab (pyparsing expands tabs by column), no blank or backslash at either end (pyhocon's number pattern looks
    ahead to the end of the text, a continuation joins the next line), not a comment alone (`key:` takes the
    next line as its value), no triple quotes (they span lines)."""
    stripped = value.strip(" ")
    return (
        _pure(key, value)
        and bool(_PLAIN_KEY.fullmatch(key))
        and _MARKER not in value
        and not any(c in value for c in "\n\r\t")
        and bool(stripped)
        and stripped == value
        and not value.endswith("\\")
        and not value.startswith(("#", "//"))
        and '"""' not in value
    )


def _readable(key: str, value: str) -> bool:
    """Whether our own reading accepts the text: one the server's would refuse (`a,b`, `********`) is read alone,
    rather than failing a whole batch (ours only picks the texts; pyhocon reads them)."""
    try:
        Document(f"{key}: {value}").unresolved()
    except HoconError:
        return False
    return True


def _read_batch(pairs: list[tuple[str, str]]) -> None:
    from pyhocon.config_tree import ConfigTree

    markers = [f"{_MARKER}{index}" for index in range(len(pairs))]
    text = "\n".join(f"{marker}.{key}: {value}" for marker, (key, value) in zip(markers, pairs, strict=True))
    try:
        with guarded_includes() as factory:
            tree = factory.parse_string(text)
        exact = isinstance(tree, ConfigTree) and list(tree.keys()) == markers
        exact = exact and all(isinstance(tree[marker], ConfigTree) for marker in markers)
    except Exception:
        exact = False
    if exact:
        for marker, pair in zip(markers, pairs, strict=True):
            _READ[pair] = _Read(plain(tree[marker]), None)
    elif len(pairs) > 1:
        half = len(pairs) // 2
        _read_batch(pairs[:half])
        _read_batch(pairs[half:])


def env_text(value: Any, name: str, key: str) -> str:
    """A variable's text that the server parses back to exactly ``value``: a string bare when it reads back the
    same (`.example.com`), else quoted (`"007"`, `"http://x/${id}"`); other values as inline HOCON."""
    from ..hocon.render import render_value

    if isinstance(value, str) and value and value.strip() == value:
        try:
            bare = lookup(parse_env_value(EnvOverride(name, key, value)), tuple(key.split(".")))
        except Exception:
            bare = MISSING
        if bare is not MISSING and strict_equal(bare, value):
            return value
    return render_value(value, inline=True)


def _quoted(value: str) -> str:
    """``value`` as a HOCON string, quoted again for a shell."""
    import shlex

    from ..hocon.render import render_value

    return shlex.quote(render_value(value, inline=True))
