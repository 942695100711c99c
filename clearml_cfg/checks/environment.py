"""CLEARML__/TRAINS__ variables: ones the server cannot parse, ones it ignores, and ones that hide a file value."""

from __future__ import annotations

from collections.abc import Iterator

from ..effective import Effective, EnvOverride, env_overrides, env_problem, ignored_env, lookup, parse_env_value
from ..keys import env_key
from .effective import _defining
from .model import Context, Finding, Severity


def check_environment(context: Context, effective: Effective | None) -> Iterator[Finding]:
    for override in env_overrides(context.env):
        try:
            tree = parse_env_value(override)
        except Exception as e:
            message, hint = env_problem(override, e)
            yield Finding("env-unparsable", Severity.ERROR, message, hint)
            continue
        yield from _shadows(context, override, tree)
    for name, prefix in ignored_env(context.env):
        yield Finding(
            "env-miscased-prefix",
            Severity.WARNING,
            f"{name} is ignored by the server: the prefix must be exactly {prefix} (upper-case)",
            f"rename it to {prefix}{name[len(prefix) :]} (it would set {env_key(prefix + name[len(prefix) :])})",
        )


def _shadows(context: Context, override: EnvOverride, tree: object) -> Iterator[Finding]:
    path = tuple(override.key.split("."))
    try:
        lookup(tree, path)
    except KeyError:
        return
    where = _defining(context, path)
    if where is None:
        return
    loaded, inner = where
    location = loaded.locate(inner)
    shown = f"{loaded.path}:{location.line}" if location else str(loaded.path)
    yield context.finding_at(
        loaded,
        inner,
        "env-shadows-file",
        Severity.INFO,
        f"{override.variable} overrides {override.key} as written in {shown}",
        "the file's value has no effect while the variable is set (clearml-cfg explain shows the layers)",
    )
