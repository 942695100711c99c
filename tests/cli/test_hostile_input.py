"""Hostile input, item by item of "Hardening round 2": what each bad file, argument or variable gives (the exact
exit code and message), and that every file is as it was afterwards. Time and memory: bench/bench_limits.py;
the corpus of bad inputs as such: test_bad_input_corpus.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import Run, write
from filesystem import picture
from helpers import own_secrets

from clearml_cfg.model.schema import MASK

# --- 4 and 5: devices, FIFOs, includes, expansions (the corpus has the rest) -----------------------------------


def test_a_fifo_among_the_files_is_refused_without_waiting(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    os.mkfifo(config_dir / "a.conf")
    before = picture(config_dir)
    for args in (("show",), ("set", "apiserver.b", "1"), ("show", "--effective")):
        result = cli(*args)
        assert result.code == 3
        assert result.err == (
            f"error: {config_dir}/a.conf is a FIFO (named pipe), not a regular file\n"
            "hint: the server would wait on it for ever at start: remove it, or move it out of the way\n"
        )
    assert picture(config_dir) == before


def test_a_url_include_is_never_fetched_and_check_says_so(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'a: 1\ninclude required(url("https://ops:pw1@10.255.255.1/x.conf"))\n')
    write(config_dir / "secure.conf", own_secrets())
    before = picture(config_dir)
    found = cli("check")
    assert found.code == 0
    assert found.out == (
        "warning apiserver.conf:2:1 include-url the server fetches https://ops:********@10.255.255.1/x.conf at "
        "every start (an `include`), and cannot start while it is unreachable if the include is required; "
        "clearml-cfg never fetches it, so nothing it brings is checked\n"
        "  hint: copy what it serves into a .conf file of the config directory, so that the configuration is on "
        "disk and checked\n"
    )
    shown = cli("get", "--effective", "apiserver.a")
    assert (shown.code, shown.out) == (0, "1\n")
    assert shown.err.endswith(
        "warning: apiserver.conf:2: the server fetches https://ops:********@10.255.255.1/x.conf at every start "
        "(an `include`); clearml-cfg does not, so what it brings is not shown\n"
    )
    assert picture(config_dir) == before


# --- 6: secrets in parse-error excerpts and in bad variables -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "where", "shown"),
    [
        (
            "apiserver.conf",
            'a: 1\npassword: """SECRET-1\nmore SECRET-1b\n',
            '2:11: unterminated triple-quoted string: no closing """',
            f"password: {MASK}\n          ^",
        ),
        (
            "apiserver.conf",
            'a: 1\npassword:\n  "SECRET-2\n',
            "3:3: unterminated string: the closing '\"' must be on the same line (write a line break as \\n)",
            f"  {MASK}\n  ^",
        ),
        (
            "apiserver.conf",
            'password: "ok" "SECRET-3 }\n',
            "1:16: unterminated string: the closing '\"' must be on the same line (write a line break as \\n)",
            f'password: "{MASK}" {MASK}\n                     ^',
        ),
        (
            "secure.conf",
            'http {\n  session_secret {\n    apiserver: "SECRET-4\n  }\n}\n',
            "3:16: unterminated string: the closing '\"' must be on the same line (write a line break as \\n)",
            f"    apiserver: {MASK}\n               ^",
        ),
    ],
    ids=["triple-quoted", "next line", "concatenation", "inside a secret block"],
)
def test_a_parse_error_excerpt_hides_a_secret_the_lines_before_announce(
    cli: Run, config_dir: Path, name: str, text: str, where: str, shown: str
) -> None:
    path = write(config_dir / name, text)
    result = cli("show")
    assert result.code == 3
    assert result.err == (
        f"error: {path}:{where}\n{shown}\nhint: fix the file by hand; the server cannot start with it either\n"
    )
    assert path.read_text() == text


def test_a_substitution_error_excerpt_hides_the_secret(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", 'password: "SECRET-6"${nope}\n')
    result = cli("get", "apiserver.password")
    assert result.code == 3
    assert result.err == (
        f"error: {path}:1:21: cannot resolve ${{nope}}: no such key in this file and no such environment variable\n"
        f'password: "{MASK}"${{nope}}\n'
        "                    ^\n"
        "hint: the server would fail to start with this file\n"
    )


@pytest.mark.parametrize(
    "args",
    [("show", "--effective"), ("explain", "hosts.redis.apiserver.password"), ("get", "--effective", "hosts.redis")],
    ids=" ".join,
)
def test_a_bad_variable_of_a_secret_key_is_never_repeated(cli: Run, config_dir: Path, args: tuple[str, ...]) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    result = cli(*args, env={"CLEARML__HOSTS__REDIS__APISERVER__PASSWORD": "x = SECRET-7"})
    assert result.code == 3
    assert result.err.endswith(
        f"error: CLEARML__HOSTS__REDIS__APISERVER__PASSWORD='{MASK}': the server cannot parse it and fails to start "
        f"(pyhocon stops at '=', column 35 of 'hosts.redis.apiserver.password: {MASK}')\n"
        f"hint: quote the value, e.g. CLEARML__HOSTS__REDIS__APISERVER__PASSWORD='\"{MASK}\"' with the value inside "
        "the double quotes (clearml-cfg env KEY --value-stdin writes it), or unset it; --ignore-bad-env shows the "
        "rest anyway\n"
    )
    assert "SECRET-7" not in result.out + result.err


# --- 7: secrets by name and by what they are; new files that hold them ------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "pass",
        "pwd",
        "passphrase",
        "apikey",
        "api-key",
        "secretkey",
        "accesskey",
        "bearer",
        "credentials",
        "connection_string",
        "db_pass",
        "my-api-key",
    ],
)
def test_a_secret_is_masked_by_its_name(cli: Run, config_dir: Path, key: str) -> None:
    write(config_dir / "hosts.conf", f'custom {{ "{key}": "Hidden-1" }}\n')
    result = cli("show", "hosts", tty=True, env={"NO_COLOR": "1"})
    assert result.code == 0
    assert result.out == f'custom {{\n    {key}: "{MASK}"\n}}\n'


def test_http_auth_of_an_elastic_cluster_is_masked(cli: Run, config_dir: Path) -> None:
    write(config_dir / "hosts.conf", 'elastic.workers.args.http_auth: ["elastic", "Hidden-2"]\n')
    result = cli("get", "hosts.elastic.workers.args", "--json", tty=True, env={"NO_COLOR": "1"})
    assert result.code == 0
    assert result.out == f'{{\n  "http_auth": [\n    "{MASK}",\n    "{MASK}"\n  ]\n}}\n'


def test_a_secret_is_masked_by_what_it_is(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "hosts.conf",
        'a: "mongodb://admin:Hidden-3@mongo:27017/backend"\n'
        'b: "https://ci.example.com/hook?token=Hidden-4&x=1"\n'
        'c: "Bearer Hidden-5abc"\n',
    )
    result = cli("show", "hosts", "--json", tty=True, env={"NO_COLOR": "1"})
    assert result.code == 0
    assert result.out == (
        "{\n"
        f'  "a": "mongodb://admin:{MASK}@mongo:27017/backend",\n'
        f'  "b": "https://ci.example.com/hook?token={MASK}&x=1",\n'
        f'  "c": "Bearer {MASK}"\n'
        "}\n"
    )


def test_a_new_file_holding_a_url_password_is_owner_only(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    result = cli("set", "hosts.mongo.backend.host", "mongodb://admin:Hidden-6@mongo:27017/backend")
    assert result.code == 0
    assert (
        "warning: the value of hosts.mongo.backend.host was on the command line: other users can see it in the "
        "process list, and it stays in the shell history; --value-stdin reads it from standard input instead"
    ) in result.err.splitlines()
    assert "Hidden-6" not in result.err
    assert stat.S_IMODE((config_dir / "hosts.conf").stat().st_mode) == 0o600


def test_a_new_services_conf_with_a_url_password_is_owner_only(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    result = cli("ui-action", "add", "task", "Run", "--url", "https://ci:Hidden-7@ci.example.com/${id}", "--quiet")
    assert result.code == 0
    assert stat.S_IMODE((config_dir / "services.conf").stat().st_mode) == 0o600


# --- 8: a file the server cannot load is never made ---------------------------------------------------------


@pytest.mark.parametrize("name", list("*?!@&^#=+:$[]}`"))
def test_a_key_whose_file_the_server_cannot_load_is_refused(cli: Run, config_dir: Path, name: str) -> None:
    config_dir.mkdir(exist_ok=True)
    result = cli("set", f'"{name}".x', "1", "--force")
    assert result.code == 2
    assert result.err == (
        f"error: '{name}.conf' cannot be the name of a configuration file: the server makes no key of it and would "
        "fail to start\n"
        "hint: name files and the first part of keys with letters, digits, '_' and '-' (apiserver.x is "
        "apiserver.conf)\n"
    )
    assert list(config_dir.iterdir()) == []
    assert cli("show").code == 0  # and the directory still reads


def test_a_key_whose_file_the_server_reads_as_another_section_is_refused(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    result = cli("set", "a$b.x", "1", "--force")
    assert result.code == 2
    assert result.err == (
        "error: 'a$b.conf' cannot be the name of a configuration file: the server would read it as the section "
        "a.b, not a$b\n"
        "hint: name files and the first part of keys with letters, digits, '_' and '-' (apiserver.x is "
        "apiserver.conf)\n"
    )
    assert list(config_dir.iterdir()) == []


# --- 10: keys of up to 1,000 parts ---------------------------------------------------------------------------


@pytest.mark.parametrize("parts", [400, 1000])
@pytest.mark.parametrize(
    "args",
    [("show",), ("get", "apiserver.k"), ("export", "--format", "json"), ("list-users",)],
    ids=" ".join,
)
def test_keys_of_up_to_1000_parts_are_read_by_every_command(
    cli: Run, config_dir: Path, parts: int, args: tuple[str, ...]
) -> None:
    path = write(config_dir / "apiserver.conf", ".".join(["k"] * parts) + ": 1\n")
    result = cli(*args)
    assert result.code == 0, str(result)[:500]
    assert path.read_text() == ".".join(["k"] * parts) + ": 1\n"


def test_check_reads_a_key_of_400_parts_and_says_the_server_fails_on_1000(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", ".".join(["k"] * 400) + ": 1\n")
    assert cli("check").code == 0
    path.write_text(".".join(["k"] * 1000) + ": 1\n")
    result = cli("check")
    assert result.code == 3
    assert result.out == (
        "error apiserver.conf server-cannot-load the server cannot load this file: its parser runs out of room "
        "(RecursionError) on keys nested this deep\n"
        "  hint: the server fails at start too (near 976 levels in all): nest the keys less deeply\n"
    )


@pytest.mark.parametrize("parts", [400, 1000])
def test_set_in_a_file_with_a_key_of_1000_parts(cli: Run, config_dir: Path, parts: int) -> None:
    text = ".".join(["k"] * parts) + ": 1\n"
    path = write(config_dir / "apiserver.conf", text)
    result = cli("set", "apiserver.b", "2", "--quiet")
    assert (result.code, result.err) == (0, "")
    assert path.read_text() == text + "b: 2\n"


def test_a_key_argument_of_more_than_1000_parts_is_a_usage_error(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", "a: 1\n")
    result = cli("set", "apiserver." + ".".join(["k"] * 60_000), "1")
    assert result.code == 2
    assert result.err == (
        "error: the key has 60,001 parts: keys nested deeper than 1000 levels are not supported\n"
        "hint: the server's parser fails on such keys too (near 980 parts): use a shorter key\n"
    )
    assert path.read_text() == "a: 1\n"


# --- 12: escape sequences never reach a terminal --------------------------------------------------------------

ESCAPED = "\\u001b[31mred\\u001b]0;title\\u0007"


def test_a_value_with_escape_sequences_is_escaped_on_a_terminal(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'x: "\x1b[31mred\x1b]0;title\x07"\n')
    on_terminal = cli("get", "apiserver.x", tty=True, env={"NO_COLOR": "1"})
    assert (on_terminal.code, on_terminal.out) == (0, ESCAPED + "\n")
    shown = cli("show", "apiserver", tty=True, env={"NO_COLOR": "1"})
    assert shown.out == f'x: "{ESCAPED}"\n'
    piped = cli("get", "apiserver.x")
    assert piped.out == "\x1b[31mred\x1b]0;title\x07\n"  # a script gets the value exactly


def test_a_parse_error_excerpt_escapes_control_characters(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", 'x: "a\x1b[31mb\x07 \n')
    result = cli("get", "apiserver.x")
    assert result.code == 3
    assert result.err == (
        f"error: {path}:1:4: unterminated string: the closing '\"' must be on the same line (write a line break "
        "as \\n)\n"
        'x: "a\\u001b[31mb\\u0007 \n'
        "   ^\n"
        "hint: fix the file by hand; the server cannot start with it either\n"
    )


def test_a_key_with_escape_sequences_is_escaped_in_messages(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    result = cli("get", 'apiserver."\x1b]0;owned\x07"')
    assert result.code == 1
    assert result.err == (
        'error: apiserver."\\u001b]0;owned\\u0007" is not set in the configuration files '
        f"({config_dir}, from CLEARML_CONFIG_DIR)\n"
        "hint: --default VALUE prints a fallback instead\n"
    )


# --- 13: secrets on the command line ---------------------------------------------------------------------------


def test_env_warns_about_a_secret_value_and_reads_one_from_stdin(cli: Run) -> None:
    given = cli("env", "hosts.mongo.backend.password", "S3cret-pw", "--format", "shell")
    assert (given.code, given.out) == (0, "CLEARML__HOSTS__MONGO__BACKEND__PASSWORD=S3cret-pw\n")
    assert given.err == (
        "warning: the value of hosts.mongo.backend.password was on the command line: other users can see it in "
        "the process list, and it stays in the shell history; --value-stdin reads it from standard input instead\n"
    )
    piped = cli("env", "hosts.mongo.backend.password", "--value-stdin", "--format", "shell", stdin="S3cret-pw\n")
    assert (piped.code, piped.out, piped.err) == (0, "CLEARML__HOSTS__MONGO__BACKEND__PASSWORD=S3cret-pw\n", "")


def test_ui_action_warns_about_credentials_in_arguments_and_reads_headers_from_stdin(
    cli: Run, config_dir: Path
) -> None:
    config_dir.mkdir(exist_ok=True)
    url = "https://ci:pw123@ci.example.com/${id}"
    given = cli("ui-action", "add", "task", "Run", "--url", url, "-H", "Authorization: Bearer tok12345678")
    assert given.code == 0
    warnings = [line for line in given.err.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: the Authorization header was on the command line: other users can see it in the process list, "
        "and it stays in the shell history; --headers-stdin reads headers from standard input instead",
        "warning: a password in the url was on the command line: other users can see it in the process list, and "
        "it stays in the shell history; and every browser that shows the menu gets it too: send it as an "
        "Authorization header with --headers-stdin instead",
    ]
    assert "tok12345678" not in given.err and "pw123" not in given.err
    piped = cli(
        "ui-action",
        "add",
        "task",
        "Piped",
        "--url",
        "https://ci.example.com/${id}",
        "--headers-stdin",
        "-q",
        stdin="Authorization: Bearer tok12345678\nX-Team: ml\n",
    )
    assert (piped.code, piped.err) == (0, "")
    listed = cli("ui-action", "list", "task", "--json", "--show-secrets")
    assert '"Authorization": "Bearer tok12345678"' in listed.out and '"X-Team": "ml"' in listed.out


def test_helm_env_warns_about_secrets_in_plain_values(cli: Run, config_dir: Path) -> None:
    write(config_dir / "hosts.conf", 'mongo.backend.password: "S3cret"\n')
    result = cli("export", "--format", "helm-env", "--component", "apiserver")
    assert result.code == 0
    assert (
        "warning: CLEARML__HOSTS__MONGO__BACKEND__PASSWORD carries passwords or secrets, and the chart puts extraEnvs "
        "into the Deployment as plain values, readable by anyone who can read the namespace: keep them in a "
        "Kubernetes Secret and reference it with valueFrom.secretKeyRef instead\n"
    ) in result.err


# --- 14: messages that say what is wrong ------------------------------------------------------------------------


def test_compose_pointing_at_a_fifo_a_directory_or_a_device(cli: Run, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yml")
    (tmp_path / "empty").mkdir()
    expected = {
        str(tmp_path / "pipe.yml"): (
            3,
            f"error: {tmp_path}/pipe.yml is a FIFO (named pipe), not a regular file\n"
            "hint: --compose names the server's docker-compose.yml\n",
        ),
        str(tmp_path / "empty"): (
            2,
            f"error: {tmp_path}/empty is a directory without a docker-compose.yml\n"
            "hint: --compose names the server's docker-compose.yml, or the directory that holds it\n",
        ),
        "/dev/zero": (
            3,
            "error: /dev/zero is a character device, not a regular file\n"
            "hint: --compose names the server's docker-compose.yml\n",
        ),
    }
    for compose, (code, err) in expected.items():
        result = cli("expose", "mongo", "--compose", compose)
        assert (result.code, result.err) == (code, err)


def test_aliased_ports_are_refused_with_their_anchor(cli: Run, tmp_path: Path) -> None:
    text = 'services:\n  mongo:\n    image: mongo\n    ports: &p ["1:1"]\n  redis:\n    image: redis\n    ports: *p\n'
    compose = write(tmp_path / "docker-compose.yml", text)
    result = cli("expose", "mongo", "--compose", str(compose))
    assert result.code == 2
    assert result.err == (
        f"error: {compose}: the ports of 'mongo' are the YAML anchor &p, which other places may share through *p: "
        "an edit of one would change them all; clearml-cfg does not edit those\n"
        "hint: edit the file by hand (give mongo a ports list of its own)\n"
    )
    assert compose.read_text() == text


def test_an_included_file_that_is_not_hocon_is_named_not_dumped(cli: Run, config_dir: Path, tmp_path: Path) -> None:
    shadow = write(tmp_path / "shadow", "root:$6$SecretHash:19000:0:99999:7:::\n")
    write(config_dir / "apiserver.conf", f'include required(file("{shadow}"))\na: 1\n')
    result = cli("show", "--effective")
    assert result.code == 3
    assert result.err == (
        f"error: {config_dir}/apiserver.conf: its include of {shadow} fails: it is not HOCON (line 1, column 6: "
        "unexpected '$')\n"
        "hint: the server cannot start with it either: fix the include, or the file it names\n"
    )
