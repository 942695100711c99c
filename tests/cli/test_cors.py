"""clearml-cfg cors through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import pyhocon_plain

APISERVER = """\
# our apiserver.conf
auth {
    cookies {
        secure: true
    }
}

cors {
    # the web app only
    origins: "https://app.example.com"
    supports_credentials: true  # cookies
}
"""


def test_bare_shows_both_servers_defaults(cli: Run, config_dir: Path) -> None:
    result = cli("cors")
    assert result.code == 0, result
    assert result.out == (
        "# the API server (port 8008): apiserver.conf, key cors\n"
        "KEY                                  VALUE  ORIGIN\n"
        'apiserver.cors.origins               "*"    default\n'
        "apiserver.cors.supports_credentials  true   default\n"
        "\n"
        "# the file server (port 8081): fileserver.conf, key cors\n"
        "KEY                                   VALUE      ORIGIN\n"
        'fileserver.cors.origins               "*"        default\n'
        "fileserver.cors.supports_credentials  (not set)  -\n"
    )
    assert result.err == (
        "warning: apiserver.cors allows any origin ('*') with credentials (the server's defaults): browsers refuse "
        "credentials with a wildcard origin, so flask-cors echoes each request's origin instead and any web site can "
        "make logged-in requests to the API server; name your origins, e.g. --allow-origin https://app.example.com\n"
        "note: fileserver.cors.supports_credentials is not set: flask-cors then sends no credentials header\n"
    )
    assert not any(config_dir.iterdir())


def test_bare_warns_about_a_wildcard_with_credentials_as_writing_does(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", APISERVER)
    write(
        config_dir / "fileserver.conf", 'cors { origins: ["https://a.example.com", "*"], supports_credentials: true }\n'
    )
    result = cli("cors")
    assert result.code == 0, result
    assert "warning: apiserver.cors" not in result.err  # named origin
    assert (
        "warning: fileserver.cors allows any origin ('*') with credentials: browsers refuse credentials with a "
        "wildcard origin, so flask-cors echoes each request's origin instead and any web site can make logged-in "
        "requests to the file server; name your origins, e.g. --allow-origin https://app.example.com\n"
    ) in result.err
    document = json.loads(cli("cors", "--json").out)
    assert [w.split(" ", 1)[0] for w in document["warnings"]] == ["fileserver.cors"]
    by_env = cli("cors", "--component", "apiserver", env={"CLEARML__APISERVER__CORS__ORIGINS": '"*"'})
    assert "warning: apiserver.cors allows any origin ('*') with credentials: " in by_env.err


def test_bare_json_and_one_service(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", APISERVER)
    write(config_dir / "fileserver.conf", "cors.max_age: 600\n")
    document = json.loads(cli("cors", "--json").out)
    assert document["notes"] == [
        "fileserver.cors.supports_credentials is not set: flask-cors then sends no credentials header"
    ]
    settings = document["settings"]
    assert [(s["key"], s["value"], s["origin"]) for s in settings] == [
        ("apiserver.cors.origins", "https://app.example.com", "apiserver.conf:10"),
        ("apiserver.cors.supports_credentials", True, "apiserver.conf:11"),
        ("fileserver.cors.origins", "*", "default"),
        ("fileserver.cors.supports_credentials", None, None),
        ("fileserver.cors.max_age", 600, "fileserver.conf:1"),
    ]
    assert settings[3]["set"] is False
    only_files = json.loads(cli("cors", "--json", "--component", "fileserver").out)["settings"]
    assert [s["key"] for s in only_files] == [
        "fileserver.cors.origins",
        "fileserver.cors.supports_credentials",
        "fileserver.cors.max_age",
    ]


def test_one_origin_both_servers_keeps_comments(cli: Run, config_dir: Path) -> None:
    api = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("cors", "--allow-origin", "https://app.clearml.example.com")
    assert result.code == 0, result
    assert api.read_text() == APISERVER.replace('"https://app.example.com"', '"https://app.clearml.example.com"')
    assert (config_dir / "fileserver.conf").read_text() == 'cors {\n    origins: "https://app.clearml.example.com"\n}\n'
    assert "note: apiserver.conf configures CORS of the API server (port 8008)\n" in result.err
    assert (
        "note: fileserver.conf configures CORS of the file server (port 8081): the file server never reads "
        "apiserver.conf, whatever the ClearML docs page says\n"
    ) in result.err
    assert "restart apiserver and fileserver to apply" in result.err
    assert "warning" not in result.err


def test_several_origins_are_a_list(cli: Run, config_dir: Path) -> None:
    result = cli(
        "cors",
        "--allow-origin",
        "https://app.example.com",
        "--allow-origin",
        "HTTPS://Files.Example.com:8443",
        "--component",
        "fileserver",
    )
    assert result.code == 0, result
    text = (config_dir / "fileserver.conf").read_text()
    assert text == 'cors {\n    origins: ["https://app.example.com", "https://files.example.com:8443"]\n}\n'
    assert pyhocon_plain(text) == {"cors": {"origins": ["https://app.example.com", "https://files.example.com:8443"]}}
    assert not (config_dir / "apiserver.conf").exists()
    assert "restart fileserver to apply" in result.err


def test_credentials_only_and_the_api_server_only(cli: Run, config_dir: Path) -> None:
    api = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("cors", "--no-credentials", "--component", "apiserver")
    assert result.code == 0, result
    assert api.read_text() == APISERVER.replace(
        "supports_credentials: true  # cookies", "supports_credentials: false  # cookies"
    )
    assert not (config_dir / "fileserver.conf").exists()


def test_wildcard_with_credentials_is_a_warning(cli: Run, config_dir: Path) -> None:
    result = cli("cors", "--allow-origin", "*", "--credentials")
    assert result.code == 0, result
    for name, title in (("apiserver", "the API server"), ("fileserver", "the file server")):
        assert (
            f"warning: {name}.cors allows any origin ('*') with credentials: browsers refuse credentials with a "
            "wildcard origin, so flask-cors echoes each request's origin instead and any web site can make "
            f"logged-in requests to {title}; name your origins, e.g. --allow-origin https://app.example.com\n"
        ) in result.err
    assert pyhocon_plain((config_dir / "fileserver.conf").read_text()) == {
        "cors": {"origins": "*", "supports_credentials": True}
    }


def test_wildcard_warning_counts_the_credentials_already_configured(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", APISERVER)  # supports_credentials: true
    result = cli("cors", "--allow-origin", "*", "--component", "apiserver")
    assert "warning: apiserver.cors allows any origin ('*') with credentials" in result.err
    quiet = cli(
        "cors", "--allow-origin", "*", "--component", "fileserver"
    )  # the file server sends no credentials by default
    assert "warning" not in quiet.err


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("app.example.com", "'app.example.com' is not an origin"),
        ("https://app.example.com/", "has a path"),
        ("https://app.example.com/clearml", "has a path"),
        ("https://app.example.com?x=1", "has a query"),
        ("https://user@app.example.com", "has user information"),
        ("https://app.example.com:99999", "the port must be a number from 1 to 65535"),
        ("https://app.example.com:http", "the port must be a number from 1 to 65535"),
        ("https://app_x.example.com", "is not a host name"),
        ("https://", "is not a host name"),
        ("https://[::1", "is not a host name"),
        ("*.example.com", "is not an origin"),
        ("1http://x.com", "is not an origin"),
    ],
)
def test_invalid_origins_are_exit_2_and_write_nothing(cli: Run, config_dir: Path, origin: str, message: str) -> None:
    api = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("cors", "--allow-origin", "https://ok.example.com", "--allow-origin", origin)
    assert result.code == 2, result
    assert result.err.startswith("error: --allow-origin ") and message in result.err
    assert "hint: " in result.err
    assert api.read_text() == APISERVER
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:8080", "https://10.0.0.5", "http://[::1]:8080", "https://xn--bcher-kva.example"],
)
def test_valid_origins(cli: Run, config_dir: Path, origin: str) -> None:
    assert cli("cors", "--allow-origin", origin, "--component", "apiserver").code == 0
    assert pyhocon_plain((config_dir / "apiserver.conf").read_text()) == {"cors": {"origins": origin}}


def test_wildcard_among_other_origins_is_refused(cli: Run, config_dir: Path) -> None:
    result = cli("cors", "--allow-origin", "*", "--allow-origin", "https://app.example.com")
    assert result.code == 2
    assert "already allows every origin" in result.err
    assert not any(config_dir.iterdir())


def test_unknown_service_is_exit_2(cli: Run, config_dir: Path) -> None:
    result = cli("cors", "--allow-origin", "*", "--component", "web")
    assert result.code == 2
    assert not any(config_dir.iterdir())


def test_dry_run_and_json(cli: Run, config_dir: Path) -> None:
    api = write(config_dir / "apiserver.conf", APISERVER)
    dry = cli("cors", "--allow-origin", "https://x.example.com", "--dry-run", "--json")
    assert dry.code == 0
    report = json.loads(dry.out)
    assert report["dry_run"] is True
    assert report["notes"] == [
        "apiserver.conf configures CORS of the API server (port 8008)",
        "fileserver.conf configures CORS of the file server (port 8081): the file server never reads "
        "apiserver.conf, whatever the ClearML docs page says",
    ]
    assert [Path(c["path"]).name for c in report["changed"]] == ["apiserver.conf", "fileserver.conf"]
    assert [c["written"] for c in report["changed"]] == [False, False]
    assert api.read_text() == APISERVER
    assert not (config_dir / "fileserver.conf").exists()


def test_a_dash_section_that_wins_is_a_warning(cli: Run, config_dir: Path) -> None:
    text = "cors.origins: a\n-cors { origins: b }\n"  # `-cors` comes later and replaces the whole section
    path = write(config_dir / "apiserver.conf", text)
    result = cli("cors", "--allow-origin", "https://app.example.com", "--component", "apiserver")
    assert result.code == 0, result
    assert path.read_text() == 'cors.origins: "https://app.example.com"\n-cors { origins: b }\n'
    assert (
        'warning: apiserver.cors.origins still reads "b": apiserver.conf:2 wins over what was written '
        "(see clearml-cfg explain apiserver.cors.origins)"
    ) in result.err
