"""The click classes every command is built with: help that reads well at any terminal width (rendered by
``helptext``, imported only for --help), and old option spellings kept as hidden aliases for one release.

typer 0.26-0.28 vendor click as ``typer._click``; these classes extend typer's own, so nothing else changes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup, TyperOption

from ..console import Console
from ..errors import Message, UsageError


@dataclass(frozen=True)
class Alias:
    """``old`` spellings of the option ``new``, still read for one release with a deprecation warning.

    ``values``: old values and what they are now (``--service api`` became ``--component apiserver``);
    ``sets``: for an old flag that became a value of ``new`` (``--shell`` became ``--format shell``)."""

    old: tuple[str, ...]
    new: str
    values: Mapping[str, str] = field(default_factory=dict)
    sets: str | None = None


class _OldSpelling(TyperOption):
    """A hidden option that hands its value to the option it was renamed to, and says so on stderr."""

    def __init__(self, alias: Alias, target: TyperOption) -> None:
        super().__init__(
            param_decls=[*alias.old, "old_" + alias.old[0].lstrip("-").replace("-", "_")],
            is_flag=target.is_flag or alias.sets is not None or None,
            multiple=target.multiple,
            hidden=True,
            expose_value=False,
        )
        self.alias = alias
        self.target = target

    def handle_parse_result(
        self, ctx: click.Context, opts: Mapping[str, Any], args: list[str]
    ) -> tuple[Any, list[str]]:
        mine, theirs = str(self.name), str(self.target.name)
        if opts.get(mine) is None:  # not given (the parser leaves absent options out)
            return None, args
        old, new = "/".join(self.alias.old), self.alias.new
        if opts.get(theirs) not in (None, ()):
            raise UsageError(f"{old} is the old spelling of {new}: give only {new}", f"see '{ctx.command_path} --help'")
        value = self.alias.sets if self.alias.sets is not None else opts[mine]
        mapped = [self.alias.values.get(v, v) for v in value] if self.multiple else self.alias.values.get(value, value)
        # The parser's own dict: the target, processed after this option, reads the value from there.
        opts[theirs] = mapped  # type: ignore[index]
        old_value = f" {value}" if isinstance(value, str) and value in self.alias.values else ""
        new_value = f" {mapped}" if old_value or self.alias.sets is not None else ""
        Console().warn(
            Message(
                f"{old}{old_value} is deprecated in '{ctx.command_path}' and stops working in the next release",
                f"write {new}{new_value} instead",
            )
        )
        return None, args


def _short_help(text: str | None) -> str | None:
    """The first paragraph of a help text, on one line: what a list of commands and shell completion show."""
    if not text:
        return None
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


class _HelpLayout(click.Command):
    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .helptext import command_help

        formatter.write(command_help(self, ctx))


class Command(_HelpLayout, TyperCommand):
    """A command with our help layout and the old spellings in ``aliases``."""

    aliases: Sequence[Alias] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["short_help"] = kwargs.get("short_help") or _short_help(kwargs.get("help"))
        super().__init__(*args, **kwargs)
        for alias in self.aliases:
            target = next(p for p in self.params if isinstance(p, TyperOption) and alias.new in p.opts)
            self.params.append(_OldSpelling(alias, target))


class Group(_HelpLayout, TyperGroup):
    """A group of commands (the application, `ui-action`) with our help layout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["short_help"] = kwargs.get("short_help") or _short_help(kwargs.get("help"))
        kwargs["suggest_commands"] = False  # app.run suggests the closest command, once
        super().__init__(*args, **kwargs)


def with_aliases(*aliases: Alias) -> type[Command]:
    """The command class that also reads these old spellings."""
    return type("Command", (Command,), {"aliases": aliases})


def add_commands(
    app: typer.Typer, names: Sequence[str], commands: Mapping[str, Callable[..., Any]], **aliases: Sequence[Alias]
) -> None:
    """Register the ``commands`` that are in ``names`` (only the invoked one is built; see ``app``).

    ``aliases``: old spellings by command, the command's name with ``_`` for ``-``."""
    for name, function in commands.items():
        if name in names:
            old = aliases.get(name.replace("-", "_"), ())
            app.command(name, cls=with_aliases(*old) if old else Command)(function)
