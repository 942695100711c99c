"""The bad-input corpus: hostile files and input, each with the command run on it and the clear error expected.

tests/cli/test_bad_input_corpus.py checks every case's exit code and first message line; bench/bench_limits.py
runs each in a process of its own and measures its time and peak memory (targets: under 2 s, under 200 MB).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# What a case's message may name: {config} (the config directory), {scratch} (where it lies).
Setup = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Case:
    name: str
    setup: Setup  # makes the files, given the config directory and a scratch directory
    args: tuple[str, ...]
    code: int
    message: str  # the first line of stderr (placeholders filled in); "" when the command succeeds quietly
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)


Content = str | Callable[[], str]  # a text, or what makes it (large ones are made when a case runs)


def _files(**files: Content) -> Setup:
    def setup(config: Path, _: Path) -> None:
        config.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            path = config / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content if isinstance(content, str) else content(), encoding="utf-8")

    return setup


def _link(name: str, target: str) -> Setup:
    def setup(config: Path, _: Path) -> None:
        config.mkdir(parents=True, exist_ok=True)
        (config / name).symlink_to(target)

    return setup


def _fifo(name: str) -> Setup:
    def setup(config: Path, _: Path) -> None:
        config.mkdir(parents=True, exist_ok=True)
        os.mkfifo(config / name)

    return setup


def _compose(text: Content) -> Setup:
    def setup(config: Path, scratch: Path) -> None:
        config.mkdir(parents=True, exist_ok=True)
        (scratch / "docker-compose.yml").write_text(text if isinstance(text, str) else text())

    return setup


def doubling(levels: int = 41) -> str:
    """`a1: ${a0}${a0}`, `a2: ${a1}${a1}`...: a string of 2**levels characters."""
    return 'a0: "xy"\n' + "".join(f"a{i}: ${{a{i - 1}}}${{a{i - 1}}}\n" for i in range(1, levels + 1))


def object_doubling(levels: int = 40) -> str:
    return "a0: {x: 1, y: 2}\n" + "".join(f"a{i}: {{p: ${{a{i - 1}}}, q: ${{a{i - 1}}}}}\n" for i in range(1, levels))


def alias_bomb() -> str:
    """A YAML "billion laughs": 9 aliases of 9 aliases of ... in 1 KB."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(8):
        name, previous = chr(98 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\nservices:\n  mongo:\n    image: mongo\n"


def dotted(segments: int) -> str:
    return ".".join(["k"] * segments)


def many_keys(count: int) -> str:
    return "".join(f"k{i}: {i}\n" for i in range(count))


def dotted_services(count: int = 2000) -> str:
    """A 70 KB services.conf of dotted keys: pyhocon takes 15 seconds on it."""
    return "".join(f'organization.s{i % 40}.key_{i}: "v{i}"\n' for i in range(count))


_LIMIT = "(the limit is 150,000; the server's parser would take minutes on it)"

CASES: tuple[Case, ...] = (
    Case(
        "a link to /dev/zero",
        _link("z.conf", "/dev/zero"),
        ("show",),
        3,
        "error: {config}/z.conf (a link to /dev/zero) is a character device, not a regular file",
    ),
    Case(
        "a FIFO named a.conf",
        _fifo("a.conf"),
        ("show",),
        3,
        "error: {config}/a.conf is a FIFO (named pipe), not a regular file",
    ),
    Case(
        'include "/dev/zero"',
        _files(**{"apiserver.conf": 'include "/dev/zero"\na: 1\n'}),
        ("show", "--effective"),
        3,
        "error: {config}/apiserver.conf: its include of /dev/zero fails: it is a character device, not a regular file",
    ),
    Case(
        "include url(...) of a host that never answers",
        _files(**{"apiserver.conf": 'a: 1\ninclude url("http://10.255.255.1/never.conf")\n'}),
        ("check", "--strict"),
        1,
        "0 errors, 2 warnings, 0 info",
    ),
    Case(
        "a string doubled 41 times (show)",
        _files(**{"apiserver.conf": doubling()}),
        ("show",),
        3,
        "error: {config}/apiserver.conf:24:12: pyhocon's reading of this value grows without bound: substitutions "
        "join more than 16 million characters (a string doubled over and over; the server would run out of memory)",
    ),
    Case(
        "a string doubled 41 times (check)",
        _files(**{"apiserver.conf": doubling()}),
        ("check",),
        3,
        "1 error, 0 warnings, 0 info",
    ),
    Case(
        "a string doubled 41 times (set)",
        _files(**{"apiserver.conf": doubling()}),
        ("set", "apiserver.b", "1"),
        3,
        "error: {config}/apiserver.conf:24:12: pyhocon's reading of this value grows without bound: substitutions "
        "join more than 16 million characters (a string doubled over and over; the server would run out of memory)",
    ),
    Case(
        "an object doubled 40 times (check)",
        _files(**{"apiserver.conf": object_doubling()}),
        ("check",),
        3,
        "1 error, 0 warnings, 0 info",
    ),
    Case(
        "an object doubled 40 times (show --effective)",
        _files(**{"apiserver.conf": object_doubling()}),
        ("show", "--effective"),
        3,
        "error: {config}/apiserver.conf:15:10: pyhocon never finishes reading this value: it is copied into "
        "itself over and over (the server would hang or run out of memory)",
    ),
    Case(
        "a YAML alias bomb (expose)",
        _compose(alias_bomb()),
        ("expose", "mongo", "--compose", "{scratch}/docker-compose.yml"),
        3,
        "error: {scratch}/docker-compose.yml: its YAML aliases (*name) expand to more than 100,000 values: not a "
        "docker-compose file",
    ),
    Case(
        "YAML nested 10,000 deep (expose)",
        _compose(lambda: "services:\n  mongo:\n    image: mongo\nx: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        ("expose", "mongo", "--compose", "{scratch}/docker-compose.yml"),
        3,
        "error: {scratch}/docker-compose.yml:4:67: nested deeper than 64 levels: not a docker-compose file",
    ),
    Case(
        "a compose file with a 5 MB line (expose)",
        _compose(lambda: 'services:\n  mongo:\n    image: mongo\n    x: "' + "a" * 5_000_000 + '"\n'),
        ("expose", "mongo", "--compose", "{scratch}/docker-compose.yml"),
        3,
        "error: {scratch}/docker-compose.yml:1:1: 4.8 MB is far too large for a docker-compose file (the limit is "
        "256 KB)",
    ),
    Case(
        "/dev/zero as the compose file",
        _files(),
        ("expose", "mongo", "--compose", "/dev/zero"),
        3,
        "error: /dev/zero is a character device, not a regular file",
    ),
    Case(
        "cat /dev/zero | add-user --password-stdin",
        _files(),
        ("add-user", "x", "--password-stdin"),
        2,
        "error: --password-stdin: standard input holds more than 1,024 KB: that is not the password",
        stdin=b"\0" * (2 * 1024 * 1024),
    ),
    Case(
        "cat /dev/zero | set --value-stdin",
        _files(),
        ("set", "apiserver.x", "--value-stdin"),
        2,
        "error: --value-stdin: standard input holds more than 1,024 KB: that is not the value",
        stdin=b"\0" * (2 * 1024 * 1024),
    ),
    Case(
        "a line of 8 MB in apiserver.conf",
        _files(**{"apiserver.conf": lambda: 'x: "' + "a" * (8 * 1024 * 1024 - 10) + '"\n'}),
        ("show",),
        0,
        "",
    ),
    Case(
        "a key of 1,000 parts (show)",
        _files(**{"apiserver.conf": dotted(1000) + ": 1\n"}),
        ("show",),
        0,
        "",
    ),
    Case(
        "a key of 1,000 parts (get)",
        _files(**{"apiserver.conf": dotted(1000) + ": 1\n"}),
        ("get", "apiserver.k"),
        0,
        "",
    ),
    Case(
        "a key of 1,000 parts (set)",
        _files(**{"apiserver.conf": dotted(1000) + ": 1\n"}),
        ("set", "apiserver.b", "1", "--quiet"),
        0,
        "",
    ),
    Case(
        "a key of 100,000 parts (show)",
        _files(**{"apiserver.conf": lambda: dotted(100_000) + ": 1\n"}),
        ("show",),
        3,
        "error: {config}/apiserver.conf:1:1: keys nested deeper than 1000 levels are not supported",
    ),
    Case(
        "a key of 100,000 parts (set)",
        _files(**{"apiserver.conf": lambda: dotted(100_000) + ": 1\n"}),
        ("set", "apiserver.b", "1"),
        3,
        "error: {config}/apiserver.conf:1:1: keys nested deeper than 1000 levels are not supported",
    ),
    Case(
        "500,000 keys in 7.8 MB",
        _files(**{"apiserver.conf": lambda: many_keys(500_000)}),
        ("show",),
        3,
        "error: {config}/apiserver.conf:1:1: 1,000,000 lines, separators and brackets are far more than a "
        f"configuration file holds {_LIMIT}",
    ),
    Case(
        "masking a value of 100,000 characters",
        _files(**{"apiserver.conf": lambda: f'x: "{"a" * 100_000}"\npassword: "{"b" * 100_000}"\n'}),
        ("show",),
        0,
        "",
    ),
    Case(
        "masking a value of 300,000 characters",
        _files(**{"apiserver.conf": lambda: f'x: "{"a://" * 75_000}"\ny: "{"a" * 300_000}"\n'}),
        ("show",),
        0,
        "",
    ),
    Case(
        "ui-action add on 2,000 dotted keys (70 KB)",
        _files(**{"services.conf": dotted_services()}),
        ("ui-action", "add", "task", "Run", "--url", "https://ci.example.com/${id}", "--quiet"),
        0,
        "",
    ),
)


def prepare(case: Case, config: Path, scratch: Path) -> list[str]:
    """Make the case's files (the config directory, and beside it in ``scratch``); returns its arguments."""
    case.setup(config, scratch)
    return [arg.replace("{scratch}", str(scratch)) for arg in case.args]


def expected(case: Case, config: Path, scratch: Path) -> str:
    """The first line of stderr the case must print."""
    return case.message.replace("{config}", str(config)).replace("{scratch}", str(scratch))
