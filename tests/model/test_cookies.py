"""model/cookies.py: what a login cookie's domain must be, the one rule for check, writes and subdomain."""

from __future__ import annotations

import pytest

from clearml_cfg.model.cookies import DomainIssue, domain_issue, host_of, is_local, shared_domain


@pytest.mark.parametrize(
    ("value", "issue"),
    [
        ("https://clearml.example.com", DomainIssue("not-a-host", "is a URL", ".clearml.example.com")),
        ("https://app.clearml.example.com:8080/", DomainIssue("not-a-host", "is a URL", ".clearml.example.com")),
        ("clearml.example.com:8080", DomainIssue("not-a-host", "has a port", ".clearml.example.com")),
        ("clearml.example.com/", DomainIssue("not-a-host", "has a path", ".clearml.example.com")),
        ("http://localhost:8080", DomainIssue("not-a-host", "is a URL", None)),  # no host to share: no value
        ("localhost", DomainIssue("local", "is localhost", None)),
        ("10.0.0.5", DomainIssue("local", "is an IP address", None)),
        ("app.clearml.example.com", DomainIssue("no-dot", "has no leading dot", ".clearml.example.com")),
        (".clearml.example.com", None),
        ("", None),
        (None, None),
        (["a"], None),
    ],
)
def test_domain_issue(value: object, issue: DomainIssue | None) -> None:
    assert domain_issue(value) == issue


def test_what_a_domain_issue_suggests_is_itself_a_good_domain() -> None:
    for value in ("https://clearml.example.com/x", "api.example.org:443", "files.clearml.io/"):
        found = domain_issue(value)
        assert found is not None and found.meant is not None and domain_issue(found.meant) is None


@pytest.mark.parametrize(
    ("text", "host", "extra"),
    [
        ("https://user@clearml.example.com:8080/path", "clearml.example.com", "is a URL"),
        ("user@clearml.example.com:8080", "clearml.example.com", "has a port"),
        ("[::1]:8080", "[::1]:8080", None),  # two colons: not a host:port pair, left as it is
        ("clearml.example.com", "clearml.example.com", None),
    ],
)
def test_host_of(text: str, host: str, extra: str | None) -> None:
    assert host_of(text) == (host, extra)


def test_the_shared_domain_drops_a_server_label_only() -> None:
    assert shared_domain("app.clearml.example.com") == "clearml.example.com"
    assert shared_domain("web.clearml.example.com") == "web.clearml.example.com"
    assert shared_domain("app.com") == "app.com"  # a label with nothing below it is the domain itself


@pytest.mark.parametrize(("host", "local"), [("localhost", True), ("x.localhost", True), ("::1", True), ("a.b", False)])
def test_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local
