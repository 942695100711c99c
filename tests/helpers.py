"""Shared test helpers: the reference folder, and pyhocon as the oracle of what a text means."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
HOCON_FIXTURES = sorted((DATA / "hocon").glob("*.conf"))
COMMANDS_DOC = REPO / "docs" / "commands.md"  # the command reference the README links to
REFERENCE = Path(os.environ.get("CLEARML_CFG_REFERENCE", REPO.parent / "shared" / "reference"))

needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference is not present")


def reference_files(pattern: str = "**/*.conf") -> list[Path]:
    return sorted(REFERENCE.glob(pattern)) if REFERENCE.is_dir() else []


def pyhocon_plain(text: str, basedir: str | None = None) -> Any:
    """What pyhocon (the server's parser) makes of ``text``, as plain data comparable with ours."""
    from pyhocon import ConfigFactory
    from pyhocon.config_tree import ConfigTree, NoneValue

    def plain(value: Any) -> Any:
        if isinstance(value, ConfigTree):
            return {k.strip('"'): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, NoneValue):
            return None
        return value

    return plain(ConfigFactory.parse_string(text, basedir=basedir))


def as_pyhocon(value: Any) -> Any:
    """Our reading, with durations turned into the objects pyhocon makes of them (it has python-dateutil)."""
    from dateutil.relativedelta import relativedelta

    from clearml_cfg.hocon import Period

    if isinstance(value, dict):
        return {k: as_pyhocon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_pyhocon(v) for v in value]
    if isinstance(value, Period):
        if value.unit == "milliseconds":
            return datetime.timedelta(milliseconds=value.amount)
        if value.unit == "nanoseconds":
            return relativedelta(microseconds=value.amount // 1000)
        return relativedelta(**{value.unit: value.amount})
    return value


def own_secrets() -> str:
    """A secure.conf that sets every secret the server ships with a public value to a value of its own: a
    directory with it has no secure-default-credentials finding, so a test can look at the others alone."""
    from clearml_cfg.model.credentials import SECRETS

    return "".join(f'{".".join(s.path[1:])}: "own-{i}-not-public"\n' for i, s in enumerate(SECRETS))
