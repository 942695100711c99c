"""check: one test per finding and per fix, and a clean run over the server's real default files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from helpers import COMMANDS_DOC, REFERENCE, REPO, needs_reference, pyhocon_plain


def findings(cli: Run, *args: str, env: dict[str, str] | None = None, built_in: bool = False) -> list[dict[str, Any]]:
    """The findings of check --json; without ``built_in``, not the one that every directory without a
    secure.conf has (the server's built-in public secrets: test_built_in_secrets_are_one_finding)."""
    result = cli("check", "--json", *args, env=env)
    assert result.code in (0, 1, 3), result
    found: list[dict[str, Any]] = json.loads(result.out)
    return [f for f in found if built_in or not _built_in_secrets(f)]


def _built_in_secrets(finding: dict[str, Any]) -> bool:
    return finding["code"] == "secure-default-credentials" and finding["file"] is None and not finding["variable"]


def codes(found: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in found}


def one(found: list[dict[str, Any]], code: str) -> dict[str, Any]:
    matching = [f for f in found if f["code"] == code]
    assert len(matching) == 1, found
    return matching[0]


def test_a_clean_directory(cli: Run, config_dir: Path) -> None:
    assert cli("init", "-q").code == 0
    assert cli("secure", "--rotate", "-q").code == 0
    result = cli("check")
    assert (result.code, result.out) == (0, "")
    assert "no problems found" in result.err


def test_built_in_secrets_are_one_finding(cli: Run, config_dir: Path) -> None:
    assert cli("init", "-q").code == 0  # a fresh install: no secure.conf
    found = findings(cli, built_in=True)
    assert [(f["code"], f["severity"], f["file"]) for f in found] == [("secure-default-credentials", "warning", None)]
    assert cli("check").code == 0
    write(config_dir / "secure.conf", 'auth.token_secret: "a fresh secret"\n')
    assert len(findings(cli, built_in=True)) == 1  # nine are still built in
    assert cli("secure", "--rotate", "-q").code == 0
    assert findings(cli, built_in=True) == []


@pytest.mark.parametrize(
    ("name", "data", "code", "line", "column"),
    [
        ("apiserver.conf", b"auth {\n  cookies {\n", "parse-error", 3, 1),
        ("hosts.conf", b"\xef\xbb\xbfa: 1\n", "byte-order-mark", 1, 1),
        ("hosts.conf", b"a: \xff\n", "not-utf8", 1, 4),
    ],
)
def test_files_that_cannot_be_read_are_exit_3(
    cli: Run, config_dir: Path, name: str, data: bytes, code: str, line: int | None, column: int | None
) -> None:
    config_dir.mkdir(exist_ok=True)
    (config_dir / name).write_bytes(data)
    result = cli("check", "--json")
    assert result.code == 3
    found = one(json.loads(result.out), code)
    assert (found["severity"], found["line"], found["column"]) == ("error", line, column)
    assert found["file"] == str(config_dir / name)


def test_text_output_format(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "services.conf", "tasks {\n  non_responsive_tasks_watchdog {\n    threshold_sec: 2 hours\n  }\n}\n"
    )
    assert cli("secure", "--rotate", "-q").code == 0  # no secrets built in: the one finding is the watchdog's
    result = cli("check")
    assert result.code == 1
    assert result.out.splitlines() == [
        "error services.conf:3:5 watchdog-not-seconds services.tasks.non_responsive_tasks_watchdog.threshold_sec must "
        "be a number of seconds, not the duration '2 hours'",
        "  hint: --fix writes 7200 (fixable: --fix)",
    ]
    assert "1 error, 0 warnings, 0 info; 1 fixable with --fix" in result.err


def test_a_directory_named_conf(cli: Run, config_dir: Path) -> None:
    (config_dir / "old.conf").mkdir(parents=True)
    assert "conf-directory" in codes(findings(cli))


def test_a_directory_named_conf_hides_no_other_finding(cli: Run, config_dir: Path) -> None:
    (config_dir / "a.conf").mkdir(parents=True)
    write(config_dir / "apiserver.conf", "auth.cookies{samesit:Lax}\n")
    result = cli("check", "--json")
    assert result.code == 3
    found = json.loads(result.out)
    assert one(found, "conf-directory")["file"] == str(config_dir / "a.conf")
    assert one(found, "cookie-unknown-key")["file"] == str(config_dir / "apiserver.conf")


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        ("apiserver.old.conf", "backup-file-loaded"),
        ("backup/apiserver.conf", "backup-file-loaded"),
        ("apiserver-copy.conf", "backup-file-loaded"),
        ("apiservr.conf", "unknown-namespace"),
    ],
)
def test_files_the_server_loads_and_never_reads(cli: Run, config_dir: Path, relative: str, code: str) -> None:
    write(config_dir / relative, "a: 1\n")
    found = one(findings(cli), code)
    assert found["severity"] == "warning"
    if code == "unknown-namespace":
        assert found["hint"] == "did you mean apiserver.conf?"


@pytest.mark.parametrize(
    ("text", "fixed", "value"),
    [
        ("tasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n", "threshold_sec: 7200", 7200),
        ("tasks.non_responsive_tasks_watchdog.watch_interval_sec: 900.0\n", "watch_interval_sec: 900", 900),
        ('tasks.non_responsive_tasks_watchdog.threshold_sec: "600"\n', "threshold_sec: 600", 600),
        ("tasks.non_responsive_tasks_watchdog.threshold_sec: 90m\n", "threshold_sec: 5400", 5400),
    ],
)
def test_watchdog_values_that_are_not_seconds_are_fixed(
    cli: Run, config_dir: Path, text: str, fixed: str, value: int
) -> None:
    path = write(config_dir / "services.conf", "# watchdog\n" + text)
    assert "watchdog-not-seconds" in codes(findings(cli))
    result = cli("check", "--fix")
    assert result.code == 0, result
    assert path.read_text() == "# watchdog\n" + "tasks.non_responsive_tasks_watchdog." + fixed + "\n"
    watchdog = pyhocon_plain(path.read_text())["tasks"]["non_responsive_tasks_watchdog"]
    assert value in watchdog.values()


def test_watchdog_value_that_cannot_be_fixed(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: -5\n")
    found = one(findings(cli), "watchdog-not-seconds")
    assert found["fixable"] is False and "positive" in found["message"]


def test_unknown_keys_next_to_known_ones(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog {\n  thresold_sec: 60\n}\n")
    found = one(findings(cli), "misspelt-key")  # the threshold meant does not apply: an error
    assert (found["severity"], found["line"]) == ("error", 2)
    assert "threshold_sec" in found["hint"]


@pytest.mark.parametrize(
    ("name", "text", "meant"),
    [
        ("apiserver.conf", "auth.fixed_user.enabled: true\n", "apiserver.auth.fixed_users"),
        ("services.conf", "task.non_responsive_tasks_watchdog.enabled: false\n", "services.tasks"),
        ("apiserver.conf", "listen.prot: 8080\n", "apiserver.listen.port"),
    ],
)
def test_a_misspelt_section_or_a_swapped_letter_is_a_misspelt_key(
    cli: Run, config_dir: Path, name: str, text: str, meant: str
) -> None:
    write(config_dir / name, text)
    assert f"did you mean {meant}?" in one(findings(cli), "misspelt-key")["hint"]


def test_a_dash_key_is_not_an_unknown_key(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "-cors { origins: x }\n")
    assert "unknown-key" not in codes(findings(cli))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cors { origins: a, allow_origin: b }\n", "cors-unknown-key"),
        ("auth.cookies { domain: null, sameSite: Lax }\n", "cookie-unknown-key"),
        ("auth.cookies { samesite: Relaxed }\n", "cookie-invalid-value"),
        ("listen.port: 80800\n", "listen-invalid-value"),
    ],
)
def test_keys_and_values_werkzeug_and_flask_cors_reject(cli: Run, config_dir: Path, text: str, code: str) -> None:
    write(config_dir / "apiserver.conf", text)
    assert one(findings(cli), code)["severity"] == "error"


def test_cookies_without_domain_crash_the_server(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth {\n  -cookies { secure: false }\n}\n")
    found = one(findings(cli), "cookie-domain-missing")
    assert (found["severity"], found["line"]) == ("error", 2)


def test_cookie_domain_without_dot_is_fixed(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", 'auth.cookies.domain: "clearml.example.com"  # ours\n')
    assert one(findings(cli), "cookie-domain-no-dot")["fixable"] is True
    assert cli("check", "--fix").code == 0
    assert path.read_text() == 'auth.cookies.domain: ".clearml.example.com"  # ours\n'


@pytest.mark.parametrize(
    ("domain", "meant"),
    [("app.clearml.example.com", ".clearml.example.com"), ("API.example.com", ".example.com"), ("app.com", ".app.com")],
)
def test_a_cookie_domain_naming_one_server_is_fixed_to_the_shared_parent(
    cli: Run, config_dir: Path, domain: str, meant: str
) -> None:
    path = write(config_dir / "apiserver.conf", f'auth.cookies.domain: "{domain}"\n')
    found = one(findings(cli), "cookie-domain-no-dot")
    assert found["hint"].startswith(f"write {meant} ")
    if meant != "." + domain:  # app.com is a domain of its own, not the app. host of com
        assert f"under {meant}" in found["message"]
    assert cli("check", "--fix").code == 0
    assert path.read_text() == f'auth.cookies.domain: "{meant}"\n'


def test_secure_cookies_need_https_in_sight(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.secure: true\n")
    assert "cookie-secure-without-https" in codes(findings(cli))
    write(config_dir / "apiserver.conf", 'auth.cookies.secure: true\ncors.origins: "https://app.example.com"\n')
    assert "cookie-secure-without-https" not in codes(findings(cli))


def test_cors_wildcard_with_credentials_and_the_file_server(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'cors { origins: "*", supports_credentials: true }\n')
    found = findings(cli)
    assert one(found, "cors-wildcard-credentials")["severity"] == "warning"
    assert one(found, "cors-not-on-fileserver")["severity"] == "info"
    write(config_dir / "fileserver.conf", 'cors.origins: "https://app.example.com"\n')
    assert "cors-not-on-fileserver" not in codes(findings(cli))


def test_environment_findings(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.domain: .file.com\n")
    env = {
        "CLEARML__APISERVER__X": "x = 1",
        "clearml__apiserver__y": "1",
        "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN": ".env.com",
    }
    result = cli("check", "--json", env=env)
    assert result.code == 1
    found = json.loads(result.out)
    assert one(found, "env-unparsable")["severity"] == "error"
    assert "rename it to CLEARML__apiserver__y" in one(found, "env-miscased-prefix")["hint"]
    shadow = one(found, "env-shadows-file")
    assert (shadow["severity"], shadow["line"]) == ("info", 1)
    assert "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN overrides" in shadow["message"]


def test_a_substitution_the_server_cannot_resolve(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "a: 1\nb: ${apiserver.listen.port}\n")
    result = cli("check", "--json")
    assert result.code == 3
    found = one(json.loads(result.out), "server-cannot-load")
    assert "each file on its own" in found["hint"]
    assert (found["file"], found["line"], found["column"]) == (str(config_dir / "services.conf"), 2, 4)


def test_public_default_credentials(cli: Run, config_dir: Path) -> None:
    from clearml_cfg.model.credentials import is_public_default

    write(config_dir / "secure.conf", 'auth.token_secret: "a fresh secret"\n')
    assert "secure-default-credentials" not in codes(findings(cli))
    assert not is_public_default("a fresh secret")


@needs_reference
def test_public_default_credentials_are_recognised(cli: Run, config_dir: Path) -> None:
    default = REFERENCE / "clearml-server" / "apiserver" / "config" / "default" / "secure.conf"
    write(config_dir / "secure.conf", default.read_text(encoding="utf-8"))
    found = [f for f in findings(cli) if f["code"] == "secure-default-credentials"]
    assert len(found) == 10  # every public key and secret of the default file


def test_world_writable_directory_and_file_are_fixed(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", "a: 1\n")
    path.chmod(0o666)
    config_dir.chmod(0o777)
    found = [f for f in findings(cli) if f["code"] == "world-writable"]
    assert len(found) == 2 and all(f["fixable"] for f in found)
    assert cli("check", "--fix").code == 0
    assert path.stat().st_mode & 0o777 == 0o664
    assert config_dir.stat().st_mode & 0o777 == 0o775


def test_bom_is_fixed(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    (config_dir / "hosts.conf").write_bytes(b"\xef\xbb\xbfa: 1\n")
    result = cli("check", "--fix")
    assert result.code == 0, result
    assert (config_dir / "hosts.conf").read_bytes() == b"a: 1\n"


def test_fix_dry_run_changes_nothing(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", "tasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n")
    result = cli("check", "--fix", "--dry-run")
    assert result.code == 1
    assert "+tasks.non_responsive_tasks_watchdog.threshold_sec: 7200" in result.err
    assert path.read_text() == "tasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n"


def test_strict_fails_on_warnings(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.old.conf", "a: 1\n")
    assert cli("check").code == 0
    assert cli("check", "--strict").code == 1


@needs_reference
def test_the_servers_default_files_have_no_errors(cli: Run, tmp_path: Path) -> None:
    defaults = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"
    found = findings(cli, "-c", str(defaults), "--defaults", str(defaults))
    assert [f for f in found if f["severity"] == "error" or "unknown" in f["code"]] == []
    for example in ("apiserver.conf", "services.conf"):
        write(
            tmp_path / "docs" / example, (REFERENCE / "clearml-server" / "docs" / example).read_text(encoding="utf-8")
        )
    docs = findings(cli, "-c", str(tmp_path / "docs"))
    assert [f for f in docs if f["severity"] == "error" or "unknown" in f["code"]] == []


@needs_reference
def test_the_complete_sections_know_every_key_of_the_reference() -> None:
    import re

    from clearml_cfg.features.check.sections import COMPLETE, FIXED_USERS

    defaults = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"
    tree = {
        "apiserver": pyhocon_plain((defaults / "apiserver.conf").read_text(encoding="utf-8")),
        "services": {"tasks": pyhocon_plain((defaults / "services" / "tasks.conf").read_text(encoding="utf-8"))},
    }
    for section, keys in COMPLETE.items():
        if section == FIXED_USERS:  # commented out in the default file: read the block without its `#`
            text = (defaults / "apiserver.conf").read_text(encoding="utf-8")
            block = re.search(r"^#\s*fixed_users \{\n(.*?)^#\s{8}\}", text, re.DOTALL | re.MULTILINE)
            assert block
            body = "\n".join(line[1:] for line in block.group(1).splitlines())
            written = pyhocon_plain(body)
        else:
            written = tree
            for segment in section:
                written = written[segment]
        assert set(written) <= set(keys), section


def test_the_example_ci_script(tmp_path: Path) -> None:
    script = REPO / "examples" / "ci-check.sh"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML", "TRAINS"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        ["bash", str(script), str(REPO / "examples" / "broken-config")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "check failed" in result.stderr
    assert "error watchdog-not-seconds" in result.stdout
    assert "services.conf:5" in result.stdout
    missing = subprocess.run(
        ["bash", str(script), str(tmp_path / "nonexistent")], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "error config-dir-missing" in missing.stdout and "check failed" in missing.stderr


# --- fixed users ----------------------------------------------------------------------------------------------


def _hash(password: str) -> tuple[str, str]:
    import base64

    import bcrypt

    raw = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    return raw, base64.b64encode(raw.encode()).decode()


def users_file(entries: str, *, hashed: bool, enabled: bool = True) -> str:
    return (
        "auth {\n    fixed_users {\n"
        + ("        enabled: true\n" if enabled else "")
        + f"        pass_hashed: {str(hashed).lower()}\n        users: [\n{entries}        ]\n    }}\n}}\n"
    )


@pytest.mark.parametrize(
    ("entry", "hashed", "code", "severity"),
    [
        ('{ username: "a", password: "p" }', False, "fixed-user-missing-key", "error"),
        ('{ username: "a", password: "p", name: "A", admin: true }', False, "fixed-user-unknown-key", "error"),
        ('{ username: "a", password: 12345678, name: "A" }', False, "fixed-user-unquoted-password", "error"),
        ('{ username: 1234, password: "p", name: "A" }', False, "fixed-user-unquoted-username", "error"),
        ('{ username: "a", password: "not a hash", name: "A" }', True, "fixed-user-bad-hash", "error"),
        (
            '{ username: "a", password: "' + "x" * 80 + '", name: "A" }',
            False,
            "fixed-user-password-too-long",
            "warning",
        ),
    ],
)
def test_fixed_user_findings(cli: Run, config_dir: Path, entry: str, hashed: bool, code: str, severity: str) -> None:
    write(config_dir / "apiserver.conf", users_file(f"            {entry}\n", hashed=hashed))
    (config_dir / "apiserver.conf").chmod(0o600)
    found = one(findings(cli), code)
    assert (found["severity"], found["line"]) == (severity, 6)


def test_a_hash_in_plain_mode_is_noticed(cli: Run, config_dir: Path) -> None:
    _, stored = _hash("pw")
    write(
        config_dir / "apiserver.conf",
        users_file(f'            {{ username: "a", password: "{stored}", name: "A" }}\n', hashed=False),
    )
    assert one(findings(cli), "fixed-user-hash-in-plain-mode")["severity"] == "error"  # nobody types a hash


def test_pasted_hashes_are_fixed_so_that_the_server_accepts_them(cli: Run, config_dir: Path) -> None:
    import base64

    import bcrypt

    raw, stored = _hash("correct horse")
    entries = (
        f'            {{ username: "a", password: "b\'{stored}\'", name: "A" }},\n'
        f'            {{ username: "b", password: "{raw}", name: "B" }}\n'
    )
    path = write(config_dir / "apiserver.conf", users_file(entries, hashed=True))
    path.chmod(0o600)
    assert [f["fixable"] for f in findings(cli) if f["code"] == "fixed-user-bad-hash"] == [True, True]
    result = cli("check", "--fix")
    assert result.code == 0, result
    users = pyhocon_plain(path.read_text())["auth"]["fixed_users"]["users"]
    for user in users:
        assert bcrypt.checkpw(b"correct horse", base64.b64decode(user["password"]))
    assert cli("verify-password", "a", "--password-stdin", stdin="correct horse\n").code == 0


def test_unquoted_values_are_quoted_as_written(cli: Run, config_dir: Path) -> None:
    path = write(
        config_dir / "apiserver.conf",
        users_file('            { username: 007, password: 00123, name: "Bond" }\n', hashed=False),
    )
    path.chmod(0o600)
    assert cli("check", "--fix").code == 0
    assert '{ username: "007", password: "00123", name: "Bond" }' in path.read_text()


def test_duplicates_and_disabled_list(cli: Run, config_dir: Path) -> None:
    entries = (
        '            { username: "a", password: "p", name: "A" },\n'
        '            { username: "a", password: "q", name: "B" }\n'
    )
    write(config_dir / "apiserver.conf", users_file(entries, hashed=False, enabled=False))
    (config_dir / "apiserver.conf").chmod(0o600)
    found = findings(cli)
    assert [f["line"] for f in found if f["code"] == "fixed-user-duplicate"] == [5, 6]
    assert one(found, "fixed-users-not-enabled")["severity"] == "warning"


def test_plain_text_passwords_in_a_readable_file(cli: Run, config_dir: Path) -> None:
    path = write(
        config_dir / "apiserver.conf",
        users_file('            { username: "a", password: "p", name: "A" }\n', hashed=False),
    )
    path.chmod(0o644)
    assert one(findings(cli), "fixed-user-plain-world-readable")["fixable"] is True
    assert cli("check", "--fix").code == 0
    assert path.stat().st_mode & 0o777 == 0o600


UI_ACTIONS = """\
# custom context-menu actions
organization.ui_actions {
  task: [
    {
      name: "Stop in CI"
      action { type: "http", method: %s, url: %s }
    }
  ]
  %s: []
}
"""


def test_ui_actions_are_noted_as_enterprise_only(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", UI_ACTIONS % ("POST", '"https://ci.example.com/${id}"', "model"))
    found = findings(cli)
    assert codes(found) == {"ui-action-enterprise"}
    assert one(found, "ui-action-enterprise")["severity"] == "info"
    assert (one(found, "ui-action-enterprise")["line"], cli("check").code) == (2, 0)


def test_ui_action_object_the_web_app_does_not_know(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", UI_ACTIONS % ("POST", '"https://ci.example.com/${id}"', "modle"))
    found = one(findings(cli), "ui-action-unknown-object")
    assert (found["severity"], found["line"], "did you mean model?") == ("error", 9, found["hint"])


def test_ui_action_method_in_lower_case_is_fixed(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "services.conf", UI_ACTIONS % ("post", '"https://ci.example.com/${id}"', "model"))
    found = one(findings(cli), "ui-action-bad-method")
    assert (found["severity"], found["line"], found["fixable"]) == ("error", 6, True)
    assert cli("check", "--fix").code == 0
    assert path.read_text() == UI_ACTIONS % ('"POST"', '"https://ci.example.com/${id}"', "model")


def test_ui_action_method_that_cannot_be_fixed(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", UI_ACTIONS % ("PATCH", '"https://ci.example.com/${id}"', "model"))
    found = one(findings(cli), "ui-action-bad-method")
    assert (found["fixable"], found["hint"]) == (False, "use GET, POST or DELETE")


@pytest.mark.parametrize(
    "url",
    ["https://ci.example.com/tasks/${id}/stop", '"https://ci.example.com/tasks/"${id}"/stop"'],
)
def test_ui_action_url_with_an_unquoted_substitution_is_quoted(cli: Run, config_dir: Path, url: str) -> None:
    path = write(config_dir / "services.conf", UI_ACTIONS % ("GET", url, "model"))
    found = findings(cli)
    assert one(found, "ui-action-unquoted-substitution")["fixable"] is True
    assert cli("check").code == 3  # and the server would not start: server-cannot-load
    fixed = cli("check", "--fix")
    assert fixed.code == 0, fixed
    text = path.read_text()
    assert text == UI_ACTIONS % ("GET", '"https://ci.example.com/tasks/${id}/stop"', "model")
    action = pyhocon_plain(text)["organization"]["ui_actions"]["task"][0]["action"]
    assert action["url"] == "https://ci.example.com/tasks/${id}/stop"


# --- `-key` blocks, the environment, locations ------------------------------------------------------------------


def test_dash_blocks_are_checked_as_the_key_they_replace(cli: Run, config_dir: Path) -> None:
    services = write(
        config_dir / "services.conf", "tasks { -non_responsive_tasks_watchdog { threshold_sec: 1 hour } }\n"
    )
    write(
        config_dir / "apiserver.conf", "auth { -cookies { domain: null, samesit: Lax } }\n-cors { allow_origin: x }\n"
    )
    found = findings(cli)
    assert one(found, "watchdog-not-seconds")["fixable"] is True
    assert one(found, "cookie-unknown-key")["hint"] == "did you mean samesite?"
    assert one(found, "cors-unknown-key")["line"] == 2
    assert "unknown-key" not in codes(found)
    assert cli("check", "--fix", "-q").code == 1  # the unknown keys remain, by hand
    assert services.read_text() == "tasks { -non_responsive_tasks_watchdog { threshold_sec: 3600 } }\n"


def test_a_dash_key_in_fileserver_conf_is_read_as_written(cli: Run, config_dir: Path) -> None:
    write(config_dir / "fileserver.conf", '-cors { origins: "https://app.example.com" }\n')
    found = one(findings(cli), "unknown-key")
    assert "no -key rule" in found["message"] and found["hint"].startswith("write cors")


def test_a_fix_never_writes_a_value_from_the_environment(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", 'auth.cookies.domain: ".ok.com"\n')
    variable = "CLEARML__APISERVER__AUTH__COOKIES__DOMAIN"
    env = {variable: "clearml.example.com"}
    found = one(findings(cli, env=env), "cookie-domain-no-dot")
    assert (found["file"], found["variable"], found["fixable"]) == (None, variable, False)
    assert found["hint"].startswith(f"set {variable}=.clearml.example.com")
    result = cli("check", "--fix", env=env)
    assert result.code == 0
    assert path.read_text() == 'auth.cookies.domain: ".ok.com"\n'
    assert f"warning {variable} cookie-domain-no-dot" in result.out


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC", "2 hours", "watchdog-not-seconds"),
        ("CLEARML__APISERVER__AUTH__COOKIES__SAMESIT", "Lax", "cookie-unknown-key"),
        (
            "CLEARML__APISERVER__AUTH__FIXED_USERS__USERS",
            '[{ username: "a", password: 123, name: "A" }]',
            "fixed-user-unquoted-password",
        ),
        ("TRAINS__APISERVER__LISTEN__PROT", "8008", "misspelt-key"),
        (  # both entries are in one variable, without line numbers: one finding, not two alike
            "CLEARML__APISERVER__AUTH__FIXED_USERS__USERS",
            '[{ username: "a", password: "x", name: "A" }, { username: "a", password: "y", name: "B" }]',
            "fixed-user-duplicate",
        ),
    ],
)
def test_environment_values_are_checked_like_file_values(
    cli: Run, config_dir: Path, variable: str, value: str, code: str
) -> None:
    write(config_dir / "apiserver.conf", "auth.fixed_users.enabled: true\n")
    result = cli("check", "--json", env={variable: value})
    assert result.code == (0 if code == "unknown-key" else 1)
    found = one(json.loads(result.out), code)
    assert (found["file"], found["line"], found["variable"], found["fixable"]) == (None, None, variable, False)
    text = cli("check", env={variable: value}).out
    assert f" {variable} {code} " in text


def test_a_watchdog_variable_hint_says_what_to_set(cli: Run, config_dir: Path) -> None:
    variable = "CLEARML__SERVICES__TASKS__NON_RESPONSIVE_TASKS_WATCHDOG__THRESHOLD_SEC"
    found = one(findings(cli, env={variable: "2 hours"}), "watchdog-not-seconds")
    assert found["hint"].endswith(f"set {variable}=7200")


def test_locations_of_dotted_keys(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", '# CORS\ncors.origins: "https://app.example.com"\n')
    write(config_dir / "services.conf", "# actions\norganization.ui_actions.task: []\ntasks.x: 1\n")
    found = findings(cli, env={"CLEARML__SERVICES__TASKS__X": "2"})
    for code, name, line in [
        ("cors-not-on-fileserver", "apiserver.conf", 2),
        ("ui-action-enterprise", "services.conf", 2),
        ("env-shadows-file", "services.conf", 3),
    ]:
        finding = one(found, code)
        assert (finding["file"], finding["line"], finding["column"]) == (str(config_dir / name), line, 1), code


def test_a_variable_that_merges_an_object_hides_only_what_it_sets(cli: Run, config_dir: Path) -> None:
    write(config_dir / "services.conf", "tasks {\n  x: 1\n  y: 2\n}\n")
    assert "env-shadows-file" not in codes(findings(cli, env={"CLEARML__SERVICES__TASKS": "{foo: 1}"}))
    shadow = one(findings(cli, env={"CLEARML__SERVICES__TASKS": "{y: 3}"}), "env-shadows-file")
    assert (shadow["line"], "overrides services.tasks.y as") == (3, shadow["message"].split(" ", 1)[1][:29])
    whole = one(findings(cli, env={"CLEARML__SERVICES__TASKS": "5"}), "env-shadows-file")
    assert whole["line"] == 2 and "overrides services.tasks as" in whole["message"]


def test_every_finding_about_a_value_in_a_file_has_a_line_and_column(cli: Run) -> None:
    broken = REPO / "examples" / "broken-config"
    file_level = {"backup-file-loaded", "unknown-namespace", "world-writable", "fixed-user-plain-world-readable"}
    for finding in findings(cli, "-c", str(broken)):
        if finding["code"] not in file_level:
            assert finding["file"] and finding["line"] and finding["column"], finding


# --- unknown keys -----------------------------------------------------------------------------------------------


def test_typos_in_the_fixed_users_block(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "apiserver.conf",
        "auth.fixed_users {\n  enabled: true\n  pass_hashd: true\n"
        '  user: [ { username: "a", password: "p", name: "A" } ]\n}\n',
    )
    (config_dir / "apiserver.conf").chmod(0o600)
    found = [f for f in findings(cli) if f["code"] == "fixed-users-unknown-key"]
    assert [(f["severity"], f["line"], f["hint"]) for f in found] == [
        ("error", 3, "did you mean apiserver.auth.fixed_users.pass_hashed?"),
        ("error", 4, "did you mean apiserver.auth.fixed_users.users?"),
    ]
    assert cli("check").code == 1


def test_any_unknown_key_in_a_section_whose_keys_are_known(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "listen {\n  prot: 8008\n  backlog: 10\n}\n")
    found = [(f["line"], f["code"], f["hint"]) for f in findings(cli) if f["code"].endswith("-key")]
    assert found == [
        (2, "misspelt-key", "did you mean apiserver.listen.port?"),
        (3, "unknown-key", "apiserver.listen takes ip, port; the server ignores any other key silently"),
    ]


# --- directories, passes of --fix, hints, messages -----------------------------------------------------------------


def test_a_config_dir_that_does_not_exist(cli: Run, tmp_path: Path) -> None:
    result = cli("check", "--json", "-c", str(tmp_path / "nonexistent"))
    assert result.code == 1
    found = one(json.loads(result.out), "config-dir-missing")
    assert (found["severity"], found["file"]) == ("error", str(tmp_path / "nonexistent"))
    never = {"CLEARML_CONFIG_DIR": str(tmp_path / "never")}
    assert cli("check", env=never).code == 1  # CLEARML_CONFIG_DIR names a directory that was never made
    write(tmp_path / "a-file", "")
    assert "is not a directory" in one(findings(cli, "-c", str(tmp_path / "a-file")), "config-dir-missing")["message"]


def test_fix_dry_run_shows_every_pass(cli: Run, config_dir: Path) -> None:
    config_dir.mkdir(exist_ok=True)
    path = config_dir / "services.conf"
    data = b"\xef\xbb\xbftasks.non_responsive_tasks_watchdog.threshold_sec: 2 hours\n"
    path.write_bytes(data)
    result = cli("check", "--fix", "--dry-run")
    assert result.code == 3
    assert "+tasks.non_responsive_tasks_watchdog.threshold_sec: 7200" in result.err  # the second pass
    assert result.err.count("would update") == 1
    assert path.read_bytes() == data
    assert sorted(p.name for p in config_dir.iterdir()) == ["services.conf"]


def test_new_password_hints_name_the_user(cli: Run, config_dir: Path) -> None:
    entries = (
        '            { username: "jane doe", password: 12345678, name: "J" },\n'
        '            { username: "bob", password: "not a hash", name: "B" }\n'
    )
    write(config_dir / "apiserver.conf", users_file(entries, hashed=True))
    (config_dir / "apiserver.conf").chmod(0o600)
    found = findings(cli)
    assert one(found, "fixed-user-unquoted-password")["hint"] == "set a new password: clearml-cfg passwd 'jane doe'"
    assert one(found, "fixed-user-bad-hash")["hint"] == (
        "hash the plain-text passwords: clearml-cfg password-mode hashed "
        "(or set a new password: clearml-cfg passwd bob)"
    )
    assert cli("passwd", "jane doe", "--password-stdin", "--rounds", "4", stdin="pw\n").code == 0


def test_an_unparsable_variable_is_quoted_as_env_quotes_it(cli: Run, config_dir: Path) -> None:
    import shlex

    write(config_dir / "apiserver.conf", "a: 1\n")
    found = one(findings(cli, env={"CLEARML__APISERVER__X": '"unbalanced'}), "env-unparsable")
    assert found["variable"] == "CLEARML__APISERVER__X"
    assert 'CLEARML__APISERVER__X=\'"\\"unbalanced"\'' in found["hint"]
    assignment = found["hint"].split("quote it: ", 1)[1].split(" (", 1)[0]
    assert cli("env", "apiserver.x", '"unbalanced', "--format", "shell").out.strip() == assignment
    value = shlex.split(assignment)[0].split("=", 1)[1]
    assert pyhocon_plain(f"x: {value}") == {"x": '"unbalanced'}


def test_an_unparsable_secret_is_masked(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a: 1\n")
    env = {"CLEARML__SECURE__AUTH__TOKEN_SECRET": 'sec"ret'}
    assert "sec" not in json.dumps(one(findings(cli, env=env), "env-unparsable"))
    assert 'sec\\"ret' in cli("check", "--json", "--show-secrets", env=env).out


@pytest.mark.parametrize(("enabled", "state"), [("false", "is false"), (None, "is not set (false by default)")])
def test_not_enabled_says_what_is_there(cli: Run, config_dir: Path, enabled: str | None, state: str) -> None:
    text = "auth.fixed_users {\n" + (f"  enabled: {enabled}\n" if enabled else "")
    text += '  users: [ { username: "a", password: "p", name: "A" } ]\n}\n'
    write(config_dir / "apiserver.conf", text).chmod(0o600)
    found = one(findings(cli), "fixed-users-not-enabled")
    assert f"apiserver.auth.fixed_users.enabled {state}:" in found["message"]
    assert found["line"] == 2


def test_fix_diffs_mask_passwords_unless_show_secrets(cli: Run, config_dir: Path) -> None:
    entry = '            { username: "a", password: 00123, name: "A" }\n'
    path = write(config_dir / "apiserver.conf", users_file(entry, hashed=False))
    path.chmod(0o600)
    masked = cli("check", "--fix", "--dry-run")
    assert "00123" not in masked.err and "********" in masked.err
    shown = cli("check", "--fix", "--dry-run", "--show-secrets")
    assert '+            { username: "a", password: "00123", name: "A" }' in shown.err


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ('auth.cookies.domain: ["a.example.com", ".b.example.com", "c.example.com"]  # ours\n', True),
        ("auth.cookies.domain: [.b.example.com, localhost]\n", False),
    ],
)
def test_cookie_domain_lists_are_checked_element_by_element(cli: Run, config_dir: Path, text: str, fixed: bool) -> None:
    path = write(config_dir / "apiserver.conf", text)
    found = [f for f in findings(cli) if f["code"] == "cookie-domain-no-dot"]
    assert [f["column"] for f in found] == ([23, 58] if fixed else [])
    assert all(f["fixable"] for f in found)
    assert cli("check", "--fix").code == 0
    if fixed:
        assert path.read_text() == (
            'auth.cookies.domain: [".a.example.com", ".b.example.com", ".c.example.com"]  # ours\n'
        )


# --- codes the README lists -------------------------------------------------------------------------------------


def test_fixed_user_entry_that_is_not_an_object(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", users_file('            "jane"\n', hashed=False)).chmod(0o600)
    found = one(findings(cli), "fixed-user-invalid-entry")
    assert (found["severity"], found["line"], found["column"]) == ("error", 6, 13)


def test_pass_hashed_that_is_not_a_boolean(cli: Run, config_dir: Path) -> None:
    text = users_file('            { username: "a", password: "p", name: "A" }\n', hashed=False)
    write(config_dir / "apiserver.conf", text.replace("pass_hashed: false", 'pass_hashed: "yes"')).chmod(0o600)
    found = one(findings(cli), "fixed-users-invalid-mode")
    assert (found["severity"], found["line"], found["message"]) == (
        "error",
        4,
        "apiserver.auth.fixed_users.pass_hashed is the string 'yes', not true or false: the server tests it for "
        "truth, so it is on",
    )
    env = {"CLEARML__APISERVER__AUTH__FIXED_USERS__PASS_HASHED": "maybe"}
    by_variable = one(findings(cli, env=env), "fixed-users-invalid-mode")
    assert by_variable["variable"] == "CLEARML__APISERVER__AUTH__FIXED_USERS__PASS_HASHED"
    assert by_variable["hint"].startswith("set CLEARML__APISERVER__AUTH__FIXED_USERS__PASS_HASHED=true")


@pytest.mark.parametrize("target", ["loop.conf", "missing-target"])
def test_unreadable_files(cli: Run, config_dir: Path, target: str) -> None:
    write(config_dir / "hosts.conf", "a: 1\n")
    (config_dir / "loop.conf").symlink_to(target)
    result = cli("check", "--json")
    assert result.code == 3
    found = one(json.loads(result.out), "unreadable-file")
    assert found["file"] == str(config_dir / "loop.conf") and found["hint"]


def test_the_reference_lists_every_code(cli: Run) -> None:
    import re

    from clearml_cfg.features.check import values
    from clearml_cfg.model import schema

    reference = COMMANDS_DOC.read_text(encoding="utf-8")
    section = reference.split("### `clearml-cfg check`", 1)[1].split("\n### ", 1)[0]
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO / "clearml_cfg" / "features" / "check").glob("*.py"))
    found = set(re.findall(r'^\s+"([a-z0-9]+(?:-[a-z0-9]+)+)",$', source, re.MULTILINE))
    found |= set(re.findall(r'(?:Finding\(\s*|code = )"([a-z0-9]+(?:-[a-z0-9]+)+)"', source))
    # files that cannot be read: their ConfigReadError names the finding's code
    readers = "".join(p.read_text(encoding="utf-8") for p in (REPO / "clearml_cfg").rglob("*.py"))
    found |= set(re.findall(r'code="([a-z0-9]+(?:-[a-z0-9]+)+)"', readers))
    for setting in schema.SETTINGS:  # the codes made from an area's name
        path = setting.pattern
        if any(path[: len(own)] == own for own in values._OWN_CHECKER):
            continue
        if setting.keys is not None:
            found.add(f"{schema.area(path)}-unknown-key")
        if setting.kind == "seconds":
            found.add(f"{schema.area(path)}-not-seconds")
    assert {"fixed-users-unknown-key", "cookie-unknown-key", "byte-order-mark", "not-utf8"} <= found
    for code in found:
        assert f"`{code}`" in section or (code.endswith("-invalid-value") and "`*-invalid-value`" in section), code


@pytest.mark.parametrize(
    ("name", "hint"),
    [("CLEARML__", "unset CLEARML__"), ('CLEARML__APISERVER__"Q"', "rename or unset the variable")],
)
def test_a_variable_whose_name_makes_no_key(cli: Run, config_dir: Path, name: str, hint: str) -> None:
    config_dir.mkdir(exist_ok=True)
    found = one(findings(cli, env={name: "1"}), "env-unparsable")
    assert found["variable"] == name and found["hint"].startswith(hint), found


# --- `+=` inside a block ---------------------------------------------------------------------------------------

USERS_APPENDED_IN_A_BLOCK = """\
auth {
  fixed_users {
    enabled: true
    users: [{username: "a", password: "x", name: "A"}]
  }
}
auth {
  fixed_users {
    users += [{username: "b", password: "y", name: "B"}]
  }
}
"""


def test_an_append_inside_a_block_that_drops_the_users_before_it(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", USERS_APPENDED_IN_A_BLOCK).chmod(0o600)
    found = one(findings(cli), "append-inside-block")
    assert (found["severity"], found["line"], found["column"], found["fixable"]) == ("error", 9, 5, False)
    assert "auth.fixed_users.users written before this line is dropped" in found["message"]
    assert "deletes those users" in found["message"]
    assert "`auth.fixed_users.users += ...` at the top level" in found["hint"]
    # what the finding says is what the server reads
    users = pyhocon_plain(USERS_APPENDED_IN_A_BLOCK)["auth"]["fixed_users"]["users"]
    assert [u["username"] for u in users] == ["b"]


def test_an_append_inside_a_block_that_extends_a_top_level_key(cli: Run, config_dir: Path) -> None:
    text = "origins: [x]\ncors { origins += [y] }\n"
    write(config_dir / "services.conf", text)
    found = one(findings(cli), "append-inside-block")
    assert (found["line"], found["column"]) == (2, 8)
    assert "extends the top-level origins of this file instead" in found["message"]
    assert pyhocon_plain(text)["cors"]["origins"] == ["x", "y"]


@pytest.mark.parametrize(
    "text",
    [
        "auth.fixed_users.users: [{username: a}]\nauth.fixed_users.users += [{username: b}]\n",  # top level: fine
        "auth { fixed_users { users += [{username: a}] } }\n",  # nothing before it: it only sets the key
    ],
)
def test_appends_the_server_reads_as_meant_are_not_reported(cli: Run, config_dir: Path, text: str) -> None:
    write(config_dir / "services.conf", text)
    assert "append-inside-block" not in codes(findings(cli))


# --- backups others can read ----------------------------------------------------------------------------------

WITH_A_PASSWORD = 'auth.fixed_users { enabled: true, users: [{username: "jane", password: "Old-Pa55", name: "J"}] }\n'


def test_a_backup_others_can_read_that_holds_a_password(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.fixed_users.enabled: true\n")
    backup = write(config_dir / "apiserver.conf.bak", WITH_A_PASSWORD)
    backup.chmod(0o644)
    found = one(findings(cli), "backup-readable")
    assert (found["severity"], found["file"], found["fixable"]) == ("warning", str(backup), True)
    assert "mode 644" in found["message"] and "Old-Pa55" not in found["message"] + found["hint"]
    result = cli("check", "--fix")
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600), result
    assert backup.read_text() == WITH_A_PASSWORD
    assert "backup-readable" not in codes(findings(cli))


@pytest.mark.parametrize(("text", "mode"), [(WITH_A_PASSWORD, 0o600), ("auth.fixed_users.enabled: true\n", 0o644)])
def test_backups_that_are_private_or_hold_no_secret_are_not_reported(
    cli: Run, config_dir: Path, text: str, mode: int
) -> None:
    write(config_dir / "apiserver.conf", "auth.fixed_users.enabled: true\n")
    write(config_dir / "apiserver.conf.bak", text).chmod(mode)
    assert "backup-readable" not in codes(findings(cli))


@pytest.mark.parametrize(
    "written",
    [
        "https://clearml.example.com",
        "clearml.example.com:8080",
        "clearml.example.com/",
        "https://app.clearml.example.com/",
    ],
)
def test_a_cookie_domain_that_is_no_host_is_fixed_by_taking_the_host(cli: Run, config_dir: Path, written: str) -> None:
    path = write(config_dir / "apiserver.conf", f'auth.cookies.domain: "{written}"\n')
    found = one(findings(cli), "cookie-domain-not-a-host")
    assert (found["severity"], found["fixable"]) == ("error", True)
    assert cli("check", "--fix", "-q").code == 0
    assert path.read_text() == 'auth.cookies.domain: ".clearml.example.com"\n'
    assert findings(cli) == []


def test_localhost_as_cookie_domain_is_its_own_finding(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", 'auth.cookies.domain: "localhost"\n')
    assert [(f["code"], f["severity"]) for f in findings(cli)] == [("cookie-domain-local", "warning")]
