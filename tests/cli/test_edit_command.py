"""edit, driven by scripted editors: what comes back is installed only when it is valid, and never over a change
made meanwhile; nothing is asked without a terminal."""

from __future__ import annotations

import io
import os
import shlex
import stat
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from conftest import Run, write
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import strict_oracle

from clearml_cfg.cli import main
from clearml_cfg.cli.edit import editor
from clearml_cfg.features.edit import MARK

APISERVER = '# the API server\nauth {\n    cookies { domain: ".example.com" }\n}\n'
EDITED = APISERVER.replace(".example.com", ".clearml.example.com")


class Terminal(io.StringIO):
    """Standard input that is a terminal, holding the answers a person would type."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies kept on purpose land in the test's own directory, not in /tmp."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    folder = tmp_path / "editors"
    folder.mkdir()
    return folder


def script(folder: Path, body: str) -> str:
    """An EDITOR command: Python that gets the file's path as `path` and its text as `text`, and a `calls`
    counter (0 the first time the editor opens, 1 the next...)."""
    number = len(list(folder.glob("*.py")))
    path = folder / f"editor{number}.py"
    path.write_text(
        "import os, pathlib, stat, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        f"counter = pathlib.Path({str(folder / f'calls{number}')!r})\n"
        "calls = int(counter.read_text()) if counter.exists() else 0\n"
        "counter.write_text(str(calls + 1))\n" + body,
        encoding="utf-8",
    )
    return f"{sys.executable} {path}"


def replacing(folder: Path, old: str, new: str) -> str:
    return script(folder, f"path.write_text(text.replace({old!r}, {new!r}), encoding='utf-8')\n")


@pytest.fixture
def apiserver(config_dir: Path) -> Path:
    path = write(config_dir / "apiserver.conf", APISERVER)
    path.chmod(0o640)
    return path


def kept_copy(err: str) -> Path:
    """The copy an error says it kept."""
    marker = "your edit is kept in "
    start = err.index(marker) + len(marker)
    return Path(err[start:].split()[0].rstrip(";:,"))


def test_a_valid_edit_is_installed_with_a_backup(cli: Run, apiserver: Path, scripts: Path) -> None:
    result = cli("edit", env={"EDITOR": replacing(scripts, ".example.com", ".clearml.example.com")})
    assert result.code == 0, result
    assert apiserver.read_bytes() == EDITED.encode()
    assert (apiserver.parent / "apiserver.conf.bak").read_bytes() == APISERVER.encode()
    assert stat.S_IMODE(apiserver.stat().st_mode) == 0o640
    assert '+    cookies { domain: ".clearml.example.com" }' in result.err
    assert "updated clearml-config/apiserver.conf (backup: apiserver.conf.bak)" in result.err


def test_the_copy_is_private_and_removed_afterwards(cli: Run, apiserver: Path, scripts: Path, tmp_path: Path) -> None:
    record = tmp_path / "record"
    command = script(
        scripts,
        f"pathlib.Path({str(record)!r}).write_text("
        "f'{stat.S_IMODE(path.stat().st_mode):o} {stat.S_IMODE(path.parent.stat().st_mode):o} {path.parent} "
        "{path.name}')\n"
        "path.write_text(text + 'x: 1\\n')\n",
    )
    assert cli("edit", env={"EDITOR": command}).code == 0
    file_mode, dir_mode, directory, name = record.read_text().split()
    assert (file_mode, dir_mode, name) == ("600", "700", "apiserver.conf")
    assert not Path(directory).exists()


def test_no_change_writes_nothing(cli: Run, apiserver: Path) -> None:
    before = apiserver.stat()
    result = cli("edit", env={"EDITOR": "true"})
    assert result.code == 0, result
    assert "no change" in result.err
    assert apiserver.stat().st_mtime_ns == before.st_mtime_ns
    assert not (apiserver.parent / "apiserver.conf.bak").exists()


def test_visual_wins_over_editor_and_editor_may_hold_arguments(cli: Run, apiserver: Path, scripts: Path) -> None:
    visual = replacing(scripts, ".example.com", ".clearml.example.com")
    result = cli("edit", env={"VISUAL": visual, "EDITOR": "false"})
    assert result.code == 0, result
    assert apiserver.read_text() == EDITED


def test_without_visual_or_editor_an_editor_on_path_is_used(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("nano", "vi"):
        write(bin_dir / name, "#!/bin/sh\n").chmod(0o755)
    assert editor({"PATH": str(bin_dir)}) == "nano"
    assert editor({"PATH": str(bin_dir), "EDITOR": "  ", "VISUAL": ""}) == "nano"
    (bin_dir / "nano").unlink()
    assert editor({"PATH": str(bin_dir)}) == "vi"


def test_no_editor_at_all_is_a_usage_error(cli: Run, apiserver: Path, tmp_path: Path) -> None:
    result = cli("edit", env={"VISUAL": None, "EDITOR": None, "PATH": str(tmp_path / "empty")})
    assert result.code == 2, result
    assert result.err.startswith("error: ") and "\nhint: " in result.err


def test_a_failing_editor_writes_nothing(cli: Run, apiserver: Path, scripts: Path) -> None:
    command = script(scripts, "path.write_text('broken {'); sys.exit(3)\n")
    result = cli("edit", env={"EDITOR": command})
    assert result.code == 2, result
    assert apiserver.read_text() == APISERVER
    assert not (apiserver.parent / "apiserver.conf.bak").exists()


# --- a syntax error ------------------------------------------------------------------------------------------------


def test_a_syntax_error_without_a_terminal_is_exit_3_and_keeps_the_copy(
    cli: Run, apiserver: Path, scripts: Path
) -> None:
    result = cli("edit", env={"EDITOR": script(scripts, "path.write_text(text + 'oops {\\n')\n")})
    assert result.code == 3, result
    assert apiserver.read_text() == APISERVER
    assert not (apiserver.parent / "apiserver.conf.bak").exists()
    assert f"{apiserver}:6:1: " in result.err  # file, line and column
    assert "\n^\n" in result.err  # the caret
    copy = kept_copy(result.err)
    assert copy.read_text() == APISERVER + "oops {\n"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


def test_a_syntax_error_reopens_the_editor_with_the_error_on_top(
    cli: Run, apiserver: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = tmp_path / "seen"
    command = script(
        scripts,
        "if calls == 0:\n"
        "    path.write_text(text.replace('.example.com', '.clearml.example.com') + 'oops {\\n')\n"
        "else:\n"
        f"    pathlib.Path({str(seen)!r}).write_text(text)\n"
        "    path.write_text(text.replace('oops {\\n', ''))\n",  # fixed; the note is left for clearml-cfg to remove
    )
    monkeypatch.setattr(sys, "stdin", Terminal("e\n"))
    result = cli("edit", env={"EDITOR": command})
    assert result.code == 0, result
    assert apiserver.read_text() == EDITED
    note, _, rest = seen.read_text().partition("# the API server")
    assert note.splitlines() and all(line.startswith(MARK) for line in note.splitlines())
    assert "apiserver.conf:6:1" in note
    assert rest == EDITED.removeprefix("# the API server") + "oops {\n"


def test_a_syntax_error_can_be_discarded(
    cli: Run, apiserver: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("d\n"))
    result = cli("edit", env={"EDITOR": script(scripts, "path.write_text(text + 'oops {\\n')\n")})
    assert result.code == 3, result
    assert apiserver.read_text() == APISERVER
    assert "your edit is kept" not in result.err


def test_force_never_installs_a_syntax_error(cli: Run, apiserver: Path, scripts: Path) -> None:
    result = cli("edit", "--force", env={"EDITOR": script(scripts, "path.write_text(text + 'oops {\\n')\n")})
    assert result.code == 3, result
    assert apiserver.read_text() == APISERVER


def test_text_that_is_not_utf8_is_refused(cli: Run, apiserver: Path, scripts: Path) -> None:
    result = cli("edit", env={"EDITOR": script(scripts, "path.write_bytes(b'x: \"\\xff\"\\n')\n")})
    assert result.code == 3, result
    assert apiserver.read_text() == APISERVER


# --- a new check error -----------------------------------------------------------------------------------------

UNKNOWN_COOKIE_KEY = ("cookies { ", "cookies { samesit: Lax, ")  # cookie-unknown-key, an error of check


def test_a_new_check_error_without_a_terminal_is_exit_1(cli: Run, apiserver: Path, scripts: Path) -> None:
    result = cli("edit", env={"EDITOR": replacing(scripts, *UNKNOWN_COOKIE_KEY)})
    assert result.code == 1, result
    assert apiserver.read_text() == APISERVER
    assert "cookie-unknown-key" in result.err
    assert kept_copy(result.err).read_text() == APISERVER.replace(*UNKNOWN_COOKIE_KEY)


def test_force_installs_despite_new_check_errors(cli: Run, apiserver: Path, scripts: Path) -> None:
    result = cli("edit", "--force", env={"EDITOR": replacing(scripts, *UNKNOWN_COOKIE_KEY)})
    assert result.code == 0, result
    assert apiserver.read_text() == APISERVER.replace(*UNKNOWN_COOKIE_KEY)
    warning = result.err.index("warning: ")
    assert result.err.index("+++ b/") < warning  # shown after the diff
    assert "cookie-unknown-key" in result.err[warning:]


def test_errors_that_were_there_before_do_not_stop_an_edit(cli: Run, config_dir: Path, scripts: Path) -> None:
    broken = APISERVER.replace(*UNKNOWN_COOKIE_KEY)
    path = write(config_dir / "apiserver.conf", "# first line\n" + broken)
    result = cli("edit", env={"EDITOR": replacing(scripts, "# first line\n", "")})  # every line moves up
    assert result.code == 0, result
    assert path.read_text() == broken


@pytest.mark.parametrize(("answer", "code", "installed"), [("w\n", 0, True), ("d\n", 1, False), ("", 1, False)])
def test_a_new_check_error_on_a_terminal_is_a_choice(
    cli: Run,
    apiserver: Path,
    scripts: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    installed: bool,
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal(answer))  # "": the end of input chooses to discard
    result = cli("edit", env={"EDITOR": replacing(scripts, *UNKNOWN_COOKIE_KEY)})
    assert result.code == code, result
    assert "[e] edit again, [w] write anyway, [d] discard" in result.err
    assert apiserver.read_text() == (APISERVER.replace(*UNKNOWN_COOKIE_KEY) if installed else APISERVER)


def test_edit_again_shows_the_new_errors_on_top(
    cli: Run, apiserver: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = tmp_path / "seen"
    command = script(
        scripts,
        "if calls == 0:\n"
        "    path.write_text(text.replace('cookies { ', 'cookies { samesit: Lax, '))\n"
        "else:\n"
        f"    pathlib.Path({str(seen)!r}).write_text(text)\n"
        "    path.write_text(text.replace('samesit:', 'samesite:'))\n",
    )
    monkeypatch.setattr(sys, "stdin", Terminal("\n"))  # the default: edit again
    result = cli("edit", env={"EDITOR": command})
    assert result.code == 0, result
    assert apiserver.read_text() == APISERVER.replace("cookies { ", "cookies { samesite: Lax, ")
    note = [line for line in seen.read_text().splitlines() if line.startswith(MARK)]
    assert any("cookie-unknown-key" in line for line in note)
    assert MARK not in apiserver.read_text()


def test_an_edit_the_server_could_not_load_is_never_installed(
    cli: Run, apiserver: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = replacing(scripts, '".example.com"', "${nowhere}")  # parses; the server cannot resolve it
    for flags in ([], ["--force"]):
        result = cli("edit", *flags, env={"EDITOR": command})
        assert result.code == 3, result
        assert "server-cannot-load" in result.err
        assert apiserver.read_text() == APISERVER
    monkeypatch.setattr(sys, "stdin", Terminal("w\nd\n"))  # "write anyway" is not offered
    result = cli("edit", "--force", env={"EDITOR": command})
    assert result.code == 3, result
    assert "[e] edit again, [d] discard" in result.err and "answer one of e, d" in result.err
    assert apiserver.read_text() == APISERVER


def test_when_the_configuration_cannot_be_copied_only_the_file_is_checked(
    cli: Run, apiserver: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("clearml_cfg.features.edit.copy_dirs", lambda dirs, scratch: None)  # a file it cannot read
    result = cli("edit", env={"EDITOR": replacing(scripts, *UNKNOWN_COOKIE_KEY)})
    assert result.code == 0, result
    assert result.err.startswith("warning: ")
    assert apiserver.read_text() == APISERVER.replace(*UNKNOWN_COOKIE_KEY)
    assert cli("edit", env={"EDITOR": script(scripts, "path.write_text(text + '{')\n")}).code == 3


# --- the file changed meanwhile ----------------------------------------------------------------------------------


def test_a_change_made_while_the_editor_was_open_is_not_overwritten(cli: Run, apiserver: Path, scripts: Path) -> None:
    command = script(
        scripts,
        f"real = pathlib.Path({str(apiserver)!r})\n"
        "real.write_text(real.read_text() + 'other: 1\\n')\n"
        "path.write_text(text.replace('.example.com', '.clearml.example.com'))\n",
    )
    result = cli("edit", env={"EDITOR": command})
    assert result.code == 4, result
    assert apiserver.read_text() == APISERVER + "other: 1\n"
    assert not (apiserver.parent / "apiserver.conf.bak").exists()
    assert kept_copy(result.err).read_text() == EDITED


def test_a_file_created_while_the_editor_was_open_is_not_overwritten(cli: Run, config_dir: Path, scripts: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    services = config_dir / "services.conf"
    command = script(
        scripts,
        f"pathlib.Path({str(services)!r}).write_text('mine: 1\\n')\npath.write_text('theirs: 2\\n')\n",
    )
    result = cli("edit", "services", env={"EDITOR": command})
    assert result.code == 4, result
    assert services.read_text() == "mine: 1\n"


# --- which file --------------------------------------------------------------------------------------------------


def test_a_new_file_is_created_and_an_untouched_one_is_not(cli: Run, config_dir: Path, scripts: Path) -> None:
    assert cli("edit", "services", env={"EDITOR": "true"}).code == 0
    assert not (config_dir / "services.conf").exists()
    command = script(scripts, "path.write_text('tasks.non_responsive_tasks_watchdog.threshold_sec: 3600\\n')\n")
    result = cli("edit", "services/tasks", env={"EDITOR": command})
    assert result.code == 0, result
    assert (config_dir / "services" / "tasks.conf").read_text().startswith("tasks.non_responsive")
    assert cli("get", "services.tasks.tasks.non_responsive_tasks_watchdog.threshold_sec").out == "3600\n"


def test_a_new_file_holding_secrets_is_private(cli: Run, config_dir: Path, scripts: Path) -> None:
    command = script(scripts, "path.write_text('auth.token_secret: \"s3cr3t\"\\n')\n")
    assert cli("edit", "secure", env={"EDITOR": command}).code == 0
    assert stat.S_IMODE((config_dir / "secure.conf").stat().st_mode) == 0o600


def test_a_symlinked_file_is_edited_at_its_target(cli: Run, config_dir: Path, scripts: Path) -> None:
    data = write(config_dir / "..data" / "apiserver.conf", APISERVER)  # a Kubernetes-style mount
    (config_dir / "apiserver.conf").symlink_to(Path("..data") / "apiserver.conf")
    result = cli("edit", env={"EDITOR": replacing(scripts, ".example.com", ".clearml.example.com")})
    assert result.code == 0, result
    assert (config_dir / "apiserver.conf").is_symlink()
    assert data.read_text() == EDITED


@pytest.mark.parametrize("name", ["../outside", "services/../../outside.conf", "/etc/passwd", "linked/x", "link"])
def test_a_path_outside_the_config_directory_is_refused(
    cli: Run, config_dir: Path, scripts: Path, tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "elsewhere"
    write(outside / "x.conf", "x: 1\n")
    write(tmp_path / "outside.conf", "x: 1\n")
    write(config_dir / "apiserver.conf", APISERVER)
    (config_dir / "linked").symlink_to(outside)
    (config_dir / "link.conf").symlink_to(outside / "x.conf")
    opened = tmp_path / "opened"
    result = cli("edit", name, env={"EDITOR": script(scripts, f"pathlib.Path({str(opened)!r}).touch()\n")})
    assert result.code == 2, result
    assert not opened.exists()  # refused before any editor ran
    assert (outside / "x.conf").read_text() == "x: 1\n"


def test_a_path_inside_another_config_directory_is_accepted(
    cli: Run, tmp_path: Path, scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    path = write(first / "apiserver.conf", APISERVER)
    second.mkdir()
    monkeypatch.setenv("CLEARML_CONFIG_DIR", f"{first}{os.pathsep}{second}")
    result = cli("edit", str(path), env={"EDITOR": replacing(scripts, ".example.com", ".clearml.example.com")})
    assert result.code == 0, result
    assert path.read_text() == EDITED


def test_a_directory_is_not_a_file_to_edit(cli: Run, config_dir: Path) -> None:
    (config_dir / "odd.conf").mkdir(parents=True)
    assert cli("edit", "odd", env={"EDITOR": "true"}).code == 2


# --- --check FILE --------------------------------------------------------------------------------------------------


def test_check_validates_an_edited_file_without_writing(cli: Run, apiserver: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "good.conf", EDITED)
    bad = write(tmp_path / "bad.conf", APISERVER + "oops {\n")
    wrong = write(tmp_path / "wrong.conf", APISERVER.replace(*UNKNOWN_COOKIE_KEY))
    assert cli("edit", "--check", str(good)).code == 0
    syntax = cli("edit", "--check", str(bad))
    assert syntax.code == 3, syntax
    assert f"{bad}:6:1: " in syntax.err
    errors = cli("edit", "apiserver.conf", "--check", str(wrong))
    assert errors.code == 1, errors
    assert "cookie-unknown-key" in errors.out
    assert apiserver.read_text() == APISERVER
    assert not (apiserver.parent / "apiserver.conf.bak").exists()


def test_check_of_a_missing_file_is_a_usage_error(cli: Run, apiserver: Path, tmp_path: Path) -> None:
    result = cli("edit", "--check", str(tmp_path / "nope.conf"))
    assert result.code == 2, result
    assert result.err.startswith("error: ")


def test_the_readme_script_editor_works(cli: Run, config_dir: Path) -> None:
    import re
    import shlex

    from helpers import REPO

    line = re.search(
        r"^EDITOR=(\"sed .*?\") clearml-cfg edit (\S+) ", (REPO / "docs" / "commands.md").read_text(), re.M
    )
    assert line
    services = write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 7200\n")
    result = cli("edit", line.group(2), env={"EDITOR": shlex.split(line.group(1))[0]})
    assert result.code == 0, result
    assert services.read_text() == "tasks.non_responsive_tasks_watchdog.threshold_sec: 3600\n"


# --- random edits, judged by pyhocon ---------------------------------------------------------------------------

RICH = """\
# web login
auth {
    cookies { domain: ".example.com", secure: true }
    fixed_users {
        enabled: true
        users: [{ username: "jane", password: "pw", name: "Jane" }]
    }
}
cors.origins: ["https://a.example.com"]
"""
PIECES = ["{", "}", "[", "]", '"', ":", "=", ",", "\n", "#", "${x}", "x", " ", "-", "+=", "//", "\\"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = RICH
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_random_edit_is_installed_exactly_when_the_server_can_read_it(text: str) -> None:
    assume('"""' not in text)  # an unclosed """ pyhocon reads and the HOCON layer refuses: a known difference
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config"
        path = write(config / "apiserver.conf", RICH)
        edited = write(Path(scratch) / "edited.conf", text)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS", "VISUAL"))}
        env.update(CLEARML_CONFIG_DIR=str(config), EDITOR=f"cp {shlex.quote(str(edited))}")
        with mock.patch.dict(os.environ, env, clear=True), mock.patch.object(tempfile, "tempdir", scratch):
            code = main(["edit", "--quiet"])
        # asked twice: on a loaded machine the judge can run out of time once, which reads as "cannot load"
        readable = any(strict_oracle(text)[0] == "ok" for _ in range(2))
        assert code in (0, 1, 3)
        if code == 0:
            assert readable and path.read_text() == text
        else:
            assert path.read_text() == RICH
            assert (code == 3) != readable  # a syntax error exactly where the server would fail
