"""The effective view where it used to differ from the server (issue 14, classes A-E), each case as the server's
own loader computes it (tests/views/test_server_differential.py runs random ones against it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write


def effective(cli: Run, *args: str, env: dict[str, str] | None = None) -> Any:
    result = cli("show", "--effective", "--json", *args, env=env)
    assert result.code == 0, result
    return json.loads(result.out)


# --- A: a `-key` where the key does not exist yet ---------------------------------------------------------------


def test_a_dash_key_for_a_new_key_sets_the_key(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-newkey: 5\nauth { -brand { x: 1 } }\n--x: 1\nnewthing { -inner: 1 }\n")
    tree = effective(cli, "apiserver")
    assert tree["newkey"] == 5 and "-newkey" not in tree
    assert tree["auth"]["brand"] == {"x": 1}
    assert tree["-x"] == 1  # one `-` dropped
    assert tree["newthing"] == {"-inner": 1}  # below a new key nothing is merged: the `-` stays


def test_a_dash_file_and_a_dash_variable_for_new_keys(cli: Run, config_dir: Path) -> None:
    write(config_dir / "-newns.conf", "a: 1\n")
    tree = effective(cli, env={"CLEARML__APISERVER__-NEWKEY": "5"})
    assert tree["newns"] == {"a": 1} and tree["apiserver"]["newkey"] == 5


def test_explain_says_the_dash_is_dropped(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-newkey: 5\n")
    result = cli("explain", "apiserver.newkey", "--json")
    assert result.code == 0, result
    (step,) = json.loads(result.out)["steps"]
    assert (step["action"], step["reason"]) == (
        "sets it, written '-newkey'",
        "'-newkey' sets newkey: the server drops the '-' of a key it merges",
    )


# --- B: quoted keys -----------------------------------------------------------------------------------------------


def test_a_quoted_key_with_a_dash_is_a_key_of_its_own(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", '"a.b": 1\n"-a.b": 2\n"-c": 3\n')
    tree = effective(cli, "apiserver")
    # pyhocon keeps the quotes on a key holding a dot, so the server never sees a leading `-` there; `"-c"`
    # holds no such character and loses its quotes, and then its `-`
    assert (tree["a.b"], tree["-a.b"], tree["c"]) == (1, 2, 3)


# --- C: the variables are merged with each other first ------------------------------------------------------------


def test_variables_merge_with_each_other_before_the_files(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "newsec { b { x: 1 } }\n")
    variables = {"CLEARML__APISERVER__NEWSEC__B": "5", "CLEARML__APISERVER__NEWSEC__B__Y": "2"}
    assert effective(cli, "apiserver.newsec", env=variables) == {"b": {"x": 1, "y": 2}}


def test_a_dash_variable_at_the_top_merges_into_the_defaults(cli: Run) -> None:
    tree = effective(cli, "apiserver", env={"CLEARML__-APISERVER__RETURN_STACK": "true"})
    assert tree["return_stack"] is True
    assert tree["cors"] == {"origins": "*", "supports_credentials": True}  # the defaults stay


def test_the_file_server_merges_its_variables_first_too(cli: Run) -> None:
    variables = {"CLEARML__FILESERVER__CORS": "5", "CLEARML__FILESERVER__CORS__MAX_AGE": "2"}
    tree = effective(cli, "fileserver", "--component", "fileserver", env=variables)
    assert tree["cors"]["max_age"] == 2 and tree["cors"]["origins"] == "*"


# --- D: two files of one folder that set the same key -------------------------------------------------------------


def test_files_of_one_folder_are_read_in_the_file_systems_order(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "workers { x: 1, y: 1 }\n")
    write(config_dir / "services.workers.conf", "x: 2\n")
    order = [p.name for p in config_dir.rglob("*.conf")]
    winner = 2 if order.index("services.workers.conf") > order.index("services.conf") else 1
    assert effective(cli, "services.workers") == {"x": winner, "y": 1}
    result = cli("check", "--json")
    overlaps = [f for f in json.loads(result.out) if f["code"] == "overlapping-files"]
    first, last = sorted(["services.conf", "services.workers.conf"], key=order.index)
    assert overlaps == [
        {
            "code": "overlapping-files",
            "severity": "warning",
            "file": str(config_dir / last),
            "line": 1,
            "column": 1 if last == "services.workers.conf" else 11,
            "variable": None,
            "message": f"{first}:1 and {last} both set services.workers.x: the server reads the files of one "
            f"folder in the file system's order, here {last} last, so its value wins; on another file system "
            f"{first} may win",
            "hint": "set services.workers.x in one of the two files only",
            "fixable": False,
        }
    ]
    assert result.code == 0  # a warning


def test_a_subfolder_is_read_after_its_folder_and_is_no_overlap(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks { x: 1 }\n")
    write(config_dir / "services" / "tasks.conf", "x: 2\n")
    assert effective(cli, "services.tasks.x") == 2
    assert "overlapping-files" not in [f["code"] for f in json.loads(cli("check", "--json").out)]
    explained = json.loads(cli("explain", "services.tasks.x", "--json").out)["steps"]
    assert explained[-1]["reason"] == (
        "services/tasks.conf is read after services.conf: a subfolder's files come after the folder's own"
    )


# --- E: a value pyhocon never finishes reading --------------------------------------------------------------------


def test_a_value_the_server_never_finishes_reading_is_an_error_at_once(config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "y { n: ${HOME} }\ny: ${?NOPE}\n")
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config_dir)}
    for command in (["show", "--effective"], ["check"]):
        # a guard, not a measure: the server's loader never returns on this file, and we must
        run = subprocess.run(
            [sys.executable, "-m", "clearml_cfg", *command], env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 3, run
    assert run.stdout == (
        "error apiserver.conf:1:8 server-cannot-load pyhocon never finishes reading this value: it overrides itself "
        "(the server would hang at start)\n"
        "  hint: fix the file by hand: a value must not be built from itself\n"
    )


# --- check reads a correct file right when another cannot be loaded ------------------------------------------------


@pytest.mark.parametrize("broken", ['url: "http://x/"${id}\n', "a: [\n"])
def test_check_reads_the_other_files_as_they_are(cli: Run, config_dir: Path, broken: str) -> None:
    hashed = "JDJiJDA0JGdMbzBSbUVuWUlUL3Z2ZTJaVzRKVU9uUzVyWXpMOVVtcUFOYXJxRi5VMmRzN1JiUWFwQzZH"
    write(
        config_dir / "apiserver.conf",
        f'auth.fixed_users {{ enabled: true, pass_hashed: true, users: [{{ username: "jane", password: "{hashed}", '
        'name: "Jane" }] }\n',
    ).chmod(0o600)
    write(config_dir / "services.conf", broken)
    result = cli("check", "--json")
    assert result.code == 3
    assert [(f["code"], Path(f["file"]).name) for f in json.loads(result.out)] == [
        ("server-cannot-load" if "$" in broken else "parse-error", "services.conf")
    ]


@pytest.mark.parametrize("broken", ['url: "http://x/"${id}\n', "fifo"])
def test_check_keeps_the_real_findings_and_fixes_only_them(cli: Run, config_dir: Path, broken: str) -> None:
    """A file the server cannot load (or that cannot be read) leaves the others' findings, and --fix, as they are."""
    hashed = "JDJiJDA0JGdMbzBSbUVuWUlUL3Z2ZTJaVzRKVU9uUzVyWXpMOVVtcUFOYXJxRi5VMmRzN1JiUWFwQzZH"
    text = (
        f'auth.fixed_users {{ enabled: true, pass_hashed: true, users: [{{ username: "jane", password: "{hashed}", '
        'name: "Jane" }] }\nauth.cookies.domain: "clearml.example.com"\n'
    )
    write(config_dir / "apiserver.conf", text).chmod(0o600)
    if broken == "fifo":
        os.mkfifo(config_dir / "services.conf")
    else:
        write(config_dir / "services.conf", broken)
    codes = sorted(f["code"] for f in json.loads(cli("check", "--json").out))
    failing = {"fifo": "unreadable-file"}.get(broken, "server-cannot-load")
    assert codes == sorted(["cookie-domain-no-dot", failing])
    fixed = cli("check", "--fix")
    dotted = text.replace('"clearml.example.com"', '".clearml.example.com"')
    assert (config_dir / "apiserver.conf").read_text() == dotted
    assert fixed.code == 3


# --- env and set values ---------------------------------------------------------------------------------------------


def test_env_for_a_dash_key_prints_a_form_a_shell_can_run(cli: Run) -> None:
    result = cli("env", "apiserver.-cors", '{origins: "a"}')
    assert (result.code, result.out) == (
        0,
        "# shell: no shell variable can be named CLEARML__APISERVER__-CORS; pass it to the server's command with env\n"
        "env 'CLEARML__APISERVER__-CORS={ origins: \"a\" }' COMMAND\n"
        "# docker-compose, under environment:\n"
        'CLEARML__APISERVER__-CORS: "{ origins: \\"a\\" }"\n',
    )
    shell = cli("env", "apiserver.-cors", '{origins: "a"}', "--shell").out.strip()
    show = "import os; print(os.environ['CLEARML__APISERVER__-CORS'])"  # the server is a Python process
    run = subprocess.run(f'{shell} {sys.executable} -c "{show}"', shell=True, capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, '{ origins: "a" }\n')
    assert json.loads(cli("env", "apiserver.-cors", "5", "--json").out)["exportable"] is False


def test_env_compose_escapes_what_yaml_cannot_hold(cli: Run) -> None:
    from ruamel.yaml import YAML

    value = "a\x7fb\x85c\x90\u2028d"
    line = cli("env", "apiserver.x", value, "--compose").out
    assert line == 'CLEARML__APISERVER__X: "\\"a\\u007fb\\u0085c\\u0090\\u2028d\\""\n'
    text = json.loads(cli("env", "apiserver.x", value, "--json").out)["value"]  # quoted HOCON: `"a...d"`
    assert YAML(typ="safe").load(line) == {"CLEARML__APISERVER__X": text}


def test_a_substitution_typed_as_hocon_is_refused_not_a_crash(cli: Run) -> None:
    for command in (["env", "apiserver.x"], ["set", "apiserver.x"]):
        result = cli(*command, "${HOME}", "--type", "hocon")
        assert (result.code, result.err) == (
            2,
            "error: VALUE holds a substitution (${...} outside quotes), which the server would resolve from its own "
            "environment: clearml-cfg writes values, not substitutions\n"
            "hint: quote the text that holds ${...}, or pass --type string to write VALUE as text\n",
        )


def test_set_reads_a_substitution_inside_quotes_as_text(cli: Run, config_dir: Path) -> None:
    actions = '[{name: "Go", action: {method: GET, url: "http://example.com/${id}"}}]'
    result = cli("set", "services.organization.ui_actions.task", actions, "-q")
    assert result.code == 0, result
    written = effective(cli, "services.organization.ui_actions.task")
    assert written == [{"name": "Go", "action": {"method": "GET", "url": "http://example.com/${id}"}}]
    bare = cli("set", "apiserver.x", "http://x/${id}")  # unquoted: the literal fallback, with a note
    assert bare.code == 0 and "note: written as a string (substitutions such as ${...} are not evaluated)" in bare.err
    assert effective(cli, "apiserver.x") == "http://x/${id}"


# --- includes the server's loader fails on ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {"apiserver.conf": 'include "extra/*.conf"\nb: 1\n'},
            'include "extra/*.conf" matches no file, and pyhocon fails on that (AttributeError)',
        ),
        (
            {"apiserver.conf": 'include required("nothere.inc")\nb: 1\n'},
            'include required("nothere.inc") names {dir}/nothere.inc, which does not exist',
        ),
        (
            {"apiserver.conf": 'include "*.conf"\nb: 1\n'},
            'include "*.conf" closes a cycle of includes, which pyhocon follows until RecursionError',
        ),
        (
            {"apiserver.conf": 'include "other.inc"\nb: 1\n', "other.inc": 'include "apiserver.conf"\n'},
            'it includes {dir}/other.inc: include "apiserver.conf" closes a cycle of includes, which pyhocon follows '
            "until RecursionError",
        ),
    ],
)
def test_an_include_the_server_fails_on_is_exit_3(
    cli: Run, config_dir: Path, files: dict[str, str], reason: str
) -> None:
    for name, text in files.items():
        write(config_dir / name, text)
    reason = reason.format(dir=config_dir)
    for command in (["show"], ["show", "--effective"], ["get", "apiserver.b"]):
        result = cli(*command)
        assert (result.code, result.err) == (
            3,
            f"error: {config_dir / 'apiserver.conf'}:1:1: {reason}: the server cannot load this file\n"
            "hint: remove the include, or make it name a file that exists (and does not include this one)\n",
        ), command
    findings = json.loads(cli("check", "--json").out)
    assert [(f["code"], f["line"]) for f in findings] == [("server-cannot-load", 1)]


def test_an_include_of_a_missing_file_is_skipped_as_pyhocon_skips_it(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'include "nothere.inc"\nb: 1\n')
    assert effective(cli, "apiserver.b") == 1
