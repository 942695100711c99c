"""Every case of the bad-input corpus (tests/corpus.py) ends with its clear error (or succeeds), and writes
nothing it should not. How long each takes and how much memory it needs: bench/bench_limits.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run
from corpus import CASES, Case, expected, prepare
from filesystem import picture


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_bad_input_ends_with_its_clear_error(cli: Run, config_dir: Path, tmp_path: Path, case: Case) -> None:
    args = prepare(case, config_dir, tmp_path)
    before = picture(config_dir)
    result = cli(*args, stdin=case.stdin.decode("latin-1") if case.stdin else None, env=case.env)
    assert result.code == case.code, str(result)[:2000]
    first = (result.err.splitlines() or [""])[0]
    assert first == expected(case, config_dir, tmp_path), str(result)[:2000]
    if case.code:
        assert picture(config_dir) == before  # a refusal writes nothing


def test_the_corpus_covers_what_the_issue_names() -> None:
    names = " ".join(case.name for case in CASES)
    for subject in (
        "/dev/zero",
        "FIFO",
        "include",
        "string doubled",
        "object doubled",
        "YAML alias",
        "5 MB line",
        "1,000 parts",
        "100,000 parts",
        "500,000 keys",
        "100,000 characters",
        "300,000 characters",
        "2,000 dotted keys",
        "--password-stdin",
        "--value-stdin",
    ):
        assert subject in names, subject
