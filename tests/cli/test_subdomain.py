"""clearml-cfg subdomain through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Run, write
from helpers import pyhocon_plain

from clearml_cfg.features.subdomain import check_domain, domain_warnings, registrable

APISERVER = """\
# our apiserver.conf
auth {
    cookies {
        # plain HTTP while we test
        secure: false
        samesite: Lax
    }
}
"""

HOSTS = """\
# hosts behind the load balancer
HOST                       SERVICE      LISTENER   TARGET GROUP      TARGET
app.clearml.example.com    web app      HTTPS 443  AppTargetGroup    HTTP 8080
api.clearml.example.com    API server   HTTPS 443  ApiTargetGroup    HTTP 8008
files.clearml.example.com  file server  HTTPS 443  FilesTargetGroup  HTTP 8081
"""


def test_sets_the_cookie_and_prints_hosts_and_load_balancer(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("subdomain", "clearml.example.com")
    assert result.code == 0, result
    assert (
        path.read_text()
        == """\
# our apiserver.conf
auth {
    cookies {
        # plain HTTP while we test
        secure: true
        samesite: Lax
        httponly: true
        domain: ".clearml.example.com"
        max_age: 99999999999
    }
}
"""
    )
    assert result.out == HOSTS
    assert "note: optional: an HTTP listener on port 80 that redirects everything to HTTPS" in result.err
    assert "reach the instances on ports 8080, 8008, 8081" in result.err
    assert "restart apiserver to apply" in result.err
    cookies = pyhocon_plain(path.read_text())["auth"]["cookies"]
    assert cookies["domain"] == ".clearml.example.com" and cookies["secure"] is True


def test_a_new_file_holds_the_documented_block(cli: Run, config_dir: Path) -> None:
    assert cli("subdomain", "Example.COM.").code == 0
    assert (config_dir / "apiserver.conf").read_text() == (
        "auth {\n    cookies {\n        httponly: true\n        secure: true\n"
        '        domain: ".example.com"\n        max_age: 99999999999\n    }\n}\n'
    )


def test_no_secure_and_max_age(cli: Run, config_dir: Path) -> None:
    result = cli("subdomain", "example.com", "--no-secure", "--max-age", "30d")
    assert result.code == 0, result
    cookies = pyhocon_plain((config_dir / "apiserver.conf").read_text())["auth"]["cookies"]
    assert cookies == {"httponly": True, "secure": False, "domain": ".example.com", "max_age": 2592000}
    assert "app.example.com    web app      HTTP 80   AppTargetGroup" in result.out
    assert "redirects everything to HTTPS" not in result.err
    assert "note: secure: false sends the login cookie over plain HTTP too" in result.err


def test_an_existing_max_age_is_kept(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "auth.cookies.max_age: 86400\n")
    assert cli("subdomain", "example.com").code == 0
    assert pyhocon_plain((config_dir / "apiserver.conf").read_text())["auth"]["cookies"]["max_age"] == 86400


def test_bare_shows_the_cookie_settings_and_hosts(cli: Run, config_dir: Path) -> None:
    fresh = cli("subdomain")
    assert fresh.code == 0, fresh
    assert fresh.out == (
        "# the login cookie (apiserver.conf auth.cookies)\n"
        "KEY                              VALUE        ORIGIN\n"
        "apiserver.auth.cookies.httponly  true         default\n"
        "apiserver.auth.cookies.secure    false        default\n"
        "apiserver.auth.cookies.domain    null         default\n"
        'apiserver.auth.cookies.samesite  "Lax"        default\n'
        "apiserver.auth.cookies.max_age   99999999999  default\n"
    )
    assert "note: no cookie domain: the server is not set up for subdomains" in fresh.err
    assert not any(config_dir.iterdir())
    cli("subdomain", "clearml.example.com")
    configured = cli("subdomain")
    assert configured.out.endswith("\n" + HOSTS)
    assert 'apiserver.auth.cookies.domain    ".clearml.example.com"  apiserver.conf:5' in configured.out
    data = json.loads(cli("subdomain", "--json").out)
    assert data["domain"] == "clearml.example.com"
    assert [h["host"] for h in data["hosts"]] == [
        "app.clearml.example.com",
        "api.clearml.example.com",
        "files.clearml.example.com",
    ]
    assert [(h["port"], h["target_group"]) for h in data["hosts"]] == [
        (8080, "AppTargetGroup"),
        (8008, "ApiTargetGroup"),
        (8081, "FilesTargetGroup"),
    ]
    assert {s["key"]: s["origin"] for s in data["settings"]}["apiserver.auth.cookies.domain"] == "apiserver.conf:5"


def test_json_report_carries_the_hosts(cli: Run, config_dir: Path) -> None:
    result = cli("subdomain", "example.com", "--json")
    report = json.loads(result.out)
    assert report["domain"] == "example.com"
    assert report["hosts"][2] == {
        "host": "files.example.com",
        "service": "file server",
        "port": 8081,
        "listener": "HTTPS 443",
        "target_group": "FilesTargetGroup",
        "target": "HTTP 8081",
    }
    assert report["changed"][0]["created"] is True


def test_two_levels_below_the_registrable_domain_is_a_warning(cli: Run, config_dir: Path) -> None:
    result = cli("subdomain", "clearml.example.com")
    assert (
        "warning: app.clearml.example.com is two or more levels below example.com: a free Cloudflare certificate "
        "(*.example.com, one wildcard level) does not cover it"
    ) in result.err
    assert "a heuristic" in result.err
    assert "warning" not in cli("subdomain", "example.com").err
    assert "warning" not in cli("subdomain", "example.co.uk").err
    assert "below example.co.uk" in cli("subdomain", "clearml.example.co.uk").err


def test_a_domain_starting_with_a_service_label_is_a_warning(cli: Run) -> None:
    result = cli("subdomain", "app.example.com", "--dry-run")
    assert result.code == 0
    assert (
        "warning: app.example.com starts with app.: the cookie domain .app.example.com does not cover "
        "api.example.com, files.example.com; pass the domain under which all three live (example.com)"
    ) in result.err


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("localhost", "has a single label"),
        ("under_score.example.com", "'under_score' is not a DNS label"),
        ("bad-.example.com", "'bad-' is not a DNS label"),
        ("--bad.example.com", "no such option"),
        ("a..example.com", "'' is not a DNS label"),
        ("10.0.0.5", "is an IP address"),
        ("co.uk", "is a public suffix"),
        ("https://example.com", "is a URL: pass the domain alone"),
        ("example.com:8080", "has a port: pass the domain alone"),
        ("x" * 64 + ".com", "is not a DNS label"),
        (".", "is not a domain"),
    ],
)
def test_an_invalid_domain_is_exit_2_and_writes_nothing(cli: Run, config_dir: Path, domain: str, message: str) -> None:
    path = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("subdomain", domain)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and message in result.err
    assert path.read_text() == APISERVER
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]


@pytest.mark.parametrize("max_age", ["0", "-1", "soon"])
def test_an_invalid_max_age_is_exit_2(cli: Run, config_dir: Path, max_age: str) -> None:
    result = cli("subdomain", "example.com", "--max-age", max_age)
    assert result.code == 2, result
    assert "--max-age" in result.err
    assert not any(config_dir.iterdir())


def test_options_without_a_domain_are_exit_2(cli: Run, config_dir: Path) -> None:
    assert cli("subdomain", "--no-secure").code == 2
    assert not any(config_dir.iterdir())


def test_dry_run_writes_nothing_but_shows_all(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", APISERVER)
    result = cli("subdomain", "clearml.example.com", "-n")
    assert result.code == 0
    assert result.out == HOSTS
    assert '+        domain: ".clearml.example.com"' in result.err and "would update" in result.err
    assert path.read_text() == APISERVER


def test_an_environment_variable_that_wins_is_a_warning(cli: Run, config_dir: Path) -> None:
    env = {"CLEARML__APISERVER__AUTH__COOKIES__DOMAIN": ".old.example.com"}
    result = cli("subdomain", "example.com", env=env)
    assert result.code == 0
    assert (
        'apiserver.auth.cookies.domain still reads ".old.example.com": env CLEARML__APISERVER__AUTH__COOKIES__DOMAIN'
        in (result.err)
    )


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("example.com", "example.com"),
        ("clearml.example.com", "example.com"),
        ("a.b.example.org", "example.org"),
        ("example.co.uk", "example.co.uk"),
        ("ml.example.com.au", "example.com.au"),
    ],
)
def test_registrable(domain: str, base: str) -> None:
    assert registrable(domain) == base
    assert bool(domain_warnings(domain)) is (domain != base)


def test_an_international_domain_becomes_ascii() -> None:
    assert check_domain("Bücher.Example") == "xn--bcher-kva.example"


def test_the_reference_example_is_real(cli: Run) -> None:
    from helpers import COMMANDS_DOC

    reference = COMMANDS_DOC.read_text(encoding="utf-8")
    block = reference.split("```console\n$ clearml-cfg subdomain clearml.example.com 2>/dev/null\n", 1)[1]
    assert cli("subdomain", "clearml.example.com").out == block.split("```", 1)[0]
