"""All output. Data goes to stdout; messages, warnings and diffs go to stderr.

Colour (rich) only on a terminal and without NO_COLOR; rich is imported only when something is coloured, so
a piped `get` never pays for it. Secrets are masked in diffs unless the user insists.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from .errors import CfgError
from .schema import MASK, mask_url_password

# An assignment of a secret anywhere on a line: `password: "x"`, `auth.token_secret = x`,
# `{ user_key: "K", user_secret: "S" }`; the key may be quoted or dotted, and start the line or follow a
# blank, `{`, `,`, `.` or a diff marker
_SECRET_ASSIGNMENT = re.compile(
    r"""(?:^|(?<=[\s{,.+"-]))"?(?:password|passwd|[a-z_]*secret[a-z_]*|[a-z_]*token|user_key|access_key|"""
    r"""account_key|key)"?\s*[:=]\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s#,}\]]+)""",
    re.IGNORECASE,
)


def mask_line(line: str) -> str:
    """``line`` with the value of every secret assignment and every password in a URL replaced by ********."""

    def hide(m: re.Match[str]) -> str:
        if m.group("value") in ('""', "null"):
            return m.group()
        return m.group()[: m.start("value") - m.start()] + f'"{MASK}"'

    return mask_url_password(_SECRET_ASSIGNMENT.sub(hide, line))


def is_terminal(stream: IO[str]) -> bool:
    """Whether a person reads this stream (masking secrets depends on this, never on colour settings)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def wants_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    return is_terminal(stream)


class Console:
    def __init__(self, *, quiet: bool = False, show_secrets: bool = False) -> None:
        self.quiet = quiet
        self.show_secrets = show_secrets

    @property
    def out(self) -> IO[str]:
        return sys.stdout

    @property
    def err(self) -> IO[str]:
        return sys.stderr

    # --- data (stdout) ------------------------------------------------------------------------------------

    def data(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def data_hocon(self, text: str) -> None:
        """HOCON on stdout: highlighted on a terminal, plain when piped."""
        if not wants_color(self.out):
            self.data(text)
            return
        from rich.console import Console as RichConsole

        from .highlight import highlight_hocon

        RichConsole(file=self.out, highlight=False, soft_wrap=True).print(highlight_hocon(text), end="")

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        """Rows as a table on a terminal; as aligned columns when piped."""
        if wants_color(self.out):
            from rich.console import Console as RichConsole
            from rich.table import Table

            table = Table(*headers, box=None, pad_edge=False, header_style="bold")
            for row in rows:
                table.add_row(*row)
            RichConsole(file=self.out, highlight=False, soft_wrap=True).print(table)
            return
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers) - 1)]
        for row in [headers, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.data("  ".join([*cells, row[-1]]).rstrip())

    # --- messages (stderr) --------------------------------------------------------------------------------

    def _say(self, prefix: str, message: str, style: str) -> None:
        if wants_color(self.err):
            from rich.console import Console as RichConsole
            from rich.text import Text

            text = Text()
            if prefix:
                text.append(prefix, style=style)
            text.append(message)
            RichConsole(file=self.err, highlight=False, soft_wrap=True).print(text)
        else:
            self.err.write(f"{prefix}{message}\n")
            self.err.flush()

    def info(self, message: str) -> None:
        if not self.quiet:
            self._say("", message, "")

    def note(self, message: str) -> None:
        if not self.quiet:
            self._say("note: ", message, "cyan")

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._say("warning: ", message, "bold yellow")

    def hint(self, message: str) -> None:
        self._say("hint: ", message, "bold cyan")

    def error(self, error: CfgError) -> None:
        self._say("error: ", error.message, "bold red")
        if error.detail:
            self.err.write(error.detail.rstrip("\n") + "\n")
        if error.hint:
            self.hint(error.hint)

    # --- progress (stderr, a terminal only) -----------------------------------------------------------------

    @contextmanager
    def progress(self, total: int, description: str) -> Iterator[Callable[[], None]]:
        """A progress bar on a terminal for ``total`` slow steps; yields the function that advances it.

        Nothing is drawn when stderr is not a terminal (logs of CI runs stay clean), with --quiet, or for one step.
        """
        isatty = getattr(self.err, "isatty", None)
        if self.quiet or total < 2 or not (isatty and isatty()):
            yield lambda: None
            return
        from rich.console import Console as RichConsole
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=RichConsole(file=self.err),
            transient=True,
        )
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda: bar.advance(task)

    # --- diffs --------------------------------------------------------------------------------------------

    def diff(self, label: str, before: str | None, after: str) -> None:
        if self.quiet:
            return
        lines = list(unified_diff(label, before, after, show_secrets=self.show_secrets))
        if not lines:
            return
        if not wants_color(self.err):
            self.err.write("".join(line + "\n" for line in lines))
            self.err.flush()
            return
        from rich.console import Console as RichConsole
        from rich.text import Text

        console = RichConsole(file=self.err, highlight=False, soft_wrap=True)
        for line in lines:
            style = (
                "bold"
                if line.startswith(("---", "+++"))
                else "cyan"
                if line.startswith("@@")
                else "green"
                if line.startswith("+")
                else "red"
                if line.startswith("-")
                else ""
            )
            console.print(Text(line, style=style))


def unified_diff(label: str, before: str | None, after: str, *, show_secrets: bool = False) -> Iterable[str]:
    old = (before or "").splitlines()
    new = after.splitlines()
    label = label.lstrip("/")  # a/opt/clearml/config/x.conf, as git writes it, not a//opt/...
    for line in difflib.unified_diff(
        old, new, fromfile="/dev/null" if before is None else f"a/{label}", tofile=f"b/{label}", lineterm="", n=3
    ):
        yield line if show_secrets else mask_line(line)


def to_json(value: Any) -> str:
    import json

    from .hocon import Period

    def default(item: Any) -> Any:
        if isinstance(item, Period):
            return item.text
        raise TypeError(f"cannot show {type(item).__name__} as JSON")

    return json.dumps(value, indent=2, ensure_ascii=False, default=default)
