"""clearml-cfg expose through the real command line: docker-compose.yml edited without losing a byte."""

from __future__ import annotations

import difflib
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import REFERENCE, needs_reference

from clearml_cfg.features import expose as deploy

COMPOSE_REFERENCE = REFERENCE / "clearml-server" / "docker" / "docker-compose.yml"

# Our own compose file: both sequence indentations, a flow list, comments inside and between services.
COMPOSE = """\
# ClearML, our variant of the server's docker-compose.yml
version: "3.6"
services:

  apiserver:
    image: clearml/server:latest
    ports:
    - "8008:8008"

  elasticsearch:
    image: elasticsearch:8.17.0  # pinned
    volumes:
      - /opt/clearml/data/elastic_7:/usr/share/elasticsearch/data
    # internal only, see README

  # the database
  mongo:
    image: mongo:7.0.22
    ports: ["127.0.0.1:27018:27017"]  # local debugging

  redis:
    image: redis:7.4.1
    ports:
    - "16380:6380"   # a sidecar
    restart: unless-stopped

networks:
  backend:
"""


def yes(cli: Run, *args: str) -> str:
    result = cli("expose", *args, "--yes")
    assert result.code == 0, result
    return result.err


def test_expose_keeps_every_byte_and_uses_each_places_style(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    err = yes(cli, "elasticsearch", "mongo", "redis")
    assert path.read_text() == COMPOSE.replace(
        "    # internal only, see README\n",
        '    # internal only, see README\n    ports:\n      - "9200:9200"\n',
    ).replace('    - "16380:6380"   # a sidecar\n', '    - "16380:6380"   # a sidecar\n    - "6379:6379"\n')
    assert (tmp_path / "docker-compose.yml.bak").read_text() == COMPOSE
    assert "note: elasticsearch (port 9200) publishes 9200:9200\n" in err
    assert "note: mongo (port 27017) already publishes 127.0.0.1:27018:27017: nothing to do\n" in err
    assert "note: redis (port 6379) publishes 6379:6379\n" in err
    assert "warning: a published port is open to every network the host is on" in err
    assert "restart the server to apply: docker-compose down && docker-compose up -d\n" in err


def test_remove_restores_the_file_byte_for_byte(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    yes(cli, "elasticsearch", "redis")
    err = cli("expose", "--remove", "elasticsearch", "redis").err  # closing ports needs no confirmation
    assert path.read_text() == COMPOSE
    assert "note: elasticsearch (port 9200) no longer publishes 9200:9200" in err
    assert "warning" not in err


def test_remove_the_last_entry_of_a_flow_list_removes_the_key(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose", "--remove", "mongo")
    assert result.code == 0, result
    assert path.read_text() == COMPOSE.replace('    ports: ["127.0.0.1:27018:27017"]  # local debugging\n', "")


def test_flow_lists_get_an_item_in_their_own_quotes(cli: Run, tmp_path: Path) -> None:
    text = COMPOSE.replace("    # internal only, see README\n", "    ports: ['9201:9201']\n")
    path = write(tmp_path / "docker-compose.yml", text)
    yes(cli, "elasticsearch")
    exposed = text.replace("ports: ['9201:9201']", "ports: ['9201:9201', '9200:9200']")
    assert path.read_text() == exposed
    assert cli("expose", "--remove", "elasticsearch").code == 0
    assert path.read_text() == text
    empty = write(tmp_path / "docker-compose.yml", text.replace("['9201:9201']", "[]"))
    yes(cli, "elasticsearch")
    assert "ports: ['9200:9200']" not in empty.read_text()  # the file's first quote style: double
    assert 'ports: ["9200:9200"]' in empty.read_text()


def test_remove_only_the_entries_of_that_port(cli: Run, tmp_path: Path) -> None:
    text = COMPOSE.replace('    - "16380:6380"   # a sidecar\n', '    - "16380:6380"   # a sidecar\n    - 6379\n')
    path = write(tmp_path / "docker-compose.yml", text)
    assert cli("expose", "redis", "--yes").err.startswith("note: redis (port 6379) already publishes 6379")
    assert path.read_text() == text
    assert cli("expose", "--remove", "redis").code == 0
    assert path.read_text() == COMPOSE


def test_exposing_an_exposed_service_changes_nothing(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    yes(cli, "elasticsearch")
    before = (path.read_text(), path.stat().st_mtime_ns)
    (tmp_path / "docker-compose.yml.bak").unlink()
    result = cli("expose", "elasticsearch")  # nothing to confirm when nothing changes
    assert result.code == 0, result
    assert (path.read_text(), path.stat().st_mtime_ns) == before
    assert not (tmp_path / "docker-compose.yml.bak").exists()
    assert "already publishes 9200:9200: nothing to do" in result.err
    assert "restart" not in result.err and "warning" not in result.err


def test_without_a_terminal_it_needs_yes(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose", "elasticsearch")
    assert result.code == 2, result
    assert result.err.endswith(
        "error: publishing elasticsearch needs confirmation, and there is no terminal to ask on\n"
        "hint: pass --yes if you mean it (the databases have no password in the standard set-up)\n"
    )
    assert result.err.index('+      - "9200:9200"') < result.err.index("error:")  # the diff comes first
    assert path.read_text() == COMPOSE
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "clearml-config") == ["docker-compose.yml"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "exposed"), [("y\n", 0, True), ("n\n", 1, False), ("\n", 1, False)])
def test_on_a_terminal_it_asks(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, exposed: bool
) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    result = cli("expose", "redis")
    assert result.code == code, result
    assert "Publish the port of redis in docker-compose.yml? [y/N]" in result.err
    assert result.err.count("a published port is open to every network") == 1
    diff, question = result.err.index('+    - "6379:6379"'), result.err.index("Publish the port of redis")
    assert diff < question  # what will change is shown before the question about it
    assert result.err.count('+    - "6379:6379"') == 1  # and only once
    assert ('"6379:6379"' in path.read_text()) is exposed
    if not exposed:
        assert "error: not confirmed: docker-compose.yml is unchanged" in result.err


def test_dry_run_needs_no_confirmation_and_writes_nothing(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose", "elasticsearch", "--dry-run")
    assert result.code == 0, result
    assert '+      - "9200:9200"' in result.err
    assert "note: elasticsearch (port 9200) would publish 9200:9200" in result.err
    assert "would update docker-compose.yml (dry run: nothing written)" in result.err
    assert path.read_text() == COMPOSE
    assert not (tmp_path / "docker-compose.yml.bak").exists()


def test_json_quiet_and_no_backup(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose", "elasticsearch", "mongo", "--yes", "--json", "--quiet", "--no-backup")
    assert result.code == 0, result
    assert result.err == ""
    report = json.loads(result.out)
    assert report["compose"] == "docker-compose.yml"
    assert report["changed"][0]["path"] == str(path) and report["changed"][0]["backup"] is None
    assert report["services"] == [
        {"service": "elasticsearch", "port": 9200, "status": "added", "entries": ["9200:9200"], "line": None},
        {
            "service": "mongo",
            "port": 27017,
            "status": "already published",
            "entries": ["127.0.0.1:27018:27017"],
            "line": 21,  # in the file as written: two lines were added above
        },
    ]
    assert report["warnings"][0].startswith("a published port is open to every network")
    assert not (tmp_path / "docker-compose.yml.bak").exists()


def test_bare_shows_what_is_published(cli: Run, tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose")
    assert result.code == 0, result
    assert result.out == (
        "SERVICE        PORT   PUBLISHED              ORIGIN\n"
        "elasticsearch  9200   no                     -\n"
        "mongo          27017  127.0.0.1:27018:27017  docker-compose.yml:19\n"
        "redis          6379   no                     -\n"
    )
    data = json.loads(cli("expose", "--json").out)
    assert [(s["service"], s["status"]) for s in data["services"]] == [
        ("elasticsearch", "not published"),
        ("mongo", "already published"),
        ("redis", "not published"),
    ]


def test_compose_option_default_and_restart_command(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opt = write(tmp_path / "opt" / "clearml" / "docker-compose.yml", COMPOSE)
    monkeypatch.setattr(deploy, "COMPOSE_DEFAULTS", (Path("docker-compose.yml"), opt))
    result = cli("expose", "redis", "--yes")  # no ./docker-compose.yml: the one in /opt/clearml
    assert result.code == 0, result
    assert '"6379:6379"' in opt.read_text()
    assert f"restart the server to apply: docker-compose -f {opt} down && docker-compose -f {opt} up -d" in result.err
    here = write(tmp_path / "docker-compose.yml", COMPOSE)  # the current directory's comes first
    assert cli("expose", "elasticsearch", "--yes").code == 0
    assert '"9200:9200"' in here.read_text() and '"9200:9200"' not in opt.read_text()
    other = write(tmp_path / "elsewhere" / "compose.yaml", COMPOSE)
    assert cli("expose", "mongo", "--remove", "--compose", str(other)).code == 0
    assert "127.0.0.1:27018" not in other.read_text()
    assert cli("expose", "--compose", str(tmp_path / "opt" / "clearml")).code == 0  # a directory: its compose file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["postgres"], "error: SERVICE 'postgres' is not one of elasticsearch, mongo, redis\nhint: use one of them"),
        (["elastic"], "did you mean elasticsearch?"),
        (["--remove"], "--remove needs the SERVICE(s) to close"),
        (["redis", "--compose", "nope.yml"], "error: nope.yml: no such file"),
    ],
)
def test_refusals_are_exit_2(cli: Run, tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = cli("expose", *args, "--yes")
    assert result.code == 2, result
    assert message in result.err
    assert path.read_text() == COMPOSE


def test_no_compose_file_anywhere_is_a_clear_error(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "COMPOSE_DEFAULTS", (Path("docker-compose.yml"), tmp_path / "opt" / "x.yml"))
    result = cli("expose", "redis", "--yes")
    assert result.code == 2
    assert result.err.startswith("error: no docker-compose.yml found (docker-compose.yml or ")
    assert "hint: --compose FILE" in result.err


def test_a_missing_service_is_a_clear_error(cli: Run, tmp_path: Path) -> None:
    text = COMPOSE.split("  redis:")[0] + "networks:\n  backend:\n"
    path = write(tmp_path / "docker-compose.yml", text)
    result = cli("expose", "elasticsearch", "redis", "--yes")
    assert result.code == 2, result
    assert "error: docker-compose.yml has no service 'redis' (its services: apiserver, elasticsearch, mongo)" in (
        result.err
    )
    assert path.read_text() == text  # elasticsearch was fine, but nothing is written when one fails


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("services:\n  redis: [\n", 3, "docker-compose.yml:3:1: not valid YAML"),
        ("services:\n  redis: {}\n  redis: {}\n", 3, "not valid YAML"),
        ("just text\n", 3, "has no services: it is not a docker-compose file"),
        ("services:\n  redis: {image: redis}\n", 2, "is not a block mapping"),
        ("services:\n  redis:\n    image: redis\n    ports: 6379\n", 2, "ports of 'redis' is not a list"),
        (
            'services:\n  redis:\n    ports: ["1:1",\n      "2:2"]\n',
            2,
            "the ports of 'redis' span several lines",
        ),
        (
            'x-db: &db\n  ports: ["1:1"]\nservices:\n  redis:\n    <<: *db\n    image: redis\n',
            2,
            "the ports of 'redis' come from a merge key (<<: *anchor)",
        ),
        (  # `|+` keeps the blank line: ports inserted above it would change the command; the check refuses
            "services:\n  redis:\n    command: |+\n      x\n\n  mongo:\n    image: mongo\n",
            2,
            "refusing to edit docker-compose.yml: the edited file would not mean the old one",
        ),
    ],
)
def test_files_it_will_not_edit(cli: Run, tmp_path: Path, text: str, code: int, message: str) -> None:
    path = write(tmp_path / "docker-compose.yml", text)
    result = cli("expose", "redis", "--yes")
    assert result.code == code, result
    assert message in result.err
    assert path.read_text() == text


def test_crlf_and_a_missing_final_newline(cli: Run, tmp_path: Path) -> None:
    text = COMPOSE.rstrip("\n").replace("\n", "\r\n")
    text = text.replace("networks:\r\n  backend:", "").rstrip("\r\n")  # redis, unterminated, comes last
    path = tmp_path / "docker-compose.yml"
    path.write_bytes(text.encode())
    assert cli("expose", "redis", "--yes").code == 0
    assert (
        path.read_bytes()
        == (
            text.replace('- "16380:6380"   # a sidecar\r\n', '- "16380:6380"   # a sidecar\r\n    - "6379:6379"\r\n')
        ).encode()
    )
    assert cli("expose", "--remove", "redis").code == 0
    assert path.read_bytes() == text.encode()
    assert cli("expose", "elasticsearch", "--yes").code == 0
    assert b'\r\n    ports:\r\n      - "9200:9200"\r\n' in path.read_bytes()
    assert b"\n" not in path.read_bytes().replace(b"\r\n", b"")


def test_a_service_at_the_end_of_the_file_without_newline(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", "services:\n  redis:\n    image: redis")
    assert cli("expose", "redis", "--yes").code == 0
    assert path.read_text() == 'services:\n  redis:\n    image: redis\n    ports:\n      - "6379:6379"\n'


def test_mode_is_kept(cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", COMPOSE)
    path.chmod(0o640)
    assert cli("expose", "redis", "--yes").code == 0
    assert path.stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "docker-compose.yml.bak").stat().st_mode & 0o777 == 0o600  # backups are owner-only


def test_a_symlinked_compose_file_is_edited_at_its_target(cli: Run, tmp_path: Path) -> None:
    target = write(tmp_path / "deploy" / "docker-compose.yml", COMPOSE)
    link = tmp_path / "docker-compose.yml"
    link.symlink_to(target)
    result = cli("expose", "redis", "--yes")
    assert result.code == 0, result
    assert link.is_symlink()
    assert '"6379:6379"' in target.read_text()
    assert (tmp_path / "deploy" / "docker-compose.yml.bak").read_text() == COMPOSE
    assert f"via its link to {target}" in result.err


@pytest.mark.parametrize(
    ("entry", "port", "published"),
    [
        ("9200:9200", 9200, True),
        ("127.0.0.1:19200:9200", 9200, True),
        ("[::1]:9200:9200/tcp", 9200, True),
        ("9200-9300:9200-9300", 9250, True),
        ("9200", 9200, True),
        (9200, 9200, True),
        ({"target": 9200, "published": 19200}, 9200, True),
        ("9200:9201", 9200, False),
        ("19200:9300", 9200, False),
        (True, 1, False),
    ],
)
def test_publishes(entry: object, port: int, published: bool) -> None:
    assert deploy.publishes(entry, port) is published


@needs_reference
def test_the_servers_own_compose_file_keeps_every_comment(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    shutil.copyfile(COMPOSE_REFERENCE, path)
    original = path.read_text()
    yes(cli, "elasticsearch", "mongo", "redis")
    exposed = path.read_text()
    diff = list(difflib.ndiff(original.splitlines(), exposed.splitlines()))
    assert not [line for line in diff if line.startswith("- ")]  # nothing removed or changed
    added = [line[2:] for line in diff if line.startswith("+ ")]
    assert added == [
        "    ports:",
        '      - "9200:9200"',  # elasticsearch indents its lists
        "    ports:",
        '    - "27017:27017"',  # mongo does not
        "    ports:",
        '    - "6379:6379"',
    ]
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert comments and comments == [line for line in exposed.splitlines() if line.lstrip().startswith("#")]
    from ruamel.yaml import YAML

    services = YAML(typ="safe").load(exposed)["services"]
    assert services["elasticsearch"]["ports"] == ["9200:9200"]
    assert services["mongo"]["ports"] == ["27017:27017"]
    assert services["redis"]["ports"] == ["6379:6379"]
    assert services["apiserver"]["ports"] == ["8008:8008"]
    yes(cli, "--remove", "elasticsearch", "mongo", "redis")
    assert path.read_text() == original
