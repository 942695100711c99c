"""`--help` as plain text that reads right at any width from 40 to 100 columns and beyond.

Paragraphs are wrapped to the terminal here (never hard-wrapped in the source), only at spaces: a word is never
split, cut or ended with an ellipsis. Options and arguments are a two-column list that turns into a stacked one
(the help under its option) when the terminal is too narrow for two columns. Every fixed set of choices is
listed, and every ``Example: ...`` paragraph of a docstring goes under Examples, whole, one command a line
(continued with `` \\`` at a space outside quotes when it is longer than the terminal is wide).
"""

from __future__ import annotations

import inspect
import re
import shutil
from collections.abc import Iterator
from enum import Enum

from typer import _click as click
from typer.core import TyperArgument, TyperGroup, TyperOption

MAX_WIDTH = 100  # wider lines are harder to read, whatever the terminal
MIN_WIDTH = 40
TERM_COLUMN = 26  # the widest first column of a two-column list
MIN_HELP_COLUMN = 36  # narrower than this, the help goes under its option
EXAMPLE = "Example:"


def text_width() -> int:
    """Characters a line may hold: the terminal's width (COLUMNS first) less one, between the bounds."""
    columns = shutil.get_terminal_size().columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH)) - 1


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """Greedy wrapping at whitespace only; a word longer than the line stands alone on its own line."""
    rest = indent if subsequent is None else subsequent
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else (rest if lines else indent) + word
    if line:
        lines.append(line)
    return lines


def split_help(text: str) -> tuple[list[str], list[str]]:
    """A docstring's paragraphs and its examples (its ``Example: ...`` paragraphs, without the prefix)."""
    paragraphs, examples = [], []
    for block in re.split(r"\n\s*\n", inspect.cleandoc(text).partition("\f")[0]):
        if block.startswith(EXAMPLE):
            examples.append(" ".join(block[len(EXAMPLE) :].split()))
        elif block.strip():
            paragraphs.append(block)
    return paragraphs, examples


def _paragraph(block: str, width: int) -> list[str]:
    """A paragraph, or a list when every line starts with '- ' (each item with a hanging indent)."""
    lines = block.splitlines()
    if all(line.lstrip().startswith("- ") for line in lines):
        return [out for line in lines for out in wrap(line.strip(), width, "", "  ")]
    return wrap(block, width)


def shell_words(command: str) -> list[str]:
    """``command`` split at the spaces a shell splits at: quotes and backslash escapes keep theirs."""
    words: list[str] = []
    word, quote, escaped = "", "", False
    for char in command:
        if escaped:
            word, escaped = word + char, False
        elif char == "\\" and quote != "'":
            word, escaped = word + char, True
        elif quote:
            word += char
            quote = "" if char == quote else quote
        elif char in "'\"":
            word, quote = word + char, char
        elif char.isspace():
            if word:
                words.append(word)
            word = ""
        else:
            word += char
    return [*words, word] if word else words


def _units(words: list[str]) -> list[str]:
    """Words kept together on a line: an option and its value (``--namespace clearml``)."""
    units: list[str] = []
    for word in words:
        if units and units[-1].startswith("-") and " " not in units[-1] and not word.startswith("-"):
            units[-1] += " " + word
        else:
            units.append(word)
    return units


def example_lines(command: str, width: int, indent: str = "  ") -> list[str]:
    """An example as a shell reads it: one line, or lines continued with `` \\`` at spaces outside quotes."""
    if len(indent) + len(command) <= width:
        return [indent + command]
    lines: list[str] = []
    line = indent
    for word in _units(shell_words(command)):
        if line.strip() and len(line) + 1 + len(word) + 2 > width:
            lines.append(line + " \\")
            line = indent + "    "
        line = f"{line} {word}" if line.strip() else line + word
    return [*lines, line]


def definition_list(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Terms and their help in two columns, or stacked (the help indented under its term) when the help column
    would be narrower than MIN_HELP_COLUMN or than its longest word."""
    if not rows:
        return []
    column = min(max(len(term) for term, _ in rows), TERM_COLUMN)
    start = 2 + column + 2
    longest = max((len(word) for _, text in rows for word in text.split()), default=0)
    out: list[str] = []
    if width - start < max(MIN_HELP_COLUMN, longest):
        for term, text in rows:
            out.append("  " + term)
            out.extend(wrap(text, width, " " * 6))
        return out
    for term, text in rows:
        lines = wrap(text, width, " " * start)
        if len(term) <= column and lines:
            out.append(("  " + term).ljust(start) + lines[0][start:])
            out.extend(lines[1:])
        else:
            out.append("  " + term)
            out.extend(lines)
    return out


def _metavar(param: click.Parameter) -> str:
    if param.metavar:
        return param.metavar
    return (param.name or "value").upper()


def _choices(param: click.Parameter) -> list[str]:
    """A fixed set of values (typer's choice type, from an Enum, a Literal or TyperChoice)."""
    return [str(c.value if isinstance(c, Enum) else c) for c in getattr(param.type, "choices", ())]


def _whole_word(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _default(param: TyperOption, ctx: click.Context) -> str | None:
    if param.is_flag or param.show_default is False:
        return None
    value = param.get_default(ctx, call=False)
    if value in (None, (), [], "") or callable(value):
        return None
    return str(value.value if isinstance(value, Enum) else value)


def _option_row(param: TyperOption, ctx: click.Context) -> tuple[str, str]:
    def names(opts: list[str]) -> str:
        return ", ".join(sorted(opts, key=lambda o: not (len(o) == 2 and o[0] == "-")))  # short ones first

    term = names(param.opts) + (f" / {names(param.secondary_opts)}" if param.secondary_opts else "")
    if not param.is_flag:
        term += f" {_metavar(param)}"
    text = " ".join((param.help or "").split())
    choices = _choices(param)
    extra = []
    if choices and not all(_whole_word(choice, text) for choice in choices):
        extra.append(f"{_metavar(param)}: {', '.join(choices)}.")
    default = _default(param, ctx)
    if default is not None:
        extra.append(f"Default: {default}.")
    if param.required:
        extra.append("Required.")
    return term, " ".join([text, *extra]).strip()


def usage(command: click.Command, ctx: click.Context) -> str:
    pieces = ["[OPTIONS]"] if any(isinstance(p, TyperOption) and not p.hidden for p in command.get_params(ctx)) else []
    for param in command.params:
        if isinstance(param, TyperArgument) and not param.hidden:
            name = _metavar(param)
            if param.nargs == -1 and not name.endswith("..."):
                name += "..."
            pieces.append(name if param.required or name.startswith("[") else f"[{name}]")
    if isinstance(command, TyperGroup):
        pieces.append(command.subcommand_metavar or "COMMAND [ARGS]...")
    return " ".join([ctx.command_path, *pieces])


def sections(command: click.Command, ctx: click.Context, width: int) -> Iterator[list[str]]:
    """The help's sections, each a list of lines."""
    prefix = "Usage: "
    yield wrap(usage(command, ctx), width, prefix, " " * len(prefix))
    paragraphs, examples = split_help(command.help or "")
    for block in paragraphs:
        yield _paragraph(block, width)
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [(_metavar(p), " ".join((getattr(p, "help", None) or "").split())) for p in params]
    arguments = [row for row, p in zip(arguments, params, strict=True) if isinstance(p, TyperArgument)]
    if arguments:
        yield ["Arguments:", *definition_list(arguments, width)]
    if isinstance(command, TyperGroup):
        subcommands = [(name, sub.short_help or "") for name, sub in command.commands.items() if not sub.hidden]
        if subcommands:
            yield ["Commands:", *definition_list(subcommands, width)]
    options = [_option_row(p, ctx) for p in params if isinstance(p, TyperOption)]
    if options:
        yield ["Options:", *definition_list(options, width)]
    if examples:
        heading = EXAMPLE if len(examples) == 1 else "Examples:"
        yield [heading, *(line for example in examples for line in example_lines(example, width))]


def command_help(command: click.Command, ctx: click.Context, width: int | None = None) -> str:
    """The whole help of ``command``, ready to print."""
    return "\n\n".join("\n".join(lines) for lines in sections(command, ctx, width or text_width())) + "\n"
