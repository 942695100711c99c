"""An edit that would leave a file the server cannot resolve is refused, with where and why."""

from __future__ import annotations

from pathlib import Path

from conftest import Run, write


def test_unset_under_a_substitution_is_refused_with_the_place_and_a_hint(cli: Run, config_dir: Path) -> None:
    text = 'host: "x"\nurl: "http://"${host}"/api"\n'
    conf = write(config_dir / "apiserver.conf", text)
    result = cli("unset", "apiserver.host")
    assert result.code == 2, result
    assert result.err.startswith(f"error: cannot remove apiserver.host from {conf}: the server could not load the")
    assert "line 2, column 15: cannot resolve ${host}" in result.err
    assert "it resolves now without help from the environment" in result.err
    assert "hint: nothing was written; change the substitution named there first" in result.err
    assert len(result.err.strip().splitlines()) == 2
    assert conf.read_text() == text


def test_set_that_breaks_a_concatenation_is_refused(cli: Run, config_dir: Path) -> None:
    text = 'host: "x"\nurl: "http://"${host}"/api"\n'
    conf = write(config_dir / "apiserver.conf", text)
    result = cli("set", "apiserver.host", '{"a": 1}')
    assert result.code == 2, result
    assert "line 2, column 6: cannot concatenate a string and an object" in result.err
    assert conf.read_text() == text
