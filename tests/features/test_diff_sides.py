"""features/diff and features/kube: env files read as a shell reads them, env values as Kubernetes expands them."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearml_cfg.errors import ConfigReadError
from clearml_cfg.features.diff import env_assignments, read_env_file
from clearml_cfg.features.kube import env_value, expand_env_value


@given(st.text())
def test_kubernetes_gets_back_what_was_exported(value: str) -> None:
    assert expand_env_value(env_value(value), {"A": "x"}) == value


def test_kubernetes_expansion() -> None:
    defined = {"A": "alpha"}
    assert expand_env_value("$(A)-$(B)-$$(A)-$-$$-$(", defined) == "alpha-$(B)-$(A)-$-$-$("


@given(st.text(st.characters(exclude_characters="\r\x00")))
def test_a_value_quoted_for_a_shell_reads_back(value: str) -> None:
    """What export --format env writes (shlex.quote) reads back as the value."""
    line = f"CLEARML__A={shlex.quote(value)}\n"
    assert env_assignments(line, Path("x.env")) == [("CLEARML__A", value, 1)]


def test_comments_blank_lines_export_and_bare_values(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    path.write_text('# c\n\n  export CLEARML__A=a b # not a comment\nCLEARML__B=\nCLEARML__C="x y"\n')
    assert read_env_file(path) == [
        ("CLEARML__A", "a b # not a comment", 3),
        ("CLEARML__B", "", 4),
        ("CLEARML__C", "x y", 5),
    ]


@pytest.mark.parametrize("line", ["=1", "no assignment", "CLEARML__A='x", "CLEARML__A='x' y"])
def test_what_is_not_an_assignment(tmp_path: Path, line: str) -> None:
    path = tmp_path / "x.env"
    path.write_text(f"CLEARML__OK=1\n{line}\n")
    with pytest.raises(ConfigReadError) as error:
        read_env_file(path)
    assert error.value.line == 2
