"""CLEARML__/TRAINS__ variables: ones the server cannot parse, ones it ignores, and ones that hide a file value.

(Their values are checked like a file's by the other checkers: the context reads each override as a source.)
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

from ...hocon import KeyPath, format_path
from ...model.env_names import env_key
from ...model.schema import MASK, is_secret
from ...views.environment import EnvOverride, env_name_problem, env_text, ignored_env
from .model import Context, Finding, LoadedEnv, LoadedFile, Severity


def check_environment(context: Context) -> Iterator[Finding]:
    for override in context.bad_env:
        yield _unparsable(context, override)
    for loaded in context.envs:
        yield from _shadows(context, loaded)
    for name, prefix in ignored_env(context.env):
        yield Finding(
            "env-miscased-prefix",
            Severity.WARNING,
            f"{name} is ignored by the server: the prefix must be exactly {prefix} (upper-case)",
            f"rename it to {prefix}{name[len(prefix) :]} (it would set {env_key(prefix + name[len(prefix) :])})",
            variable=name,
        )


def _unparsable(context: Context, override: EnvOverride) -> Finding:
    secret = is_secret(tuple(override.key.split("."))) and not context.show_secrets
    shown = MASK if secret else repr(override.value)
    named = env_name_problem(override)  # the name cannot make a key: no quoting of the value helps
    if named is not None:
        return Finding(
            "env-unparsable",
            Severity.ERROR,
            f"{override.variable}={shown}: {named[0]}",
            named[1],
            variable=override.variable,
        )
    if secret:
        hint = "write the value as a quoted HOCON string (clearml-cfg env KEY VALUE writes it right)"
    else:
        # what `clearml-cfg env KEY VALUE` prints: a string the server reads back as exactly this text
        text = env_text(override.value, override.variable, override.key)
        hint = f"quote it: {override.variable}={shlex.quote(text)} (clearml-cfg env KEY VALUE writes it right)"
    return Finding(
        "env-unparsable",
        Severity.ERROR,
        f"{override.variable}={shown}: the server cannot parse this value and fails to start",
        hint,
        variable=override.variable,
    )


def _replaced(loaded: LoadedEnv) -> list[tuple[KeyPath, bool]]:
    """The keys whose value this override replaces: (key, whole) where ``whole`` means everything at or below the
    key (a scalar, a list or a `-key` object), and not ``whole`` means only a non-object value at the key (an
    object deep-merges into an object: it hides nothing there)."""
    found: list[tuple[KeyPath, bool]] = []

    def visit(node: Any, inner: KeyPath, dashed: bool) -> None:
        path = loaded.key(inner)
        if isinstance(node, dict) and not dashed:
            if inner:
                found.append((path, False))
            for key, value in node.items():
                visit(value, (*inner, key), isinstance(key, str) and len(key) > 1 and key.startswith("-"))
        else:
            found.append((path, True))

    visit(loaded.tree, (), False)
    return found


def _hidden_in(loaded: LoadedFile, path: KeyPath, whole: bool) -> list[KeyPath]:
    """The keys of this file (as written) whose value is hidden when ``path`` is replaced."""
    if not whole:
        inner = loaded.written(path)
        return [inner] if inner is not None and not isinstance(loaded.value(inner), dict) else []
    hidden = []
    for key in loaded.keys_under(path):
        inner = loaded.written(key)
        if inner is not None and not isinstance(loaded.value(inner), dict):
            hidden.append(inner)
    return hidden


def _shadows(context: Context, env: LoadedEnv) -> Iterator[Finding]:
    for path, whole in _replaced(env):
        for loaded in reversed(context.files):  # the file that wins among the files
            hidden = _hidden_in(loaded, path, whole)
            if not hidden:
                continue
            inner = min(hidden, key=lambda key: _offset(loaded, key))
            yield loaded.finding(
                inner,
                "env-shadows-file",
                Severity.INFO,
                f"{env.variable} overrides {format_path(path)} as written in {loaded.shown(inner)}",
                "the file's value has no effect while the variable is set (clearml-cfg explain shows the layers)",
            )
            break


def _offset(loaded: LoadedFile, inner: KeyPath) -> int:
    location = loaded.locate(inner)
    return location.offset if location else 0
