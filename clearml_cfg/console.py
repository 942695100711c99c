"""All output. Data goes to stdout; messages, warnings and diffs go to stderr.

Colour (rich) only on a terminal and without NO_COLOR; rich is imported only when something is coloured, so
a piped `get` never pays for it. Secrets are masked in diffs unless the user insists. Control characters (an
escape sequence in a value can recolour, retitle or rewrite the terminal) are shown escaped, as ``\\u001b``: always
in messages and diffs, and in data when it goes to a terminal (a pipe gets the value exactly).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

from .errors import CfgError, ChangedOnDisk, Message

if TYPE_CHECKING:  # a command that hashes a password shows messages before it loads the HOCON layer
    from .hocon import KeyPath

# C0 and C1 controls but tab and line feed (a CR alone, not one of CRLF), DEL, and the invisible marks that
# reorder text ("Trojan Source"): each shown as a Python escape
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


def escape_controls(text: str) -> str:
    """``text`` with every control character shown as an escape, ``\\u001b`` or ``\\r``: one that JSON and a quoted
    HOCON string read back as the same character."""
    return _CONTROL.sub(lambda m: "\\r" if m.group() == "\r" else f"\\u{ord(m.group()):04x}", text)


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
        if is_terminal(self.out):
            text = escape_controls(text)
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def data_hocon(self, text: str) -> None:
        """HOCON on stdout: highlighted on a terminal, plain when piped."""
        if not wants_color(self.out):
            self.data(text)
            return
        text = escape_controls(text)
        from rich.console import Console as RichConsole

        from .highlight import highlight_hocon

        RichConsole(file=self.out, highlight=False, soft_wrap=True).print(highlight_hocon(text), end="")

    def table(
        self, headers: list[str], rows: list[list[str]], *, styles: list[str] | None = None, keys: int = 1
    ) -> None:
        """Rows under their headers, no cell ever cut: fitted to the width of a terminal (cells wrap at spaces,
        or each row becomes a record when even that does not fit); one aligned line per row when piped.

        ``keys``: how many leading columns name the row (never wrapped); ``styles``: a rich style per row
        (colour only where colour is wanted). Control characters in a cell are shown escaped, on a terminal and
        in a pipe alike: a table is for reading, one line per row (--json gives values exactly)."""
        from . import columns

        rows = [[escape_controls(cell) for cell in row] for row in rows]
        if not (is_terminal(self.out) or wants_color(self.out)):
            for line in columns.aligned([headers, *rows]):
                self.data(line)
            return
        width = shutil.get_terminal_size().columns
        row_styles = styles or [""] * len(rows)
        widths = columns.widths_for([headers, *rows], width, keys)
        lines: list[tuple[str, str]] = []
        if widths is not None:
            for block, style in zip(columns.grid([headers, *rows], widths), ["bold", *row_styles], strict=True):
                lines += [(line, style) for line in block]
        else:
            for n, (block, style) in enumerate(
                zip(columns.records(headers, rows, width, keys), row_styles, strict=True)
            ):
                lines += [("", "")] if n else []
                lines += [(block[0], f"bold {style}".strip()), *((line, style) for line in block[1:])]
        self._styled(lines)

    def _styled(self, lines: list[tuple[str, str]]) -> None:
        """Lines on stdout, each in its style when colour is wanted; never wrapped again."""
        if not wants_color(self.out):
            for line, _ in lines:
                self.data(line)
            return
        from rich.console import Console as RichConsole
        from rich.text import Text

        console = RichConsole(file=self.out, highlight=False, soft_wrap=True)
        for line, style in lines:
            console.print(Text(line, style=style))

    # --- messages (stderr) --------------------------------------------------------------------------------

    def _say(self, prefix: str, message: str, style: str) -> None:
        message = escape_controls(message)
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
        """A warning, and its hint when it is a Message that has one."""
        if not self.quiet:
            self._say("warning: ", message, "bold yellow")
            if isinstance(message, Message) and message.hint:
                self.hint(message.hint)

    def hint(self, message: str) -> None:
        self._say("hint: ", message, "bold cyan")

    def error(self, error: CfgError) -> None:
        self._say("error: ", error.message, "bold red")
        if error.detail:
            self.err.write(escape_controls(error.detail.rstrip("\n")) + "\n")
        if isinstance(error, ChangedOnDisk) and error.now is not None:  # what the other program changed
            self.err.writelines(
                escape_controls(line) + "\n"
                for line in unified_diff(
                    str(error.path), error.before, error.now, show_secrets=self.show_secrets, prefix=error.prefix
                )
            )
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

    def diff(self, label: str, before: str | None, after: str, *, prefix: KeyPath | None = None) -> None:
        """``prefix``: the key path the file's content lands under (masking follows key paths); None for a file
        that is not a configuration file."""
        if self.quiet:
            return
        lines = [
            escape_controls(line)
            for line in unified_diff(label, before, after, show_secrets=self.show_secrets, prefix=prefix)
        ]
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


def unified_diff(
    label: str, before: str | None, after: str, *, show_secrets: bool = False, prefix: KeyPath | None = None
) -> Iterator[str]:
    """The unified diff of a file (3 lines of context), secrets masked unless ``show_secrets``.

    Lines are compared with the secrets they hide, so a change of a secret alone still shows as a changed line.
    """
    import difflib

    if show_secrets:
        old = old_keys = (before or "").splitlines()
        new = new_keys = after.splitlines()
    else:
        from .model.masking import diff_lines

        old, old_keys = diff_lines(before or "", prefix)
        new, new_keys = diff_lines(after, prefix)
    label = label.lstrip("/")  # a/opt/clearml/config/x.conf, as git writes it, not a//opt/...
    started = False
    for group in difflib.SequenceMatcher(None, old_keys, new_keys).get_grouped_opcodes(3):
        if not started:
            started = True
            yield f"--- {'/dev/null' if before is None else f'a/{label}'}"
            yield f"+++ b/{label}"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


def _range(start: int, stop: int) -> str:
    """A hunk's line range as difflib writes it: `3`, `3,4`, or `2,0` when empty."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"
