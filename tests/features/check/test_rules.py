"""features/check/rules.py: what an edit adds to `check`'s findings, and how a write answers it."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_files import config_dir, dirs_of

from clearml_cfg.errors import UsageError
from clearml_cfg.features.check.model import Finding, Severity
from clearml_cfg.features.check.rules import ALWAYS, Refused, Rules, added, focus
from clearml_cfg.views.snapshot import Snapshot

FILE = Path("apiserver.conf")


def _finding(
    code: str, key: tuple[str | int, ...] | None, line: int = 1, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(code, severity, f"{code} message", f"{code} hint", FILE, line, key=key)


def test_focus_is_the_parent_section_of_each_key_and_what_every_rule_reads() -> None:
    found = focus([("apiserver", "listen", "port"), ("apiserver", "x")])
    assert found[:2] == [("apiserver", "listen"), ("apiserver", "x")]
    assert set(ALWAYS) <= set(found) and len(found) == len(set(found))


def test_a_finding_that_only_moved_is_notadded() -> None:
    before = [_finding("misspelt-key", ("apiserver", "listen", "prot"), line=3)]
    after = [_finding("misspelt-key", ("apiserver", "listen", "prot"), line=9)]
    assert added(before, after) == []


def test_a_list_index_does_not_tell_findings_apart_but_their_number_does() -> None:
    users = ("apiserver", "auth", "fixed_users", "users")
    before = [_finding("fixed-user-missing-key", (*users, 1))]
    moved = [_finding("fixed-user-missing-key", (*users, 0))]  # the entry before it was removed
    assert added(before, moved) == []
    second = [*moved, _finding("fixed-user-missing-key", (*users, 1))]
    assert added(before, second) == [second[1]]


def test_refused_carries_every_error_and_the_first_code() -> None:
    errors = [_finding("a-code", ("apiserver", "a")), _finding("b-code", ("apiserver", "b"))]
    refused = Refused(errors)
    assert isinstance(refused, UsageError) and refused.exit_code == 2
    assert (refused.code, refused.findings) == ("a-code", errors)
    assert refused.hint is not None and refused.hint.endswith("--force writes it anyway")
    assert refused.detail is not None  # the second error is shown too


def test_rules_judge_the_documents_the_edit_changes(tmp_path: Path) -> None:
    directory = config_dir(tmp_path / "c", {"apiserver.conf": "listen { port: 8008 }\n"})
    snapshot = Snapshot(dirs_of(directory), {})
    document = snapshot.reader.document(directory / "apiserver.conf")
    rules = Rules(snapshot, [("apiserver", "listen", "prot")])
    document.set(("listen", "prot"), 8009)
    with pytest.raises(Refused) as raised:
        rules.verdict(force=False)
    assert raised.value.code == "misspelt-key"
    shown = rules.verdict(force=True)
    assert len(shown) == 1  # the error let through is said


def test_a_line_named_in_a_message_does_not_tell_findings_apart() -> None:
    before = [Finding("x", Severity.ERROR, "as written in /c/apiserver.conf:3", "h", FILE, 3)]
    after = [Finding("x", Severity.ERROR, "as written in /c/apiserver.conf:7:2", "h", FILE, 7)]
    assert added(before, after) == []


def test_a_finding_of_another_severity_or_file_is_new() -> None:
    before = [Finding("a", Severity.WARNING, "m", "h", FILE, 1)]
    other_severity = Finding("a", Severity.ERROR, "m", "h", FILE, 1)
    other_file = Finding("a", Severity.WARNING, "m", "h", Path("services.conf"), 1)
    assert added(before, [other_severity, other_file]) == [other_severity, other_file]
