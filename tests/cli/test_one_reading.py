"""A command reads each configuration file once and parses it once, however many views it needs (the files'
merged tree, the server's effective view, the check that a write takes effect)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import Run

from clearml_cfg.hocon import Document
from clearml_cfg.io import reading

FILES = {
    "apiserver.conf": (
        "# the API server\n"
        "auth {\n"
        '    cookies { domain: ".clearml.example.com" }\n'
        "    fixed_users {\n"
        "        enabled: true\n"
        "        pass_hashed: false\n"
        '        users: [{ username: "jane", password: "pw-of-jane", name: "Jane" }]\n'
        "    }\n"
        "}\n"
    ),
    "services.conf": "tasks { non_responsive_tasks_watchdog { enabled: true } }\n",
    "services/tasks.conf": "non_responsive_tasks_watchdog { threshold_sec: 7200 }\n",
    "fileserver.conf": 'cors { origins: "https://app.example.com" }\n',
}
LOW = ["--rounds", "4"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Counter[Path], Counter[str], list[Path]]:
    """Two config directories with every file; counts of reads per file and of parses per text."""
    dirs = [tmp_path / "base", tmp_path / "site"]
    for directory in dirs:
        for name, text in FILES.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            unique = f"# {directory.name}/{name}\n" + text.replace("jane", directory.name)
            (directory / name).write_text(unique, encoding="utf-8")
    reads: Counter[Path] = Counter()
    parses: Counter[str] = Counter()
    read_stamped = reading.read_stamped
    init = Document.__init__

    def counting_read(path: Path) -> tuple[str, reading.Stamp]:
        reads[Path(path).resolve()] += 1
        return read_stamped(path)

    def counting_init(self: Document, text: str) -> None:
        parses[text] += 1
        init(self, text)

    # every reading of a configuration file for what a command does goes through read_stamped (a write's check,
    # just before its rename, that the file is still what was read is not such a reading)
    monkeypatch.setattr(reading, "read_stamped", counting_read)
    monkeypatch.setattr(Document, "__init__", counting_init)
    return reads, parses, dirs


def _config_files(dirs: list[Path]) -> list[Path]:
    return [path.resolve() for directory in dirs for path in sorted(directory.rglob("*.conf"))]


@pytest.mark.parametrize(
    "args",
    [
        ["get", "apiserver.auth.cookies.domain"],
        ["get", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "--effective"],
        ["set", "apiserver.auth.cookies.secure", "true"],
        ["set", "services.tasks.non_responsive_tasks_watchdog.threshold_sec", "3600", "--dry-run"],
        ["add-user", "ada", "--password-stdin", "--plaintext"],
        ["passwd", "site", "--password-stdin"],
        ["unset", "apiserver.auth.cookies.domain"],
        ["watchdog", "--threshold", "1h"],
        ["show", "--effective", "--origin"],
        ["list-users"],
        ["check"],
        ["show"],
        ["explain", "apiserver.auth.cookies.domain"],
        ["cors", "--origin", "https://app.example.com"],
        ["subdomain", "clearml.example.com"],
        ["ui-action", "add", "task", "Open", "--url", "https://example.com/${id}"],
        ["export", "--format", "json"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_file_is_read_and_parsed_once(
    cli: Run, counted: tuple[Counter[Path], Counter[str], list[Path]], args: list[str]
) -> None:
    reads, parses, dirs = counted
    files = _config_files(dirs)
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    reads.clear()
    result = cli(*args, "--config-dir", ":".join(str(d) for d in dirs), stdin="a-good-password\n")
    assert result.code in (0, 1), result  # check: findings about plain-text passwords
    for path in files:
        assert reads[path] == 1, f"{path} read {reads[path]} times by {' '.join(args)}"
        assert parses[texts[path]] == 1, f"{path} parsed {parses[texts[path]]} times by {' '.join(args)}"
