"""features/secure.py: the services agent's keys in a docker-compose .env file, and the file server's pair as each
server reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearml_cfg.features.secure import pair_warnings, with_variables
from clearml_cfg.model.layout import config_dirs
from clearml_cfg.views.effective import Effective, compute

# --- the file server's pair ----------------------------------------------------------------------------------

PAIR = 'credentials.fileserver { user_key: "%s", user_secret: "S" }\n'


def effective(directory: Path, text: str | None, component: str) -> Effective:
    directory.mkdir()
    if text is not None:
        (directory / "secure.conf").write_text(text)
    return compute(config_dirs(str(directory), {}), {}, component=component)


def test_a_pair_that_differs_between_the_servers_is_named(tmp_path: Path) -> None:
    api = effective(tmp_path / "a", PAIR % "KEY1", "apiserver")
    same = effective(tmp_path / "b", PAIR % "KEY1", "fileserver")
    other = effective(tmp_path / "c", PAIR % "KEY2", "fileserver")
    default = effective(tmp_path / "d", None, "fileserver")
    assert pair_warnings(api, same) == []
    (warning,) = pair_warnings(api, other)
    assert warning.startswith("the file server reads secure.credentials.fileserver.user_key from secure.conf:1")
    assert len(pair_warnings(api, default)) == 2


# --- the services agent's .env ------------------------------------------------------------------------------

NEW = {"CLEARML_AGENT_ACCESS_KEY": "K2", "CLEARML_AGENT_SECRET_KEY": "S2"}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("", "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("A=1", "A=1\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("A=1\r\n", "A=1\r\nCLEARML_AGENT_ACCESS_KEY=K2\r\nCLEARML_AGENT_SECRET_KEY=S2\r\n"),
        (
            "# keys\nCLEARML_AGENT_SECRET_KEY = old\nB=2\n",
            "# keys\nCLEARML_AGENT_SECRET_KEY = S2\nB=2\nCLEARML_AGENT_ACCESS_KEY=K2\n",
        ),
        (
            "export CLEARML_AGENT_ACCESS_KEY=a\nCLEARML_AGENT_ACCESS_KEY=b # again\n",
            "export CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
        (
            "#CLEARML_AGENT_ACCESS_KEY=commented\nMY_CLEARML_AGENT_ACCESS_KEY=x\n",
            "#CLEARML_AGENT_ACCESS_KEY=commented\nMY_CLEARML_AGENT_ACCESS_KEY=x\n"
            "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
        (
            "A='x\fCLEARML_AGENT_ACCESS_KEY=no'\n",
            "A='x\fCLEARML_AGENT_ACCESS_KEY=no'\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
    ],
)
def test_with_variables(before: str | None, after: str) -> None:
    assert with_variables(before, NEW) == after
