"""clearml-cfg ui-action add / list / remove through the real command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import pyhocon_plain

NOTICE = "custom UI actions are a ClearML Enterprise feature: the open-source server ignores them"
ENTERPRISE = f"note: {NOTICE}\n"

# A services.conf written by hand in the documented format, with comments everywhere.
SERVICES = """\
# custom actions for our CI
organization.ui_actions: {
  # key: the object type
  task: [
    {
      # shown in the context menu
      name: "Rerun"
      tooltip: "Rerun in CI"
      action {
        method: POST
        url: "https://ci.example.com/rerun/${id}"  # ${id}: the task's id
      }
    }
  ]
}
"""


def actions(config_dir: Path, kind: str = "task", name: str = "services.conf") -> list[dict[str, object]]:
    tree = pyhocon_plain((config_dir / name).read_text())
    return tree["organization"]["ui_actions"][kind]  # type: ignore[no-any-return]


def test_add_to_a_new_file_in_the_documented_format(cli: Run, config_dir: Path) -> None:
    result = cli(
        "ui-action",
        "add",
        "task",
        "Open in Jira",
        "--url",
        "https://jira.example.com/browse/${id}",
        "--method",
        "post",
        "--tooltip",
        'Open the "ticket"',
        "--payload",
        '{"task": "${id}", "note": "it\'s \\"quoted\\""}',
        "--header",
        "Content-Type: application/json",
        "-H",
        "X-Token:  abc: def ",
    )
    assert result.code == 0, result
    assert (
        (config_dir / "services.conf").read_text()
        == """\
organization {
    ui_actions {
        task: [
            {
                name: "Open in Jira"
                tooltip: "Open the \\"ticket\\""
                action {
                    method: "POST"
                    url: "https://jira.example.com/browse/${id}"
                    payload: "{\\"task\\": \\"${id}\\", \\"note\\": \\"it's \\\\\\"quoted\\\\\\"\\"}"
                    headers {
                        "Content-Type": "application/json"
                        "X-Token": "abc: def"
                    }
                }
            }
        ]
    }
}
"""
    )
    assert actions(config_dir) == [
        {
            "name": "Open in Jira",
            "tooltip": 'Open the "ticket"',
            "action": {
                "method": "POST",
                "url": "https://jira.example.com/browse/${id}",
                "payload": '{"task": "${id}", "note": "it\'s \\"quoted\\""}',
                "headers": {"Content-Type": "application/json", "X-Token": "abc: def"},
            },
        }
    ]
    assert ENTERPRISE in result.err
    assert "note: added task action 'Open in Jira': POST https://jira.example.com/browse/${id}" in result.err
    assert "no ${id}" not in result.err


def test_add_appends_in_the_lists_layout_keeping_comments(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("ui-action", "add", "task", "Logs", "--url", "https://logs.example.com/?task=${id}")
    assert result.code == 0, result
    assert path.read_text() == SERVICES.replace(
        "    }\n  ]\n}\n",
        """\
    }
    {
      name: "Logs"
      action: {
        method: "GET"
        url: "https://logs.example.com/?task=${id}"
      }
    }
  ]
}
""",
    )
    assert [a["name"] for a in actions(config_dir)] == ["Rerun", "Logs"]
    assert (config_dir / "services.conf.bak").read_text() == SERVICES


def test_add_another_object_type(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    assert cli("ui-action", "add", "Queue", "Drain", "--url", "https://ops.example.com/drain/${id}").code == 0
    assert path.read_text() == SERVICES.replace(
        "  ]\n}\n",
        """\
  ]

  queue: [
    {
      name: "Drain"
      action: {
        method: "GET"
        url: "https://ops.example.com/drain/${id}"
      }
    }
  ]
}
""",
    )


def test_payload_without_method_is_post(cli: Run, config_dir: Path) -> None:
    result = cli("ui-action", "add", "model", "Deploy", "--url", "https://x.example.com/${id}", "--payload", "{}")
    assert result.code == 0, result
    assert actions(config_dir, "model")[0]["action"] == {
        "method": "POST",
        "url": "https://x.example.com/${id}",
        "payload": "{}",
    }
    assert "note: method POST, because a payload is given (--method sets another)" in result.err
    get = cli(
        "ui-action", "add", "model", "Peek", "--url", "https://x.example.com/${id}", "-m", "GET", "--payload", "x"
    )
    assert "browsers send no body with GET" in get.err


def test_a_url_without_id_gets_a_note(cli: Run, config_dir: Path) -> None:
    result = cli("ui-action", "add", "project", "Dashboard", "--url", "https://grafana.example.com/")
    assert result.code == 0
    assert "note: the url has no ${id}: every object will send the same request" in result.err


def test_duplicate_name_needs_replace(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    refused = cli("ui-action", "add", "task", "Rerun", "--url", "https://other.example.com/${id}")
    assert refused.code == 2, refused
    assert refused.err == (
        "error: task already has an action named 'Rerun'\n"
        "hint: --replace replaces it; clearml-cfg ui-action remove task Rerun removes it\n"
    )
    assert path.read_text() == SERVICES
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]
    replaced = cli(
        "ui-action", "add", "task", "Rerun", "--url", "https://other.example.com/${id}", "-m", "DELETE", "--replace"
    )
    assert replaced.code == 0, replaced
    assert (
        path.read_text()
        == """\
# custom actions for our CI
organization.ui_actions: {
  # key: the object type
  task: [
    {
      # shown in the context menu
      name: "Rerun"
      action {
        method: "DELETE"
        url: "https://other.example.com/${id}"  # ${id}: the task's id
      }
    }
  ]
}
"""
    )
    assert "note: replaced task action 'Rerun'" in replaced.err


def test_list_table_json_and_bare_group(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", SERVICES)
    cli("ui-action", "add", "queue", "Drain", "--url", "https://ops.example.com/drain/${id}", "--tooltip", "Drain it")
    table = cli("ui-action", "list")
    assert table.code == 0, table
    assert table.out == (
        "OBJECT  NAME   METHOD  URL                                  ORIGIN\n"
        "task    Rerun  POST    https://ci.example.com/rerun/${id}   services.conf:4\n"
        "queue   Drain  GET     https://ops.example.com/drain/${id}  services.conf:16\n"
    )
    assert table.err == ENTERPRISE
    assert cli("ui-action").out == table.out
    only = json.loads(cli("ui-action", "list", "queue", "--json").out)
    assert only == {
        "actions": [
            {
                "object": "queue",
                "index": 0,
                "name": "Drain",
                "tooltip": "Drain it",
                "action": {"method": "GET", "url": "https://ops.example.com/drain/${id}"},
                "origin": "services.conf:16",
            }
        ],
        "warnings": [],
        "notes": [NOTICE],
    }


def test_list_when_there_is_none(cli: Run, config_dir: Path) -> None:
    result = cli("ui-action", "list", "model")
    assert (result.code, result.out) == (0, "")
    assert "no custom UI actions for model" in result.err
    assert json.loads(cli("ui-action", "list", "--json").out) == {"actions": [], "warnings": [], "notes": [NOTICE]}


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "DIR"],
        ["--config-dir", "DIR", "--json"],
        ["--json", "-c", "DIR", "queue"],
        ["queue", "-c", "DIR"],
        ["-c", "DIR", "list", "queue"],
        ["-q", "-c", "DIR"],
    ],
)
def test_the_bare_group_takes_the_options_of_list(cli: Run, tmp_path: Path, args: list[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "services.conf", 'organization.ui_actions.queue: [{ name: "Drain", action.url: "https://x" }]\n')
    result = cli("ui-action", *[str(elsewhere) if a == "DIR" else a for a in args])
    assert result.code == 0, result
    assert "Drain" in result.out
    if "--json" in args:
        assert json.loads(result.out)["notes"] == [NOTICE]
    assert (NOTICE in result.err) is ("-q" not in args)


def test_options_may_come_before_the_subcommand(cli: Run, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = cli("ui-action", "-c", str(elsewhere), "add", "task", "Logs", "--url", "https://logs/${id}", "--create")
    assert result.code == 0, result
    assert actions(elsewhere) == [{"name": "Logs", "action": {"method": "GET", "url": "https://logs/${id}"}}]
    typo = cli("ui-action", "tsak", "-c", str(elsewhere))
    assert typo.code == 2 and "did you mean task?" in typo.err
    helped = cli("ui-action", "--help")
    assert helped.code == 0 and "Without a subcommand: the list" in " ".join(helped.out.split())


def test_list_warns_about_what_the_server_cannot_use(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "services.conf",
        'organization.ui_actions { tasks: [], task: [{ name: "x", action { method: PUT, url: "u" } }] }\n',
    )
    result = cli("ui-action", "list")
    assert "warning: services.organization.ui_actions has tasks: not an object type" in result.err
    assert (
        "warning: services.organization.ui_actions.task[0].action.method must be one of GET, POST, DELETE, "
        "not the string 'PUT'"
    ) in result.err


def test_remove_keeps_the_rest(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    cli("ui-action", "add", "task", "Logs", "--url", "https://logs.example.com/${id}")
    result = cli("ui-action", "remove", "task", "Logs")
    assert result.code == 0, result
    assert path.read_text() == SERVICES
    assert "note: removed task action 'Logs'" in result.err and ENTERPRISE in result.err
    last = cli("ui-action", "remove", "task", "Rerun")
    assert last.code == 0
    assert path.read_text() == (
        "# custom actions for our CI\norganization.ui_actions: {\n  # key: the object type\n  task: [\n  ]\n}\n"
    )
    assert actions(config_dir) == []


def test_remove_a_missing_action_is_exit_1(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("ui-action", "remove", "task", "Nope")
    assert result.code == 1, result
    assert result.err == (
        "error: task has no action named 'Nope' (its actions: 'Rerun')\nhint: clearml-cfg ui-action list\n"
    )
    assert path.read_text() == SERVICES
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]
    empty = cli("ui-action", "remove", "model", "Nope", "-c", str(config_dir.parent / "empty"))
    assert empty.code == 2  # a directory that does not exist: a mistake, not an empty list
    assert not (config_dir.parent / "empty").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "tasks", "X", "--url", "u"], "did you mean task?"),
        (["add", "experiment", "X", "--url", "u"], "project, task, model, dataview, queue"),
        (["add", "task", "X", "--url", "u", "--method", "PUT"], "GET, POST, DELETE"),
        (["add", "task", "X", "--url", "u", "--header", "no colon"], "is not 'Name: value'"),
        (["add", "task", "X", "--url", "u", "--header", "Bad Name: x"], "is not 'Name: value'"),
        (["add", "task", "X", "--url", "u", "-H", "A: 1", "-H", "a: 2"], "--header 'a' is given twice"),
        (["add", "task", " ", "--url", "u"], "NAME must not be empty"),
        (["add", "task", "X", "--url", " "], "--url must not be empty"),
        (["add", "task", "X"], "missing option '--url'"),
        (["remove", "modle", "X"], "did you mean model?"),
        (["list", "queues"], "did you mean queue?"),
    ],
)
def test_refusals_are_exit_2_and_write_nothing(cli: Run, config_dir: Path, args: list[str], message: str) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    result = cli("ui-action", *args)
    assert result.code == 2, result
    assert message in result.err
    assert path.read_text() == SERVICES
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]


def test_it_edits_the_file_whose_list_the_server_uses(cli: Run, config_dir: Path) -> None:
    services = write(config_dir / "services.conf", SERVICES)
    organization = write(config_dir / "services" / "organization.conf", "# organization\nfeatures: {}\n")
    assert cli("ui-action", "add", "task", "Logs", "--url", "https://l.example.com/${id}").code == 0
    assert organization.read_text() == "# organization\nfeatures: {}\n"  # the list lives in services.conf
    assert [a["name"] for a in actions(config_dir)] == ["Rerun", "Logs"]
    assert cli("ui-action", "add", "model", "M", "--url", "https://m.example.com/${id}").code == 0
    assert pyhocon_plain(organization.read_text())["ui_actions"]["model"][0]["name"] == "M"  # a new list: subfile
    assert list(pyhocon_plain(services.read_text())["organization"]["ui_actions"]) == ["task"]


def test_a_list_from_another_directory_is_copied_whole(cli: Run, tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    write(low / "services.conf", SERVICES)
    high.mkdir()
    result = cli("ui-action", "add", "task", "Logs", "--url", "https://l.example.com/${id}", "-c", f"{low}:{high}")
    assert result.code == 0, result
    assert (low / "services.conf").read_text() == SERVICES
    assert [a["name"] for a in actions(high)] == ["Rerun", "Logs"]
    assert f"note: the list came from {low / 'services.conf'}; a list is replaced whole" in result.err
    removed = cli("ui-action", "remove", "task", "Rerun", "-c", f"{low}{os.pathsep}{high}")
    assert removed.code == 0, removed
    assert [a["name"] for a in actions(high)] == ["Logs"]


def test_credential_headers_are_secrets(cli: Run, config_dir: Path) -> None:
    args = ["ui-action", "add", "task", "Run", "--url", "https://ci:pw-1@h/${id}", "-H", "Accept: text/plain"]
    headers = ["-H", "Authorization: Bearer tok-2", "-H", "X-Api-Key: key-3", "-H", "Cookie: s=ck-4"]
    added = cli(*args, *headers)
    assert added.code == 0, added
    for secret in ("pw-1", "tok-2", "key-3", "ck-4"):
        assert secret not in added.err
        assert secret not in cli("ui-action", "list").out
        assert secret not in cli("ui-action", "list", "--json").out
    listed = json.loads(cli("ui-action", "list", "--json").out)["actions"][0]["action"]
    assert listed["headers"] == {
        "Accept": "text/plain",
        "Authorization": "********",
        "X-Api-Key": "********",
        "Cookie": "********",
    }
    assert listed["url"] == "https://ci:********@h/${id}"
    shown = json.loads(cli("ui-action", "list", "--json", "--show-secrets").out)["actions"][0]["action"]
    assert shown["headers"]["Authorization"] == "Bearer tok-2" and shown["url"] == "https://ci:pw-1@h/${id}"
    assert "tok-2" in cli("ui-action", "remove", "task", "Run", "-n", "--show-secrets").err


def test_an_overriding_variable_shows_no_header_secret(cli: Run, config_dir: Path) -> None:
    variable = (
        '[{ name: "E", action { method: GET, url: "https://e/${id}", headers { Authorization: "Bearer env-5" } } }]'
    )
    env = {"CLEARML__services__organization__ui_actions__task": variable}
    result = cli("ui-action", "add", "task", "Run", "--url", "https://h/${id}", "-n", env=env)
    assert 'headers { Authorization: "********" }' in result.err and "overrides every file" in result.err, result
    assert "env-5" not in result.err


def test_a_secret_header_makes_a_new_file_private(cli: Run, config_dir: Path) -> None:
    args = ["ui-action", "add", "task", "Run", "--url", "https://h/${id}"]
    assert cli(*args, "-H", "Accept: text/plain", "-c", str(config_dir / "a"), "--create").code == 0
    assert (config_dir / "a" / "services.conf").stat().st_mode & 0o777 != 0o600
    assert cli(*args, "-H", "authorization: Bearer x", "-c", str(config_dir / "b"), "--create").code == 0
    assert (config_dir / "b" / "services.conf").stat().st_mode & 0o777 == 0o600


def test_dry_run_quiet_and_json(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", SERVICES)
    dry = cli("ui-action", "add", "task", "L", "--url", "https://l/${id}", "--dry-run")
    assert dry.code == 0
    assert '+      name: "L"' in dry.err and "would update" in dry.err
    assert path.read_text() == SERVICES
    report = json.loads(cli("ui-action", "remove", "task", "Rerun", "--json", "--quiet").out)
    assert report["changed"][0]["written"] is True
    assert report["notes"][-1] == NOTICE
    assert actions(config_dir) == []


def test_help_says_it_is_an_enterprise_feature(cli: Run) -> None:
    for args in (["ui-action", "--help"], ["ui-action", "add", "--help"], ["ui-action", "list", "--help"]):
        result = cli(*args)
        assert result.code == 0
        assert "ClearML Enterprise" in " ".join(result.out.split())
