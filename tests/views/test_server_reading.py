"""The server's reading of a file: our own where it succeeds (fast), pyhocon's elsewhere, and the two the same;
includes that never fetch a URL and never read a device; pyhocon with the server's room to recurse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import DATA, reference_files
from hypothesis import HealthCheck, given, settings
from strategies import documents

from clearml_cfg.errors import ConfigReadError
from clearml_cfg.hocon import Document, HoconError
from clearml_cfg.hocon.deep import with_room
from clearml_cfg.hocon.parser import MAX_DEPTH, MAX_KEY_DEPTH
from clearml_cfg.views.server_reading import as_server_reads, read_file, url_includes

FIXTURES = sorted(DATA.rglob("*.conf")) + reference_files()


def _both(path: Path, text: str) -> tuple[object, object] | None:
    """Our reading in pyhocon's form and pyhocon's, where ours applies (it succeeds, no include)."""
    try:
        document = Document(text)
        if document.include_statements():
            return None
        ours = as_server_reads(document.resolved(os.environ))
    except HoconError:
        return None
    return ours, read_file(path, text)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_our_reading_is_pyhocons_on_every_fixture(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        pytest.skip("pyhocon refuses a byte-order mark, which we read (a documented difference)")
    both = _both(path, text)
    if both is not None:
        assert repr(both[0]) == repr(both[1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_our_reading_is_pyhocons_on_generated_documents(text: str) -> None:
    try:
        both = _both(Path("/nowhere/apiserver.conf"), text)
    except ConfigReadError:
        return  # pyhocon fails where we read: the effective view then asks pyhocon, and fails as the server does
    if both is not None:
        assert repr(both[0]) == repr(both[1])


def test_durations_read_as_pyhocon_makes_them() -> None:
    text = "a: 14 days\nb: 250ms\nc: 30s\nd: 2 weeks\ne: 1500 us\n"
    both = _both(Path("/nowhere/x.conf"), text)
    assert both is not None and repr(both[0]) == repr(both[1])


# --- includes ----------------------------------------------------------------------------------------------------


def test_an_included_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "apiserver.conf"
    with pytest.raises(ConfigReadError) as caught:
        read_file(path, 'include "/dev/zero"\na: 1\n')
    error = caught.value
    assert (error.message, error.hint, error.code) == (
        f"{path}: its include of /dev/zero fails: it is a character device, not a regular file",
        "the server cannot start with it either: remove the include, or point it at a real file",
        "server-cannot-load",
    )


def test_an_included_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p.conf")
    path = tmp_path / "apiserver.conf"
    with pytest.raises(ConfigReadError) as caught:
        read_file(path, 'include "p.conf"\n')
    assert caught.value.message == (
        f"{path}: its include of {tmp_path / 'p.conf'} fails: it is a FIFO (named pipe), not a regular file"
    )


def test_a_url_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    def fetch(*_: object, **__: object) -> None:
        raise AssertionError("fetched")

    monkeypatch.setattr(urllib.request, "urlopen", fetch)
    import pyhocon.config_parser

    monkeypatch.setattr(pyhocon.config_parser, "urlopen", fetch)
    text = 'include url("http://10.255.255.1/x.conf")\ninclude required(url("https://u:pw@h/y.conf"))\na: 1\n'
    assert read_file(Path("/nowhere/apiserver.conf"), text) == {"a": 1}
    found = [(location.line, url) for location, url in url_includes(Document(text))]
    assert found == [(1, "http://10.255.255.1/x.conf"), (2, "https://u:********@h/y.conf")]


def test_an_included_file_that_is_not_hocon_is_named_without_its_content(tmp_path: Path) -> None:
    (tmp_path / "shadow").write_text("root:$6$SecretHash:19000:0:99999:7:::\n")
    path = tmp_path / "apiserver.conf"
    with pytest.raises(ConfigReadError) as caught:
        read_file(path, f'include required(file("{tmp_path / "shadow"}"))\n')
    assert caught.value.message == (
        f"{path}: its include of {tmp_path / 'shadow'} fails: it is not HOCON (line 1, column 6: unexpected '$')"
    )


def test_pyhocon_has_the_room_it_has_in_the_server(tmp_path: Path) -> None:
    path = tmp_path / "apiserver.conf"

    def read(levels: int) -> object:  # as every command runs: with room for 1,100 levels
        return with_room(MAX_KEY_DEPTH + MAX_DEPTH, lambda: read_file(path, ".".join(["k"] * levels) + ": 1\n"))

    # with the file's prefix (apiserver), 976 levels stop the server at start (../shared/tools/server-config);
    # within a few levels, the boundary moves with what else is on the stack (a first use of a regex adds frames)
    assert read(970) is not None
    with pytest.raises(ConfigReadError) as caught:
        read(985)
    assert caught.value.message == (
        f"{path}: the server cannot load this file: its parser runs out of room (RecursionError) on keys nested "
        "this deep"
    )
